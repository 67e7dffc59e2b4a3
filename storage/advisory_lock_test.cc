#include "storage/advisory_lock.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::storage {
namespace {

using ::testing::ElementsAre;

TEST(AdvisoryLockTest, KeysAreStableFnv1a) {
  // FNV-1a 64 of "" and "a": the published test vectors. Changing the hash
  // would let old and new workers run conflicting jobs at once.
  EXPECT_EQ(static_cast<uint64_t>(AdvisoryLockKey("")), 0xcbf29ce484222325ULL);
  EXPECT_EQ(static_cast<uint64_t>(AdvisoryLockKey("a")), 0xaf63dc4c8601ec8cULL);
  EXPECT_NE(AdvisoryLockKey("repo/a"), AdvisoryLockKey("snapshot/a"));
}

TEST(AdvisoryLockTest, PlanIsSortedDedupedAndExclusiveWins) {
  std::vector<AdvisoryLock> plan =
      PlanLocks({"repo/b", "repo/a", "repo/a"}, {"gc", "repo/b"});
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_TRUE(std::is_sorted(plan.begin(), plan.end(),
                             [](const AdvisoryLock& x, const AdvisoryLock& y) {
                               return x.key < y.key;
                             }));
  for (const AdvisoryLock& lock : plan) {
    EXPECT_EQ(lock.exclusive, lock.key != AdvisoryLockKey("gc"));
  }
}

TEST(AdvisoryLockTest, SameKeysInAnyOrderGiveTheSamePlan) {
  EXPECT_EQ(PlanLocks({"x", "y", "z"}, {"gc"}),
            PlanLocks({"z", "x", "y"}, {"gc"}));
}

}  // namespace
}  // namespace debrepo::storage
