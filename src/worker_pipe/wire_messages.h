// The worker protocol's lines (DESIGN.md §3), both directions, in one place.
//
// Outgoing: encoders append one complete line, '\n' included, to a caller-owned buffer so the
// writer thread can batch several lines into one write(). Incoming: parse_worker_line sorts a
// line into known / unknown / malformed without ever throwing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "worker_pipe/decode_request.h"

namespace vs {

// A stream id names one recording's audio in protocol version 2 (several streams through one
// worker); "" is the default stream, which protocol 1 knows as its only one and which is never
// written on the wire. Ids are the recordings' ("rec_" + 12 hex digits), so need no escaping.
inline constexpr size_t kMaxStreamIdBytes = 64;

// {"type":"audio_frame","stream":"S","seq":N,"data":"<base64 s16le>","sample_rate":16000,"channels":1}\n
// ("stream" only when not the default stream)
void append_audio_frame_line(std::string& out, std::string_view stream, uint64_t seq, std::span<const int16_t> pcm);
// Bytes append_audio_frame_line adds, without building the line.
size_t audio_frame_line_size(std::string_view stream, uint64_t seq, size_t samples);

std::string ping_line(const std::string& id);       // {"type":"ping","id":"..."}\n
std::string flush_line(std::string_view stream = {});  // {"type":"flush"[,"stream":"S"]}\n
std::string shutdown_line();                        // {"type":"shutdown"}\n
// {"type":"stream_options"[,"stream":"S"],"model"?,"language"?,"prompt"?,"temperature"?,"word_timestamps"?}\n
// with only the fields the request sets.
std::string stream_options_line(std::string_view stream, const DecodeRequest& request);

// The messages a worker may send (DESIGN.md §3), parsed once by the reader thread so the
// supervisor and the pump switch on a type, never on a string.
enum class WorkerMessageType {
  Ready, Pong, SpeechStart, SpeechEnd, PartialText, FinalText, NoSpeech, Ack, Error, StreamClosed
};
std::optional<WorkerMessageType> worker_message_type(std::string_view type);
bool is_known_worker_type(std::string_view type);

enum class LineKind {
  Known,      // a JSON object whose string "type" is a known worker type
  Unknown,    // a JSON object with a string "type" the sidecar does not know
  Malformed,  // not JSON, not an object, no string "type", or a "stream" that is no stream id
};

struct ParsedLine {
  LineKind kind = LineKind::Malformed;
  WorkerMessageType type = WorkerMessageType::Error;  // meaningful for Known only
  nlohmann::json body;  // the object, for Known and Unknown
};

// A known worker message as the reader hands it on: typed, its body shared (never copied) with
// every event that republishes it, and its line length for the event ring's byte budget.
struct WorkerMessage {
  WorkerMessageType type = WorkerMessageType::Error;
  std::shared_ptr<const nlohmann::json> body;  // never null
  size_t bytes = 0;

  // Typed fields, read without throwing: ack's "seq" (-1 when absent or not an integer) and
  // "received"; pong's "id", ready's "engine"; ready's "protocol" (1 when absent); the stream a
  // message is about ("" for the default stream).
  int64_t ack_seq() const;
  std::optional<uint64_t> ack_received() const;
  std::string string_field(const char* key) const;
  int protocol() const;
  // An error line with "recoverable": false: the worker says why it is about to exit.
  bool fatal_error() const;
  std::string stream() const { return string_field("stream"); }
};

ParsedLine parse_worker_line(std::string_view line);

}  // namespace vs
