// AudioSource is where a recording's audio comes from: a file, the microphone, or an upload.
//
// A source is opened by its own factory (which throws SourceError with a sentence a user can
// act on: "cannot open 'x.wav': No such file"), then start()ed with the recording's RingWriter.
// It produces 10 ms AudioFrames on its own thread or callback until its input ends, it fails,
// or stop() is called. on_end is called at most once, from the source's thread, when the source
// ends by itself; never after stop() has returned.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include "audio/ring_writer.h"

namespace vs {

class SourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SourceEnd {
  enum class Kind { EndOfInput, Error };
  Kind kind = Kind::EndOfInput;
  std::string message;  // for Error: what went wrong, as a sentence
};

class AudioSource {
 public:
  using OnEnd = std::function<void(const SourceEnd&)>;
  virtual ~AudioSource() = default;

  virtual void start(RingWriter& out, OnEnd on_end) = 0;
  // Stops producing and joins the source's thread (or closes its stream). Idempotent.
  virtual void stop() noexcept = 0;
  // "file", "mic" or "stream": the recording's `source` field.
  virtual std::string kind() const = 0;
  // True for a producer that waits on a full ring (a file read faster than real time): for it a
  // full ring is how it is paced, not a warning, so the pump publishes no buffer level events.
  virtual bool waits_on_full_ring() const { return false; }
};

}  // namespace vs
