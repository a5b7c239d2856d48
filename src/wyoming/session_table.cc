#include "wyoming/session_table.h"

#include <algorithm>

namespace vs::wyoming {

const char* to_string(Phase p) {
  switch (p) {
    case Phase::Idle: return "idle";
    case Phase::Queued: return "queued";
    case Phase::Recording: return "recording";
    case Phase::Finishing: return "finishing";
    case Phase::Failing: return "failing";
    case Phase::Lingering: return "lingering";
    case Phase::Closed: return "closed";
  }
  return "?";
}

namespace {

using wact::Level;

// Reasons a recording ends with its transcript intact; any other (overflow, ...) is an error.
bool clean_end(const std::string& reason) {
  return reason == "end_of_stream" || reason == "requested" || reason == "shutdown";
}

bool has_recording(Phase p) { return p == Phase::Recording || p == Phase::Finishing; }

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

// One step's working set: the state being changed and the actions said so far.
struct Step {
  SessionState s;
  std::vector<SessionAction> out;
  Clock::time_point now;
  const SessionPolicy& policy;

  void act(SessionAction a) { out.push_back(std::move(a)); }
  void log(Level level, std::string text) { act(wact::Log{level, std::move(text)}); }

  // Gives up what the connection holds in the daemon: its place in the queue or its turn, and the
  // recording it feeds (first reason wins: after audio-stop it stays end_of_stream).
  void release(const std::string& stop_reason) {
    if (s.phase == Phase::Queued) act(wact::LeaveQueue{});
    if (has_recording(s.phase)) act(wact::StopRecording{stop_reason});
    if (s.holds_turn) act(wact::ReleaseTurn{});
    s.holds_turn = false;
    s.ring_full = s.source_ended = false;
  }

  // An `error`, then the connection closes once it is written (the daemon and others go on).
  void fail(std::string text, std::string code, const std::string& stop_reason = "requested") {
    if (s.phase == Phase::Failing || s.phase == Phase::Lingering || s.phase == Phase::Closed) return;
    log(Level::Info, text + " (" + code + ")");
    release(stop_reason);
    s.phase = Phase::Failing;
    act(wact::SendError{std::move(text), std::move(code)});
  }

  void close(const std::string& stop_reason) {
    if (s.phase == Phase::Closed) return;
    release(stop_reason);
    s.phase = Phase::Closed;
    s.out_bytes = 0;
    s.out_full = false;
    act(wact::Close{});
  }

  void want_turn() {
    s.phase = Phase::Queued;
    s.queue_deadline = now + policy.queue_timeout;
    act(wact::JoinQueue{});
  }

  // Reading (again) after a pause: the client's silence counts from now.
  void listen_again() { s.quiet_since = now; }

  // ---- the rows -------------------------------------------------------------------------------

  void on(const wev::Started&) { s.quiet_since = now; }

  void on(const wev::Input&) { s.quiet_since = now; }

  void on(const wev::Received& e) {
    if (s.phase != Phase::Idle && s.phase != Phase::Recording) return;  // not reading: cannot happen
    switch (e.kind) {
      case Kind::Describe: return act(wact::SendInfo{});
      case Kind::Ping: return act(wact::SendPong{e.ping_text <= policy.max_pong_text});
      case Kind::Transcribe:
        if (s.phase == Phase::Idle) want_turn();
        return;
      case Kind::AudioStart:
        act(wact::SetFormat{});
        if (s.phase == Phase::Idle) want_turn();
        return;
      case Kind::AudioChunk:
        if (s.phase != Phase::Recording) return log(Level::Debug, "audio-chunk outside a transcription, dropped");
        if (!s.source_ended) act(wact::Feed{});
        return;
      case Kind::AudioStop:
        if (s.phase != Phase::Recording) return;
        s.phase = Phase::Finishing;  // reading pauses until the transcript is out
        // The end of the stream: the pump drains, flushes the worker, waits for the acks.
        if (!s.source_ended) act(wact::Finish{});
        return;
      case Kind::Other:
        // The protocol asks servers to drop what they do not know (select-program, ...).
        return log(Level::Debug, "ignoring an event of a type we do not serve");
    }
  }

  void on(const wev::Malformed& e) { fail("malformed event: " + e.what, "bad_event"); }

  void on(const wev::TurnGranted&) {
    if (s.phase == Phase::Queued) act(wact::StartRecording{});
  }

  void on(const wev::RecordingStarted&) {
    if (s.phase != Phase::Queued) return;
    s.phase = Phase::Recording;
    s.holds_turn = true;  // until its transcript-stop is written
    s.ring_full = s.source_ended = false;
    listen_again();
  }

  void on(const wev::RecordingBusy& e) {
    if (s.phase != Phase::Queued) return;
    // An HTTP recording holds the recorder: wait for it within the same queue deadline.
    if (now + policy.busy_retry >= s.queue_deadline) {
      return fail("busy: " + e.why + "; waited " + ms(policy.queue_timeout) +
                      " for it to end (wyoming.queue_timeout_ms)",
                  "busy");
    }
    act(wact::ArmRetry{now + policy.busy_retry});
  }

  void on(const wev::RecordingRefused& e) {
    if (s.phase == Phase::Queued) fail(e.text, e.code);
  }

  void on(const wev::FeedResult& e) {
    if (!has_recording(s.phase)) return;
    switch (e.fed) {
      case Fed::Full:
        s.ring_full = true;  // reading pauses: the client's audio waits in its socket
        return act(wact::AwaitRoom{});
      case Fed::Ended:
        s.source_ended = true;  // the recording stopped; its reason comes with TranscriptDone
        s.ring_full = false;
        return;
      case Fed::Accepted:
        if (s.ring_full) {
          s.ring_full = false;
          listen_again();
        }
        return;
    }
  }

  void on(const wev::RetryDue&) {
    if (s.phase == Phase::Queued) return act(wact::StartRecording{});
  }

  void on(const wev::RoomMade&) {
    if (s.phase == Phase::Recording && s.ring_full) return act(wact::Drain{});
    if (s.phase == Phase::Finishing && s.ring_full) return act(wact::Finish{});  // finish() goes on where it stopped
  }

  void on(const wev::TranscriptDone& e) {
    if (!has_recording(s.phase)) return;
    act(wact::StopRecording{"requested"});  // it has stopped: let it go
    s.phase = Phase::Idle;
    s.ring_full = s.source_ended = false;
    listen_again();  // idle from now: the client has its transcript to read
    if (!clean_end(e.reason)) {
      return fail("the recording stopped: " + e.reason + (e.heard.empty() ? "" : "; heard so far: " + e.heard),
                  "recording_" + e.reason);
    }
    act(wact::SendTranscript{});
  }

  void on(const wev::Queued& e) {
    if (s.phase == Phase::Closed) return;
    if (s.out_bytes == 0) s.write_since = now;
    s.out_bytes += e.bytes;
    if (s.out_bytes > policy.max_outbound) {
      log(Level::Info, "the client does not read: " + std::to_string(s.out_bytes) + " bytes wait to be written (limit " +
                           std::to_string(policy.max_outbound) + "); closing");
      return close("client_closed");
    }
    // A client that does not read what it asked for may not ask for more.
    if (s.out_bytes > policy.high_water) s.out_full = true;
  }

  void on(const wev::Written& e) {
    if (s.phase == Phase::Closed) return;
    s.out_bytes -= std::min(s.out_bytes, e.bytes);
    s.write_since = now;
    if (s.out_full && s.out_bytes <= policy.high_water / 2) {
      s.out_full = false;
      listen_again();
    }
    if (s.out_bytes > 0) return;
    if (s.phase == Phase::Idle && s.holds_turn) {
      s.holds_turn = false;  // transcript-stop is out: the next connection's turn may begin
      act(wact::ReleaseTurn{});
    }
    if (s.phase == Phase::Failing) {
      // The client may still be sending (its audio waited in the socket while it was queued).
      // Closing with unread bytes would reset the connection and could destroy the error before
      // the client reads it: stop sending, discard input until it closes or the linger passes.
      s.phase = Phase::Lingering;
      s.linger_until = now + policy.linger;
      act(wact::ShutdownSend{});
    }
  }

  void on(const wev::PeerGone&) { close("client_closed"); }

  void on(const wev::BusClosed&) { close("shutdown"); }

  void on(const wev::Tick& e) {
    if (s.phase == Phase::Closed) return;
    if (s.phase == Phase::Lingering) {
      if (now >= s.linger_until) close("client_closed");
      return;
    }
    const auto& p = policy;
    if (s.out_bytes > 0 && now >= s.write_since + p.idle_timeout) {
      log(Level::Info, "the client read nothing of what we wrote for " + ms(p.idle_timeout) +
                           " (wyoming.idle_timeout_ms); closing");
      return close("client_closed");
    }
    if (s.phase == Phase::Queued && now >= s.queue_deadline) {
      if (e.turn_granted) {
        // Granted just now, the grant on its way (or the recorder busy, which RecordingBusy
        // answers): look again in a moment rather than refuse a turn we hold.
        s.queue_deadline = now + p.busy_retry;
        return;
      }
      return fail("busy: every recording slot is in use (audio.max_recordings); waited " + ms(p.queue_timeout) +
                      " for one (wyoming.queue_timeout_ms) with " + std::to_string(e.ahead) +
                      " request(s) ahead in the queue",
                  "busy");
    }
    if (s.phase == Phase::Idle && reads(s) && now >= s.quiet_since + p.idle_timeout) {
      log(Level::Info, "closing a connection idle for " + ms(p.idle_timeout) + " (wyoming.idle_timeout_ms)");
      return close("client_closed");
    }
    if (s.phase == Phase::Recording && reads(s) && now >= s.quiet_since + p.read_timeout) {
      return fail("no audio for " + ms(p.read_timeout) +
                      " in the middle of a transcription (wyoming.read_timeout_ms), so the turn is given up; send "
                      "audio-chunk events without long gaps and end with audio-stop",
                  "read_timeout", "read_timeout");
    }
  }
};

}  // namespace

SessionStep step(SessionState state, const SessionEvent& event, Clock::time_point now, const SessionPolicy& policy) {
  Step st{std::move(state), {}, now, policy};
  std::visit([&st](const auto& e) { st.on(e); }, event);
  return SessionStep{std::move(st.s), std::move(st.out)};
}

bool reads(const SessionState& s) {
  if (s.phase == Phase::Lingering) return true;  // to discard until the client closes
  return (s.phase == Phase::Idle || s.phase == Phase::Recording) && !s.out_full && !s.ring_full;
}

std::optional<Clock::time_point> deadline(const SessionState& s, const SessionPolicy& p) {
  if (s.phase == Phase::Closed) return std::nullopt;
  if (s.phase == Phase::Lingering) return s.linger_until;
  std::optional<Clock::time_point> at;
  auto consider = [&at](Clock::time_point t) { at = at ? std::min(*at, t) : t; };
  if (s.out_bytes > 0) consider(s.write_since + p.idle_timeout);
  if (s.phase == Phase::Queued) consider(s.queue_deadline);
  if (s.phase == Phase::Idle && reads(s)) consider(s.quiet_since + p.idle_timeout);
  if (s.phase == Phase::Recording && reads(s)) consider(s.quiet_since + p.read_timeout);
  return at;
}

std::optional<Clock::time_point> idle_since(const SessionState& s) {
  if (s.phase != Phase::Idle || s.out_bytes > 0) return std::nullopt;
  return s.quiet_since;
}

}  // namespace vs::wyoming
