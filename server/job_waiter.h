// JobWaiter: lets RPC threads block until a job ends, woken by the
// debrepo_job_done notifications of one LISTEN connection per server.
#ifndef DEBREPO_SERVER_JOB_WAITER_H_
#define DEBREPO_SERVER_JOB_WAITER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
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

 private:
  void ListenLoop();

  const std::string database_url_;
  storage::JobStore& jobs_;
  const absl::Duration poll_interval_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Per waited-for job: how many notifications it has had.
  absl::flat_hash_map<int64_t, uint64_t> generation_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<int64_t, int> waiters_ ABSL_GUARDED_BY(mu_);
  std::thread listener_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_JOB_WAITER_H_
