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

// How long a submit, and a job's end, are remembered for a Wait that
// follows. A submit is forgotten before the end of its job (noted after
// it), so an end is never forgotten while its submit is remembered.
constexpr absl::Duration kRememberFor = absl::Seconds(30);

// Drops the entries of `order` noted before `horizon` from `entries`.
template <typename Entries>
void ForgetBefore(absl::Time horizon,
                  std::deque<std::pair<absl::Time, int64_t>>& order,
                  Entries& entries) {
  while (!order.empty() && order.front().first < horizon) {
    entries.erase(order.front().second);
    order.pop_front();
  }
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

uint64_t JobWaiter::ListenEpoch() {
  absl::MutexLock lock(&mu_);
  return epoch_;
}

void JobWaiter::Submitted(int64_t id, uint64_t epoch) {
  absl::MutexLock lock(&mu_);
  Forget();
  // A job that ended before its submit returned is read as any other: its
  // end may be forgotten before this submit would be.
  if (epoch == 0 || epoch != epoch_ || ended_.contains(id)) return;
  submitted_[id] = epoch;
  submitted_order_.emplace_back(absl::Now(), id);
}

void JobWaiter::Forget() {
  const absl::Time horizon = absl::Now() - kRememberFor;
  ForgetBefore(horizon, submitted_order_, submitted_);
  ForgetBefore(horizon, ended_order_, ended_);
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
    {
      // LISTEN has committed: every end notified from now on reaches us.
      absl::MutexLock lock(&mu_);
      epoch_ = ++connections_;
    }
    while (!stopping()) {
      absl::StatusOr<std::vector<std::string>> payloads =
          (*listener)->Wait(absl::Milliseconds(500));
      if (!payloads.ok()) {
        LogWarning("job waiter: ", payloads.status().ToString());
        absl::MutexLock lock(&mu_);
        epoch_ = 0;  // ends may go unnoticed until the next connection
        break;
      }
      if (payloads->empty()) continue;
      absl::MutexLock lock(&mu_);
      const absl::Time now = absl::Now();
      for (const std::string& payload : *payloads) {
        int64_t id = 0;
        if (!absl::SimpleAtoi(payload, &id)) continue;
        auto it = generation_.find(id);
        if (it != generation_.end()) ++it->second;
        if (ended_.insert(id).second) ended_order_.emplace_back(now, id);
      }
      Forget();
    }
  }
}

absl::StatusOr<v1::Job> JobWaiter::Wait(
    int64_t id, absl::Time deadline, const std::function<bool()>& abandoned) {
  uint64_t seen;
  // A job submitted here lately, under the listener's current connection,
  // whose end has not been notified, has not ended: the first read is
  // skipped, and the wait starts from the generation noted here.
  bool read = true;
  {
    absl::MutexLock lock(&mu_);
    ++waiters_[id];
    seen = generation_.try_emplace(id, 0).first->second;
    auto submitted = submitted_.find(id);
    if (submitted != submitted_.end()) {
      read = submitted->second != epoch_ || ended_.contains(id);
      submitted_.erase(submitted);
    }
  }
  absl::StatusOr<v1::Job> job;
  for (;; read = true) {
    if (read) {
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
    }
    absl::MutexLock lock(&mu_);
    if (stopping_ && read) break;  // else read once first
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
