// BufferLevels is the ring's occupancy policy (DESIGN.md §4): normal up to 50 %, warn up to
// 70 %, critical below 100 %, overflow once a frame was refused. It runs on the consumer side
// (the pump), never on the producer's, and says when a level is *entered from below* so the
// pump publishes one buffer_warn / buffer_critical per rise, never one per frame. A level is
// left only 5 points under its floor, so occupancy wobbling on a boundary cannot chatter.
//
//   BufferLevels levels;
//   if (auto rose = levels.observe(ring.size() / double(ring.capacity()), writer.rejected() > 0))
//     publish(*rose);
#pragma once

#include <optional>

namespace vs {

enum class BufferLevel { Normal, Warn, Critical, Overflow };
const char* to_string(BufferLevel level);

// The level of an occupancy in [0, 1] without history; `refused` means a frame did not fit.
BufferLevel level_for(double occupancy, bool refused);

class BufferLevels {
 public:
  // Returns the new level when it rose (into Warn, Critical or Overflow), else nullopt.
  std::optional<BufferLevel> observe(double occupancy, bool refused);
  BufferLevel current() const { return current_; }

 private:
  BufferLevel current_ = BufferLevel::Normal;
};

}  // namespace vs
