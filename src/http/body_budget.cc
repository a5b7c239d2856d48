#include "http/body_budget.h"

#include <malloc.h>

#include <utility>

namespace vs {

std::shared_ptr<BodyBudget> BodyBudget::create(size_t limit) {
  // glibc raises its mmap threshold to the size of each large block freed (up to 32 MB), so a
  // second 24 MB body comes from a thread's arena, whose top malloc_trim never gives back: two
  // I/O threads kept 50 MB after four uploads. A fixed threshold keeps every block this large
  // mmapped, and unmapped the moment it is freed.
  static const bool fixed = mallopt(M_MMAP_THRESHOLD, static_cast<int>(kTrimAfter)) == 1;
  (void)fixed;
  return std::shared_ptr<BodyBudget>(new BodyBudget(limit));
}

std::optional<BodyBudget::Lease> BodyBudget::reserve(size_t bytes) {
  if (!take(bytes)) return std::nullopt;
  return Lease(shared_from_this(), bytes);
}

size_t BodyBudget::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

bool BodyBudget::take(size_t bytes) {
  std::lock_guard lock(mu_);
  if (limit_ != 0 && (bytes > limit_ || in_use_ > limit_ - bytes)) return false;
  in_use_ += bytes;
  return true;
}

void BodyBudget::give_back(size_t bytes) {
  {
    std::lock_guard lock(mu_);
    in_use_ -= bytes;
  }
  // The body this lease covered is freed by now (its owner declares the lease first, so it goes
  // last): give the pages back instead of keeping them for a next upload that may not come.
  if (bytes >= kTrimAfter) malloc_trim(0);
}

BodyBudget::Lease::Lease(Lease&& other) noexcept
    : budget_(std::move(other.budget_)), bytes_(std::exchange(other.bytes_, 0)) {}

BodyBudget::Lease& BodyBudget::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (budget_) budget_->give_back(bytes_);
    budget_ = std::move(other.budget_);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

BodyBudget::Lease::~Lease() {
  if (budget_) budget_->give_back(bytes_);
}

bool BodyBudget::Lease::grow(size_t bytes) {
  if (!budget_ || !budget_->take(bytes)) return false;
  bytes_ += bytes;
  return true;
}

}  // namespace vs
