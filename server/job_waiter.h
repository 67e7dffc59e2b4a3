// JobWaiter: lets RPC threads block until a job ends, woken by the
// debrepo_job_done notifications of one LISTEN connection per server.
#ifndef DEBREPO_SERVER_JOB_WAITER_H_
#define DEBREPO_SERVER_JOB_WAITER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/job_store.h"

namespace debrepo::server {

// JobWaiter blocks RPC threads until jobs end. Thread safe.
class JobWaiter {
 public:
  // `poll_interval` bounds how long a missed notification (e.g. while the
  // listener reconnects) can delay a waiter.
  JobWaiter(std::string database_url, storage::JobStore* jobs,
            absl::Duration poll_interval = absl::Seconds(1));
  ~JobWaiter();

  // Wait returns the job once it has ended, or as it is at `deadline`, when
  // `abandoned()` turns true (the caller went away), or on Shutdown.
  absl::StatusOr<v1::Job> Wait(int64_t id, absl::Time deadline,
                               const std::function<bool()>& abandoned);

  // Shutdown answers every current and future Wait at once.
  void Shutdown();

  // ListenEpoch names the listener's current connection; 0 while it is not
  // listening. Read it before a submit and pass it to Submitted after.
  uint64_t ListenEpoch();

  // Submitted notes that job `id` was queued by a submit begun at `epoch`
  // (ListenEpoch). While the listener keeps that connection, the job's end
  // cannot pass unnoticed: a Wait for it soon after (the usual submit and
  // WaitJob) waits for that notification without reading the job first,
  // one round trip fewer per job.
  void Submitted(int64_t id, uint64_t epoch);

 private:
  void ListenLoop();
  // Drops what Submitted and the notifications noted longer than
  // kRememberFor ago.
  void Forget() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string database_url_;
  storage::JobStore& jobs_;
  const absl::Duration poll_interval_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Per waited-for job: how many notifications it has had.
  absl::flat_hash_map<int64_t, uint64_t> generation_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<int64_t, int> waiters_ ABSL_GUARDED_BY(mu_);
  // The listener's connections so far; epoch_ is the current one's number,
  // 0 while there is none.
  uint64_t connections_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  // Jobs Submitted and not yet waited for, with their submit's epoch; and
  // the jobs whose end was notified lately. Both in the order noted, for
  // Forget.
  absl::flat_hash_map<int64_t, uint64_t> submitted_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<int64_t> ended_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<absl::Time, int64_t>> submitted_order_
      ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<absl::Time, int64_t>> ended_order_ ABSL_GUARDED_BY(mu_);
  std::thread listener_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_JOB_WAITER_H_
