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
  // Each task waits for the other to start: with two threads both see it;
  // one thread would run them one after the other, and the first would
  // give up waiting.
  absl::Notification first, second;
  std::atomic<int> saw_the_other = 0;
  {
    CompressionPool pool(2, 1 << 20);
    pool.Submit([&] {
      first.Notify();
      if (second.WaitForNotificationWithTimeout(absl::Seconds(10))) {
        ++saw_the_other;
      }
    });
    pool.Submit([&] {
      second.Notify();
      if (first.WaitForNotificationWithTimeout(absl::Seconds(10))) {
        ++saw_the_other;
      }
    });
  }
  EXPECT_EQ(saw_the_other, 2);
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
