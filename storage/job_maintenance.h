// JobMaintenance: recovery of jobs whose worker died, and pruning of old
// finished jobs (DESIGN.md step 6). Any number of workers run it; each
// action is one short transaction that is safe to race.
#ifndef DEBREPO_STORAGE_JOB_MAINTENANCE_H_
#define DEBREPO_STORAGE_JOB_MAINTENANCE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pqxx/connection"
#include "storage/transaction.h"

namespace debrepo::storage {

// EndedJobs returns those of `ids` that name no queued or running job
// (ended, or pruned): what such a job staged outside the database is no
// longer needed, its after-commit step included.
absl::StatusOr<std::vector<int64_t>> EndedJobs(Transaction& tx,
                                               const std::vector<int64_t>& ids);

// RecoveryReport counts what RecoverOrphans did.
struct RecoveryReport {
  // back to queued for another attempt (or to finish an after-commit step)
  int requeued = 0;
  int failed = 0;     // out of attempts, or cancelled meanwhile
  int finalized = 0;  // had committed; only the bookkeeping was missing
};

// How often workers send heartbeats. A worker whose last one is older than
// kWorkerLiveness (three heartbeats) is taken for gone when a queued job
// asks which kinds have a worker (JobStore::Get's waiting_reason).
inline constexpr absl::Duration kWorkerHeartbeatInterval = absl::Seconds(2);
inline constexpr absl::Duration kWorkerLiveness = absl::Seconds(6);

// KindCount is how many jobs of one kind there are.
struct KindCount {
  std::string kind;
  int64_t jobs = 0;
};

// JobMaintenance holds its own session (never one that holds job locks).
// Not thread safe.
class JobMaintenance {
 public:
  // Open connects. The connection must not be one that holds job locks: a
  // session can re-take its own advisory locks, and would then mistake its
  // own jobs for orphans.
  static absl::StatusOr<std::unique_ptr<JobMaintenance>> Open(
      const std::string& dsn);

  // RecoverOrphans settles every running job whose job lock is free (its
  // worker's session is gone): a job that had committed its outcome is
  // finalized, unless it still owes its after-commit step, which it is
  // requeued to finish (however many attempts it had: the commit stands);
  // others are requeued, or failed with ABORTED once they have had
  // `max_attempts` attempts.
  absl::StatusOr<RecoveryReport> RecoverOrphans(int max_attempts);

  // PruneFinished deletes jobs (with their logs, outcomes and publication
  // pool changes) that ended more than `retention` ago, cancellation
  // requests of jobs that are no longer queued or running, and idle marks
  // of runner sessions that are gone (JobSession::MarkIdle). Returns how
  // many jobs.
  absl::StatusOr<int> PruneFinished(absl::Duration retention);

  // Heartbeat records that worker `worker_id` is alive, with its counters
  // and the job kinds it runs.
  absl::Status Heartbeat(const std::string& worker_id, int64_t jobs_done,
                         int64_t transactions, int64_t serialization_retries,
                         const std::vector<std::string>& kinds);

  // QueuedJobsOfOtherKinds counts the queued jobs whose kind is not one of
  // `kinds`, by kind.
  absl::StatusOr<std::vector<KindCount>> QueuedJobsOfOtherKinds(
      const std::vector<std::string>& kinds);

  // EndedJobs is storage::EndedJobs in a read-only transaction of its own.
  absl::StatusOr<std::vector<int64_t>> EndedJobs(
      const std::vector<int64_t>& ids);

  // Healthy is false once the connection is lost; open a new one.
  bool Healthy() const;

 private:
  explicit JobMaintenance(std::unique_ptr<pqxx::connection> connection);

  std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_JOB_MAINTENANCE_H_
