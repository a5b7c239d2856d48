// The Wyoming session's protocol as data and one pure transition function:
//
//   SessionStep t = step(std::move(state), event, now);   // (state, event) → (state, actions)
//
// Events are what happened on the connection (an event decoded, bytes queued or written, the peer
// gone, a deadline reached) or to its turn (granted, the recording started or refused, the ring
// full, the transcript done); actions are what WyomingSession must do about it (answer, join the
// turn queue, start / feed / stop the recording, arm a retry, close). Nothing here does I/O or
// reads a clock: `now` comes with each event, so the unit tests drive every row by hand.
//
// Two things are functions of the state, not actions: whether the session may read (reads()) and
// when its one watchdog must wake (deadline()). The session re-evaluates both after each step.
// The hostile-client bounds are rows here: the idle, read, write and queue deadlines (Tick), the
// bounded outbound queue (Queued / Written) and cancel on close (PeerGone).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace vs::wyoming {

using Clock = std::chrono::steady_clock;

// Idle: between transcriptions. Queued: waiting for the one recording slot (reading paused).
// Recording: feeding audio. Finishing: audio-stop seen, waiting for the transcript (reading
// paused). Failing: an `error` is queued; the connection closes once it is written. Lingering:
// it is written; input is discarded until the client closes or kLinger passes. Closed: done.
enum class Phase { Idle, Queued, Recording, Finishing, Failing, Lingering, Closed };
const char* to_string(Phase p);

struct SessionPolicy {
  std::chrono::milliseconds queue_timeout{30000};  // wyoming.queue_timeout_ms
  std::chrono::milliseconds idle_timeout{30000};   // wyoming.idle_timeout_ms
  std::chrono::milliseconds read_timeout{5000};    // wyoming.read_timeout_ms
  size_t high_water = 256 * 1024;       // queued to write above this: no reading until the client reads
  size_t max_outbound = 4 * 1024 * 1024;  // queued past this: the client reads nothing; close
  size_t max_pong_text = 1024;          // a longer ping text is not echoed
  std::chrono::milliseconds busy_retry{100};   // an HTTP recording holds the recorder: look again
  std::chrono::milliseconds linger{1000};      // after an error, how long the client gets to close
};

struct SessionState {
  Phase phase = Phase::Idle;
  Clock::time_point quiet_since{};     // the last input, or when we began listening again
  Clock::time_point queue_deadline{};  // Queued: the turn must begin by then
  Clock::time_point write_since{};     // something waits to be written: since the last progress
  Clock::time_point linger_until{};    // Lingering
  size_t out_bytes = 0;                // queued and not yet written
  bool out_full = false;      // over high_water: reading stops until half of it is written
  bool ring_full = false;     // the source holds audio that did not fit; a retry offers it again
                              // (Finishing: the end of the stream waits for that room)
  bool source_ended = false;  // the recording ended by itself (its reason comes with the transcript)
  bool holds_turn = false;    // the session holds its part of the turn (released once transcript-stop is out)
};

// ---- events -----------------------------------------------------------------------------------
enum class Kind { Describe, Ping, Transcribe, AudioStart, AudioChunk, AudioStop, Other };
enum class Fed { Accepted, Full, Ended };  // StreamSource::Fed

namespace wev {
struct Started {};
struct Input {};                                       // bytes arrived from the client
struct Received { Kind kind; size_t ping_text = 0; };  // ping_text: bytes of a ping's text
struct Malformed { std::string what; };
struct TurnGranted {};
struct RecordingStarted {};
struct RecordingBusy { std::string why; };             // an HTTP recording holds the recorder
struct RecordingRefused { std::string text, code; };   // no worker, or the start failed
struct FeedResult { Fed fed; };                        // after act::Feed, act::Finish or act::Drain
struct TranscriptDone { std::string reason, heard; };  // the recording stopped; its transcript is in
struct Queued { size_t bytes; };                       // an event was queued to write
struct Written { size_t bytes; };                      // the oldest queued event is written
struct PeerGone {};                                    // EOF, a reset, a failed read or write
struct Tick { bool turn_granted = false; size_t ahead = 0; };  // the watchdog: deadline() has come (ticket facts)
struct RetryDue {};                                    // act::ArmRetry's time has come
struct RoomMade {};                                    // act::AwaitRoom: the ring may take the held audio
struct BusClosed {};                                   // the daemon is shutting down
}  // namespace wev
using SessionEvent = std::variant<wev::Started, wev::Input, wev::Received, wev::Malformed, wev::TurnGranted, wev::RecordingStarted,
                                  wev::RecordingBusy, wev::RecordingRefused, wev::FeedResult, wev::TranscriptDone,
                                  wev::Queued, wev::Written, wev::PeerGone, wev::Tick, wev::RetryDue, wev::RoomMade, wev::BusClosed>;

// ---- actions ----------------------------------------------------------------------------------
namespace wact {
struct SendInfo {};
struct SendPong { bool echo_text; };
struct SendError { std::string text, code; };
struct SendTranscript {};             // the follower's transcript + transcript-stop
struct SetFormat {};                  // audio-start: a converter for its format
struct JoinQueue {};
struct LeaveQueue {};                 // the ticket (queued or granted, not yet used) is given up
struct StartRecording {};             // answer with RecordingStarted, RecordingBusy or RecordingRefused
struct Feed {};                       // convert and feed this audio-chunk; answer with FeedResult
struct Finish {};                     // flush the converter and end the stream; answer with FeedResult
struct Drain {};                      // offer the held audio again; answer with FeedResult
struct StopRecording { std::string reason; };  // request_stop (first reason wins) and let it go
struct ReleaseTurn {};                // the session's part of the turn: the next connection may begin
struct ArmRetry { Clock::time_point at; };
struct AwaitRoom {};                  // the ring was full: RoomMade once the pump took frames (or it ended)
struct ShutdownSend {};               // the error is out: stop sending, discard input
struct Close {};                      // close the socket, leave the registry
enum class Level { Debug, Info, Warn };
struct Log { Level level; std::string text; };
}  // namespace wact
using SessionAction = std::variant<wact::SendInfo, wact::SendPong, wact::SendError, wact::SendTranscript,
                                   wact::SetFormat, wact::JoinQueue, wact::LeaveQueue, wact::StartRecording,
                                   wact::Feed, wact::Finish, wact::Drain, wact::StopRecording, wact::ReleaseTurn,
                                   wact::ArmRetry, wact::AwaitRoom, wact::ShutdownSend, wact::Close, wact::Log>;

struct SessionStep {
  SessionState state;
  std::vector<SessionAction> actions;
};

SessionStep step(SessionState state, const SessionEvent& event, Clock::time_point now, const SessionPolicy& policy);

// Whether the session may read the client's next bytes (and handle the events already decoded).
bool reads(const SessionState& s);
// When the watchdog must next wake (a Tick), or nullopt when no deadline applies.
std::optional<Clock::time_point> deadline(const SessionState& s, const SessionPolicy& policy);
// Since when the connection is idle (outside a transcription, nothing to write): eviction picks
// the oldest. nullopt while busy.
std::optional<Clock::time_point> idle_since(const SessionState& s);

}  // namespace vs::wyoming
