#include "common/parallel_for.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace debrepo {
namespace {

TEST(ParallelForTest, RunsEveryStepOnce) {
  for (size_t threads : {0, 1, 3, 16}) {
    std::vector<std::atomic<int>> runs(1000);
    ParallelFor(runs.size(), threads, [&](size_t i) { runs[i].fetch_add(1); });
    for (size_t i = 0; i < runs.size(); ++i) {
      EXPECT_EQ(runs[i].load(), 1) << "step " << i << ", threads " << threads;
    }
  }
}

TEST(ParallelForTest, NoStepsNoCalls) {
  int calls = 0;
  ParallelFor(0, 4, [&](size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ParallelForTest, UsesSeveralThreads) {
  // Each step waits until two threads have started one: with one thread
  // it would never return.
  absl::Mutex mu;
  std::set<std::thread::id> seen;
  ParallelFor(8, 2, [&](size_t) {
    absl::MutexLock lock(&mu);
    seen.insert(std::this_thread::get_id());
    mu.Await(absl::Condition(
        +[](std::set<std::thread::id>* ids) { return ids->size() >= 2; },
        &seen));
  });
  EXPECT_EQ(seen.size(), 2u);
}

}  // namespace
}  // namespace debrepo
