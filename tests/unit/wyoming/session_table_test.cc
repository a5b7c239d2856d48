// The Wyoming session's table, row by row, without sockets: each test feeds events with a hand-
// moved clock and checks the phase, the actions, whether the session may read, and when its
// watchdog must wake. The hostile-client rows (issue 16 S5, S6, S9) are here: idle, read and
// write deadlines, the bounded outbound queue, and cancel on close.
#include <gtest/gtest.h>

#include "wyoming/session_table.h"

namespace vs::wyoming {
namespace {

using namespace std::chrono_literals;

template <class A>
const A* find(const std::vector<SessionAction>& actions) {
  for (const auto& a : actions) {
    if (const auto* x = std::get_if<A>(&a)) return x;
  }
  return nullptr;
}

template <class A>
bool has(const std::vector<SessionAction>& actions) {
  return find<A>(actions) != nullptr;
}

class SessionTable : public ::testing::Test {
 protected:
  SessionTable() {
    policy.queue_timeout = 3000ms;
    policy.idle_timeout = 10000ms;
    policy.read_timeout = 1000ms;
    feed(wev::Started{});
  }

  std::vector<SessionAction> feed(const SessionEvent& e) {
    SessionStep t = step(std::move(state), e, now, policy);
    state = std::move(t.state);
    return std::move(t.actions);
  }
  std::vector<SessionAction> received(Kind k, size_t ping_text = 0) { return feed(wev::Received{k, ping_text}); }

  // transcribe → queued → granted → recording
  void begin_recording() {
    const auto queued = received(Kind::Transcribe);
    ASSERT_TRUE(has<wact::JoinQueue>(queued));
    ASSERT_EQ(state.phase, Phase::Queued);
    ASSERT_TRUE(has<wact::StartRecording>(feed(wev::TurnGranted{})));
    feed(wev::RecordingStarted{});
    ASSERT_EQ(state.phase, Phase::Recording);
  }

  // Queues `bytes` to write, then writes them all.
  std::vector<SessionAction> queue_and_write(size_t bytes) {
    feed(wev::Queued{bytes});
    return feed(wev::Written{bytes});
  }

  SessionPolicy policy;
  SessionState state;
  Clock::time_point now = Clock::time_point(1000s);
};

TEST_F(SessionTable, DescribeAndPingAreAnswered) {
  EXPECT_TRUE(has<wact::SendInfo>(received(Kind::Describe)));
  EXPECT_TRUE(find<wact::SendPong>(received(Kind::Ping, 10))->echo_text);
  // S6: a pong never echoes a long text.
  EXPECT_FALSE(find<wact::SendPong>(received(Kind::Ping, policy.max_pong_text + 1))->echo_text);
  EXPECT_TRUE(received(Kind::Other).size() <= 1);  // a debug line at most
  EXPECT_EQ(state.phase, Phase::Idle);
}

TEST_F(SessionTable, ATranscriptionRunsFromTranscribeToTranscriptStop) {
  begin_recording();
  EXPECT_TRUE(reads(state));
  EXPECT_TRUE(state.holds_turn);
  EXPECT_TRUE(has<wact::Feed>(received(Kind::AudioChunk)));
  EXPECT_TRUE(has<wact::Finish>(received(Kind::AudioStop)));
  EXPECT_EQ(state.phase, Phase::Finishing);
  EXPECT_FALSE(reads(state));
  EXPECT_FALSE(deadline(state, policy)) << "waiting for the transcript is the recorder's deadline";
  const auto done = feed(wev::TranscriptDone{"end_of_stream", "hello"});
  EXPECT_TRUE(has<wact::SendTranscript>(done));
  EXPECT_EQ(state.phase, Phase::Idle);
  // The turn is the session's until transcript-stop is written.
  feed(wev::Queued{100});
  EXPECT_FALSE(idle_since(state));
  EXPECT_TRUE(has<wact::ReleaseTurn>(feed(wev::Written{100})));
  EXPECT_FALSE(state.holds_turn);
  EXPECT_EQ(idle_since(state), now);
}

TEST_F(SessionTable, AudioStartAloneAsksForTheTurn) {
  const auto a = received(Kind::AudioStart);
  EXPECT_TRUE(has<wact::SetFormat>(a));
  EXPECT_TRUE(has<wact::JoinQueue>(a));
  EXPECT_FALSE(reads(state)) << "queued: the client's audio waits in its socket";
  EXPECT_FALSE(has<wact::JoinQueue>(received(Kind::Transcribe))) << "not reading, but never twice anyway";
}

TEST_F(SessionTable, AQueuedClientGetsBusyAtTheQueueDeadline) {
  received(Kind::Transcribe);
  EXPECT_EQ(deadline(state, policy), now + policy.queue_timeout);
  now += policy.queue_timeout;
  // Granted at the last instant: the grant is on its way, so no error yet; a moment more.
  EXPECT_TRUE(feed(wev::Tick{true, 0}).empty());
  EXPECT_EQ(deadline(state, policy), now + policy.busy_retry);
  now += policy.busy_retry;
  const auto a = feed(wev::Tick{false, 2});
  const auto* err = find<wact::SendError>(a);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "busy");
  EXPECT_NE(err->text.find("2 request(s) ahead in the queue"), std::string::npos) << err->text;
  EXPECT_TRUE(has<wact::LeaveQueue>(a));
  EXPECT_EQ(state.phase, Phase::Failing);
}

TEST_F(SessionTable, ABusyRecorderIsRetriedWithinTheQueueDeadline) {
  received(Kind::Transcribe);
  feed(wev::TurnGranted{});
  const auto busy = feed(wev::RecordingBusy{"a file records"});
  const auto* retry = find<wact::ArmRetry>(busy);
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->at, now + policy.busy_retry);
  EXPECT_TRUE(has<wact::StartRecording>(feed(wev::RetryDue{})));
  now += policy.queue_timeout - policy.busy_retry / 2;
  const auto refused = feed(wev::RecordingBusy{"a file records"});
  const auto* err = find<wact::SendError>(refused);
  ASSERT_TRUE(err);
  EXPECT_NE(err->text.find("a file records"), std::string::npos);
}

TEST_F(SessionTable, ARefusedStartIsAnError) {
  received(Kind::Transcribe);
  feed(wev::TurnGranted{});
  const auto a = feed(wev::RecordingRefused{"the worker is stopped", "worker_unavailable"});
  EXPECT_EQ(find<wact::SendError>(a)->code, "worker_unavailable");
  EXPECT_TRUE(has<wact::LeaveQueue>(a));
}

// S5: a connection that sends nothing outside a transcription is closed after idle_timeout.
TEST_F(SessionTable, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  EXPECT_EQ(deadline(state, policy), now + policy.idle_timeout);
  now += policy.idle_timeout / 2;
  feed(wev::Input{});
  EXPECT_EQ(idle_since(state), now);
  EXPECT_FALSE(has<wact::Close>(feed(wev::Tick{})));
  now += policy.idle_timeout;
  EXPECT_TRUE(has<wact::Close>(feed(wev::Tick{})));
  EXPECT_EQ(state.phase, Phase::Closed);
  EXPECT_FALSE(deadline(state, policy));
}

// S5: mid-transcription, audio must keep coming; a silent client loses its turn with an error.
TEST_F(SessionTable, ASilentClientMidTranscriptionLosesItsTurn) {
  begin_recording();
  EXPECT_EQ(deadline(state, policy), now + policy.read_timeout);
  now += policy.read_timeout - 1ms;
  feed(wev::Input{});
  now += policy.read_timeout;
  const auto a = feed(wev::Tick{});
  EXPECT_EQ(find<wact::StopRecording>(a)->reason, "read_timeout");
  EXPECT_TRUE(has<wact::ReleaseTurn>(a));
  const auto* err = find<wact::SendError>(a);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "read_timeout");
  EXPECT_NE(err->text.find("wyoming.read_timeout_ms"), std::string::npos);
  EXPECT_EQ(state.phase, Phase::Failing);
  EXPECT_FALSE(reads(state));
  // The error is written: stop sending, discard input, close after the linger.
  const auto written = queue_and_write(200);
  EXPECT_TRUE(has<wact::ShutdownSend>(written));
  EXPECT_EQ(state.phase, Phase::Lingering);
  EXPECT_EQ(deadline(state, policy), now + policy.linger);
  now += policy.linger;
  EXPECT_TRUE(has<wact::Close>(feed(wev::Tick{})));
}

// A full ring is our backpressure, not the client's silence: no read deadline meanwhile.
TEST_F(SessionTable, AFullRingPausesReadingWithoutTheReadTimeout) {
  begin_recording();
  const auto full = feed(wev::FeedResult{Fed::Full});
  EXPECT_TRUE(has<wact::AwaitRoom>(full)) << "woken when the pump makes room, not polled";
  EXPECT_FALSE(has<wact::ArmRetry>(full));
  EXPECT_FALSE(reads(state));
  EXPECT_FALSE(deadline(state, policy));
  now += 10 * policy.read_timeout;
  EXPECT_FALSE(has<wact::SendError>(feed(wev::Tick{})));
  EXPECT_TRUE(has<wact::Drain>(feed(wev::RoomMade{})));
  feed(wev::FeedResult{Fed::Accepted});
  EXPECT_TRUE(reads(state));
  EXPECT_EQ(deadline(state, policy), now + policy.read_timeout) << "the silence counts from when we listen again";
}

TEST_F(SessionTable, TheEndOfTheStreamWaitsForRoomInTheRing) {
  begin_recording();
  EXPECT_TRUE(has<wact::Finish>(received(Kind::AudioStop)));
  EXPECT_TRUE(has<wact::AwaitRoom>(feed(wev::FeedResult{Fed::Full})));
  EXPECT_TRUE(has<wact::Finish>(feed(wev::RoomMade{})));
  feed(wev::FeedResult{Fed::Ended});
  EXPECT_EQ(state.phase, Phase::Finishing);
  EXPECT_FALSE(reads(state));
}

TEST_F(SessionTable, ARecordingThatEndsBadlyIsAnError) {
  begin_recording();
  feed(wev::FeedResult{Fed::Ended});
  EXPECT_FALSE(has<wact::Feed>(received(Kind::AudioChunk))) << "the source has ended";
  const auto a = feed(wev::TranscriptDone{"overflow", "half a sentence"});
  const auto* err = find<wact::SendError>(a);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "recording_overflow");
  EXPECT_NE(err->text.find("heard so far: half a sentence"), std::string::npos);
  EXPECT_TRUE(has<wact::ReleaseTurn>(a));
  EXPECT_FALSE(has<wact::SendTranscript>(a));
}

TEST_F(SessionTable, AMalformedEventIsAnError) {
  begin_recording();
  const auto a = feed(wev::Malformed{"the event header is not valid JSON"});
  EXPECT_EQ(find<wact::SendError>(a)->code, "bad_event");
  EXPECT_EQ(find<wact::StopRecording>(a)->reason, "requested");
  // A second error never follows the first.
  EXPECT_FALSE(has<wact::SendError>(feed(wev::Malformed{"again"})));
}

// S6: what waits to be written is bounded: reading stops above the high-water mark and resumes at
// half of it; past the hard limit the connection closes.
TEST_F(SessionTable, TheOutboundQueueIsBounded) {
  feed(wev::Queued{policy.high_water + 1});
  EXPECT_FALSE(reads(state));
  EXPECT_FALSE(idle_since(state));
  feed(wev::Written{policy.high_water / 2});
  EXPECT_FALSE(reads(state)) << "not yet down to half the mark";
  feed(wev::Written{1});
  EXPECT_TRUE(reads(state));
  feed(wev::Queued{policy.max_outbound});
  EXPECT_EQ(state.phase, Phase::Closed);
}

TEST_F(SessionTable, ABoundPassedMidTranscriptionStopsTheRecording) {
  begin_recording();
  const auto a = feed(wev::Queued{policy.max_outbound + 1});
  EXPECT_EQ(find<wact::StopRecording>(a)->reason, "client_closed");
  EXPECT_TRUE(has<wact::Close>(a));
}

// S6: a client that reads nothing of what we write is closed after idle_timeout, in any phase.
TEST_F(SessionTable, AClientThatReadsNothingIsClosed) {
  begin_recording();
  const auto queued_at = now;
  feed(wev::Queued{100});
  while (now + policy.read_timeout / 2 < queued_at + policy.idle_timeout) {
    now += policy.read_timeout / 2;
    feed(wev::Input{});  // it still sends audio
    EXPECT_FALSE(has<wact::Close>(feed(wev::Tick{})));
  }
  EXPECT_EQ(deadline(state, policy), queued_at + policy.idle_timeout);
  now = queued_at + policy.idle_timeout;
  const auto a = feed(wev::Tick{});
  EXPECT_TRUE(has<wact::Close>(a));
  EXPECT_EQ(find<wact::StopRecording>(a)->reason, "client_closed");
}

// S9: a client that leaves cancels what it holds at once.
TEST_F(SessionTable, APeerThatLeavesMidTranscriptionStopsTheRecordingAtOnce) {
  begin_recording();
  const auto a = feed(wev::PeerGone{});
  EXPECT_EQ(find<wact::StopRecording>(a)->reason, "client_closed");
  EXPECT_TRUE(has<wact::ReleaseTurn>(a));
  EXPECT_TRUE(has<wact::Close>(a));
  EXPECT_TRUE(feed(wev::TranscriptDone{"client_closed", ""}).empty()) << "closed: nothing more";
}

TEST_F(SessionTable, APeerThatLeavesWhileQueuedLeavesTheQueue) {
  received(Kind::Transcribe);
  const auto a = feed(wev::PeerGone{});
  EXPECT_TRUE(has<wact::LeaveQueue>(a));
  EXPECT_FALSE(has<wact::StopRecording>(a));
  EXPECT_TRUE(feed(wev::TurnGranted{}).empty());
}

TEST_F(SessionTable, OnlyAnIdleConnectionMayBeEvicted) {
  EXPECT_EQ(idle_since(state), now);
  received(Kind::Transcribe);
  EXPECT_FALSE(idle_since(state));
}

}  // namespace
}  // namespace vs::wyoming
