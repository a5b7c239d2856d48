// A waiting StreamSource (a recorded upload) ends without ever blocking its caller, which is an
// HTTP or Wyoming I/O thread: what the ring has no room for is held and goes in as room appears.
#include "sources/stream_source.h"

#include <gtest/gtest.h>

#include <string>

#include "audio/audio_ring.h"
#include "audio/ring_writer.h"

namespace vs {
namespace {

std::string frames_of_bytes(size_t frames, size_t extra_bytes = 0) {
  return std::string(frames * kFrameBytes + extra_bytes, '\x01');
}

TEST(StreamSource, AWaitingStreamFinishesWithoutWaitingAndLosesNothing) {
  AudioRing ring(2);
  RingWriter writer(ring);
  StreamSource source(/*waits=*/true);
  int ended = 0;
  source.start(writer, [&ended](const SourceEnd& e) {
    EXPECT_EQ(e.kind, SourceEnd::Kind::EndOfInput);
    ++ended;
  });
  // Three whole frames and half of a fourth into a ring of two: one frame is held back.
  EXPECT_EQ(source.feed(frames_of_bytes(3, kFrameBytes / 2)), StreamSource::Fed::Full);
  EXPECT_EQ(ring.size(), 2u);

  // The end of the input: the last (padded) frame is held too, and finish() says so at once.
  EXPECT_EQ(source.finish(), StreamSource::Fed::Full);
  EXPECT_EQ(ended, 0);
  ring.pop();
  EXPECT_EQ(source.finish(), StreamSource::Fed::Full);  // one went in, the padded one waits
  ring.pop();
  ring.pop();
  EXPECT_EQ(source.finish(), StreamSource::Fed::Ended);
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(ring.size(), 1u);  // the padded last frame
  EXPECT_EQ(writer.rejected(), 0u) << "nothing refused: every frame went in";
  EXPECT_EQ(source.finish(), StreamSource::Fed::Ended);  // once ended, it stays so
  EXPECT_EQ(ended, 1);
}

// The one backpressure call: a held-back stream is woken when the pump makes room (or the
// recording closes), never by polling.
TEST(StreamSource, AFullStreamIsWokenWhenThePumpMakesRoomOrTheRingCloses) {
  AudioRing ring(2);
  RingWriter writer(ring);
  StreamSource source(/*waits=*/true);
  source.start(writer, [](const SourceEnd&) {});
  ASSERT_EQ(source.feed(frames_of_bytes(3)), StreamSource::Fed::Full);
  int woken = 0;
  source.when_room([&] { ++woken; });
  writer.room_made();  // the pump looked, but took nothing: still full... and it says so anyway
  EXPECT_EQ(woken, 1) << "room_made() is the pump's word that it took frames";
  source.when_room([&] { ++woken; });
  EXPECT_EQ(woken, 1) << "full: nothing to wake for yet";
  ring.pop();
  writer.room_made();
  EXPECT_EQ(woken, 2);
  EXPECT_EQ(source.drain(), StreamSource::Fed::Accepted);
  writer.room_made();
  EXPECT_EQ(woken, 2) << "a wake runs once";
  ASSERT_EQ(source.feed(frames_of_bytes(1)), StreamSource::Fed::Full);
  source.when_room([&] { ++woken; });
  writer.close();
  writer.room_made();
  EXPECT_EQ(woken, 3) << "a closed recording wakes its producer too";
  source.when_room([&] { ++woken; });
  EXPECT_EQ(woken, 4) << "closed already: at once";
}

// Issue 16, S12: one WebSocket message may carry more audio than the ring holds.
TEST(StreamSource, ALiveStreamHoldsBackALargePieceInsteadOfOverflowing) {
  AudioRing ring(4);
  RingWriter writer(ring);
  StreamSource source;  // live
  source.start(writer, [](const SourceEnd&) {});
  const size_t frames = StreamSource::kHoldBackBytes / kFrameBytes + 1;  // more than a second
  EXPECT_EQ(source.feed(frames_of_bytes(frames)), StreamSource::Fed::Full);
  EXPECT_EQ(writer.rejected(), 0u);
  size_t taken = 0;
  while (source.drain() == StreamSource::Fed::Full) {
    while (ring.size() > 0) {
      ring.pop();
      ++taken;
    }
  }
  taken += ring.size();
  EXPECT_EQ(taken, frames);
  EXPECT_EQ(writer.rejected(), 0u) << "every frame of the piece went in";
}

TEST(StreamSource, ALiveStreamStillOverflowsOnSmallPiecesAFullRingCannotTake) {
  AudioRing ring(2);
  RingWriter writer(ring);
  StreamSource source;
  source.start(writer, [](const SourceEnd&) {});
  EXPECT_EQ(source.feed(frames_of_bytes(3)), StreamSource::Fed::Ended);  // the ring refused one
  EXPECT_EQ(writer.rejected(), 1u) << "a stalled worker still trips the overflow stop";
}

}  // namespace
}  // namespace vs
