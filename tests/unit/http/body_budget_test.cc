#include "http/body_budget.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(BodyBudget, ReservesUpToItsLimitAndNoFurther) {
  auto budget = BodyBudget::create(100);
  auto a = budget->reserve(60);
  ASSERT_TRUE(a);
  EXPECT_FALSE(budget->reserve(41));
  auto b = budget->reserve(40);
  ASSERT_TRUE(b);
  EXPECT_EQ(budget->in_use(), 100u);
  EXPECT_FALSE(budget->reserve(1));
}

TEST(BodyBudget, ALeaseGivesItsBytesBackWhenItGoes) {
  auto budget = BodyBudget::create(100);
  {
    auto a = budget->reserve(100);
    ASSERT_TRUE(a);
    auto moved = std::move(*a);
    EXPECT_EQ(budget->in_use(), 100u);
  }
  EXPECT_EQ(budget->in_use(), 0u);
  EXPECT_TRUE(budget->reserve(100));
}

TEST(BodyBudget, ALeaseGrowsAsBytesArriveWhileThereIsRoom) {
  auto budget = BodyBudget::create(100);
  auto lease = budget->reserve(0);
  ASSERT_TRUE(lease);
  EXPECT_TRUE(lease->grow(70));
  EXPECT_FALSE(lease->grow(31));
  EXPECT_EQ(lease->bytes(), 70u);
  EXPECT_TRUE(lease->grow(30));
  EXPECT_EQ(budget->in_use(), 100u);
}

TEST(BodyBudget, AHugeRequestCannotWrapAround) {
  auto budget = BodyBudget::create(100);
  auto lease = budget->reserve(10);
  EXPECT_FALSE(budget->reserve(SIZE_MAX - 5));
  EXPECT_FALSE(lease->grow(SIZE_MAX));
  EXPECT_EQ(budget->in_use(), 10u);
}

TEST(BodyBudget, ZeroMeansNoLimit) {
  auto budget = BodyBudget::create(0);
  EXPECT_TRUE(budget->reserve(size_t{1} << 40));
}

}  // namespace
}  // namespace vs
