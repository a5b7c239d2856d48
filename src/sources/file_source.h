// FileSource plays an audio file (or standard input, path "-") into a recording: any format
// libsndfile reads (WAV, FLAC, Ogg Vorbis/Opus, MP3, ...), down-mixed and resampled to 16 kHz
// mono, cut into 10 ms frames and pushed into the RingWriter on the source's own thread.
//
// realtime=true paces the frames at one per 10 ms, as a microphone would deliver them, and uses
// push(): a full ring is then an overflow, as it would be live. realtime=false goes as fast as
// the consumer and waits on a full ring (push_wait): nothing is lost.
//
//   auto file = FileSource::open("talk.flac", /*realtime=*/false);   // throws SourceError
//   file->start(writer, [](const SourceEnd& end) { ... });
//   ...
//   file->stop();   // or let it end: on_end({EndOfInput}) after the last frame
#pragma once

#include <memory>
#include <string>

#include "audio/audio_source.h"

namespace vs {

class FileSource final : public AudioSource {
 public:
  // Opens and checks the file now, so a bad path fails before any recording starts. Throws
  // SourceError naming the path: missing, unreadable, not audio, or empty.
  static std::unique_ptr<FileSource> open(const std::string& path, bool realtime);
  // The same for a file already in memory (an HTTP upload): libsndfile reads `bytes` through
  // its virtual I/O, so nothing touches the disk. `name` only labels errors ("upload 'x.mp3'").
  static std::unique_ptr<FileSource> open_memory(std::string bytes, const std::string& name, bool realtime);
  ~FileSource() override;

  // Starts the reading thread. Call once. The RingWriter must outlive the thread (stop()).
  void start(RingWriter& out, OnEnd on_end) override;
  // Ends the thread within a few ms, even while it is pacing or waiting on a full ring, and
  // joins it; on_end is then not called. It also closes the RingWriter: that is what releases a
  // wait on a full ring. Idempotent; the destructor calls it.
  void stop() noexcept override;
  std::string kind() const override { return "file"; }
  bool waits_on_full_ring() const override;

  // The input's length from its header; 0 for standard input, whose header a streaming
  // writer cannot fill in truthfully.
  double duration_seconds() const;
  double input_rate() const;
  int input_channels() const;

 private:
  struct Impl;
  explicit FileSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs
