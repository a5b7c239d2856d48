// BodyBudget bounds the memory that request bodies buffered in flight may take together (issue
// 16, S8: forty 24 MB OpenAI uploads took the daemon from 320 MB to 1.3 GB). A route that buffers
// a body takes a Lease for it — all of it at once when Content-Length says how much, else as the
// bytes arrive — and is refused (503) when the budget has not that much left. The lease gives its
// bytes back when it goes; a large one also hands the freed heap back to the system, since glibc
// keeps the arenas of freed large strings otherwise (create() also fixes glibc's mmap threshold,
// process-wide, so that blocks of kTrimAfter and more are unmapped as soon as they are freed).
//
//   auto budget = BodyBudget::create(100 << 20);
//   std::optional<BodyBudget::Lease> lease = budget->reserve(length);  // nullopt: answer 503
//   if (!lease->grow(more)) ...                                           // false: answer 503
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>

namespace vs {

class BodyBudget : public std::enable_shared_from_this<BodyBudget> {
 public:
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    // Takes `bytes` more; false (and nothing taken) when the budget has not that much left.
    bool grow(size_t bytes);
    size_t bytes() const { return bytes_; }

   private:
    friend class BodyBudget;
    Lease(std::shared_ptr<BodyBudget> budget, size_t bytes) : budget_(std::move(budget)), bytes_(bytes) {}
    std::shared_ptr<BodyBudget> budget_;
    size_t bytes_ = 0;
  };

  // A budget of `limit` bytes; 0 means no limit.
  static std::shared_ptr<BodyBudget> create(size_t limit);

  std::optional<Lease> reserve(size_t bytes);
  size_t limit() const { return limit_; }
  size_t in_use() const;

  // A lease this large or larger trims the heap when it gives its bytes back.
  static constexpr size_t kTrimAfter = 4 << 20;

 private:
  explicit BodyBudget(size_t limit) : limit_(limit) {}
  bool take(size_t bytes);
  void give_back(size_t bytes);

  const size_t limit_;
  mutable std::mutex mu_;
  size_t in_use_ = 0;
};

}  // namespace vs
