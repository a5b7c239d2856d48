// Outcome is what a lifecycle request (start, stop, restart) answers: Ok, or why not, with a
// sentence for {"error": ...} and, when trying again later makes sense, a Retry-After.
//
//   Outcome o = supervisor.start("api_start");
//   if (!o.ok()) reply(503, o.message, o.retry_after);
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace vs {

struct Outcome {
  enum class Code { Ok, GateClosed, InBackoff, Failed, TimedOut };
  Code code = Code::Ok;
  std::string message;  // "" when Ok; else a sentence for {"error": ...}
  std::optional<std::chrono::seconds> retry_after;  // for 503 Retry-After
  bool ok() const { return code == Code::Ok; }
};

inline Outcome failed_outcome(std::string message) {
  return {Outcome::Code::Failed, std::move(message), std::nullopt};
}

}  // namespace vs
