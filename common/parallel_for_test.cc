#include "common/parallel_for.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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

TEST(ParallelForInChunksTest, RunsEveryStepOnce) {
  for (size_t threads : {1, 2, 5}) {
    for (size_t chunk : {0, 1, 7, 256, 5000}) {
      std::vector<std::atomic<int>> runs(1000);
      EXPECT_TRUE(
          ParallelForInChunks(runs.size(), threads, chunk, [&](size_t i) {
            runs[i].fetch_add(1);
            return absl::OkStatus();
          }).ok());
      for (size_t i = 0; i < runs.size(); ++i) {
        EXPECT_EQ(runs[i].load(), 1)
            << "step " << i << ", threads " << threads << ", chunk " << chunk;
      }
    }
  }
}

TEST(ParallelForInChunksTest, KeepsAChunkOnOneThread) {
  absl::Mutex mu;
  std::vector<std::thread::id> ran_on(100);
  ASSERT_TRUE(ParallelForInChunks(ran_on.size(), 4, 10, [&](size_t i) {
                absl::MutexLock lock(&mu);
                ran_on[i] = std::this_thread::get_id();
                return absl::OkStatus();
              }).ok());
  for (size_t i = 0; i < ran_on.size(); ++i) {
    EXPECT_EQ(ran_on[i], ran_on[i - i % 10]) << "step " << i;
  }
}

TEST(ParallelForInChunksTest, ReturnsTheLowestChunksFailureAndStops) {
  std::atomic<int> calls{0};
  const absl::Status status =
      ParallelForInChunks(10000, 1, 10, [&](size_t i) -> absl::Status {
        calls.fetch_add(1);
        if (i == 35 || i == 36) {
          return absl::InternalError(absl::StrCat("step ", i));
        }
        return absl::OkStatus();
      });
  EXPECT_EQ(status, absl::InternalError("step 35"));
  // One thread: steps 0-35, then nothing more.
  EXPECT_EQ(calls.load(), 36);
}

TEST(ParallelForInChunksTest, NoStepsIsOk) {
  EXPECT_TRUE(ParallelForInChunks(0, 2, 16, [](size_t) {
                return absl::InternalError("called");
              }).ok());
}

}  // namespace
}  // namespace debrepo
