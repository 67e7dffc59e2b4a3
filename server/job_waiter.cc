#include "server/job_waiter.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "storage/job_channels.h"
#include "storage/notification_listener.h"

namespace debrepo::server {
namespace {

bool Ended(v1::JobState state) {
  return state == v1::SUCCEEDED || state == v1::FAILED ||
         state == v1::CANCELLED;
}

}  // namespace

JobWaiter::JobWaiter(std::string database_url, storage::JobStore* jobs,
                     absl::Duration poll_interval)
    : database_url_(std::move(database_url)),
      jobs_(*jobs),
      poll_interval_(poll_interval),
      listener_([this] { ListenLoop(); }) {}

JobWaiter::~JobWaiter() {
  Shutdown();
  listener_.join();
}

void JobWaiter::Shutdown() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

void JobWaiter::ListenLoop() {
  auto stopping = [this] {
    absl::MutexLock lock(&mu_);
    return stopping_;
  };
  while (!stopping()) {
    auto listener = storage::NotificationListener::Open(
        database_url_, storage::kJobDoneChannel);
    if (!listener.ok()) {
      LogWarning("job waiter: ", listener.status().ToString());
      absl::SleepFor(absl::Seconds(1));
      continue;
    }
    while (!stopping()) {
      absl::StatusOr<std::vector<std::string>> payloads =
          (*listener)->Wait(absl::Milliseconds(500));
      if (!payloads.ok()) {
        LogWarning("job waiter: ", payloads.status().ToString());
        break;
      }
      if (payloads->empty()) continue;
      absl::MutexLock lock(&mu_);
      for (const std::string& payload : *payloads) {
        int64_t id = 0;
        if (!absl::SimpleAtoi(payload, &id)) continue;
        auto it = generation_.find(id);
        if (it != generation_.end()) ++it->second;
      }
    }
  }
}

absl::StatusOr<v1::Job> JobWaiter::Wait(
    int64_t id, absl::Time deadline, const std::function<bool()>& abandoned) {
  {
    absl::MutexLock lock(&mu_);
    ++waiters_[id];
    generation_.try_emplace(id, 0);
  }
  absl::StatusOr<v1::Job> job;
  for (;;) {
    uint64_t seen;
    {
      absl::MutexLock lock(&mu_);
      seen = generation_[id];
    }
    // Read after noting the generation: a notification that lands after
    // this read bumps it, so the wait below cannot miss it.
    job = jobs_.Get(id);
    if (!job.ok() || Ended(job->state()) || absl::Now() >= deadline ||
        abandoned()) {
      break;
    }
    absl::MutexLock lock(&mu_);
    if (stopping_) break;
    auto notified = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || generation_[id] != seen;
    };
    mu_.AwaitWithDeadline(absl::Condition(&notified),
                          std::min(deadline, absl::Now() + poll_interval_));
  }
  absl::MutexLock lock(&mu_);
  if (--waiters_[id] == 0) {
    waiters_.erase(id);
    generation_.erase(id);
  }
  return job;
}

}  // namespace debrepo::server
