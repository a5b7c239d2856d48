// wait_until polls a condition until it holds or a deadline passes: the one way the unit tests
// wait for something another thread or process does (never a fixed sleep for correctness).
#pragma once

#include <chrono>
#include <thread>

namespace vs::test {

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

}  // namespace vs::test
