#include "deb/compression_pool.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

TEST(CompressionPoolTest, RunsEveryTaskBeforeItIsDestroyed) {
  std::atomic<int> ran = 0;
  {
    CompressionPool pool(3, 1 << 20);
    for (int i = 0; i < 1000; ++i) pool.Submit([&] { ++ran; });
  }
  EXPECT_EQ(ran, 1000);
}

TEST(CompressionPoolTest, RunsTasksOnSeveralThreadsAtOnce) {
  CompressionPool pool(2, 1 << 20);
  // Each task waits for the other: only two threads at once let both end.
  absl::Notification first, second;
  pool.Submit([&] {
    first.Notify();
    second.WaitForNotification();
  });
  pool.Submit([&] {
    second.Notify();
    first.WaitForNotification();
  });
  EXPECT_TRUE(first.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(second.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST(CompressionPoolTest, ReserveWaitsForTheBudget) {
  CompressionPool pool(1, 100);
  pool.Reserve(60);
  pool.Reserve(40);
  std::atomic<bool> reserved = false;
  absl::Notification started;
  std::thread waiter([&] {
    started.Notify();
    pool.Reserve(10);
    reserved = true;
  });
  started.WaitForNotification();
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(reserved);
  pool.Release(60);
  waiter.join();
  EXPECT_TRUE(reserved);
  // One reservation larger than the budget passes once nothing is reserved.
  pool.Release(50);
  pool.Reserve(1000);
  pool.Release(1000);
}

}  // namespace
}  // namespace debrepo::deb
