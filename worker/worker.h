// Worker: a debrepo-worker process's engine. Runner threads claim and run
// jobs; a listener thread wakes them on new work; a maintenance thread
// recovers jobs of dead workers, prunes old ones and sends heartbeats.
#ifndef DEBREPO_WORKER_WORKER_H_
#define DEBREPO_WORKER_WORKER_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/database.h"
#include "storage/job_maintenance.h"
#include "storage/job_session.h"
#include "worker/after_commit.h"
#include "worker/job_handlers.h"

namespace debrepo::worker {

// WorkerOptions configures a Worker (see the flags in main.cc).
struct WorkerOptions {
  std::string database_url;
  // Unique among live workers; shown on the jobs it runs.
  std::string worker_id;
  // Jobs run at once (one database session each).
  int concurrency = 2;
  // Claims of one job before recovery gives up on it.
  int max_attempts = 3;
  // How long finished jobs are kept.
  absl::Duration job_retention = absl::Hours(24 * 7);
  // Claim attempts happen at least this often even without notifications.
  absl::Duration poll_interval = absl::Seconds(1);
  // Also how often the worker sends heartbeats.
  absl::Duration maintenance_interval = storage::kWorkerHeartbeatInterval;
  // On stop, a job still in its long phase after this is requeued.
  absl::Duration shutdown_grace = absl::Seconds(30);
  // Each job attempt's staging directory is <staging_root>/job-<id>/
  // attempt-<n> (JobContext::StagingDir). Shared by every worker, so that
  // another can finish what a dead one committed (main.cc: the blob
  // store's staging/ unless --staging_dir says otherwise).
  std::string staging_root;
  storage::RetryPolicy retry_policy;
  AfterCommitBackoff after_commit_backoff;
  // Testing only: sleep this long under the job's locks before its
  // transaction, so tests can kill a worker in the middle of a job.
  absl::Duration test_stall = absl::ZeroDuration();
  // Testing only: sleep this long between a job's commit and its
  // after-commit step, so tests can kill a worker there.
  absl::Duration test_stall_after_commit = absl::ZeroDuration();
  // Testing only: exit the process right after a job's transaction commits,
  // before the job is finished, so tests can check that recovery completes
  // the bookkeeping without running the job again.
  bool test_exit_after_commit = false;
};

// Worker runs one process's threads. Run once.
class Worker {
 public:
  Worker(WorkerOptions options, JobHandlers handlers);

  // Run works until Stop is called, then returns once every runner has
  // finished or given back its job.
  void Run();

  // Stop asks Run to return: no new claims; a job in progress commits, or
  // is requeued if it is still in its long phase after the grace period.
  // Safe to call from any thread (not from a signal handler).
  void Stop();

 private:
  void RunnerLoop(int slot);
  // Logs the kinds this worker runs, and the kinds of queued jobs it does
  // not run (which wait for another worker); sends a first heartbeat.
  void AnnounceKinds();
  void ListenerLoop();
  void MaintenanceLoop();
  // Runs one claimed job to its end. Returns false if the session was lost.
  bool RunJob(storage::JobSession& session, const storage::ClaimedJob& job);
  // Runs the long phase and the transaction of a job no attempt has
  // committed yet; nullopt when the long phase stopped because the worker
  // is stopping (the job is to be given back). `cancelled_before`: a
  // cancellation was requested before the job's locks were granted.
  absl::StatusOr<std::optional<storage::JobOutcome>> PrepareAndCommit(
      storage::JobSession& session, const storage::ClaimedJob& job,
      const JobHandler& handler, bool cancelled_before, JobContext& context);
  // Takes the locks and runs the transaction of a first attempt of a kind
  // without a long phase (JobSession::LockAndCommit); nullopt when the
  // worker started stopping while it waited for the locks.
  absl::StatusOr<std::optional<storage::JobOutcome>> LockAndCommit(
      storage::JobSession& session, const storage::ClaimedJob& job,
      const JobHandler& handler, JobContext& context);
  // What a job's transaction ended with, `outcome`, once a failure to
  // commit is recorded as the job's (unless the database was lost) and
  // counted.
  absl::StatusOr<std::optional<storage::JobOutcome>> Committed(
      storage::JobSession& session, const storage::ClaimedJob& job,
      absl::StatusOr<storage::JobOutcome> outcome, JobContext& context);
  // Requeues a job on shutdown, saying `where` it was; false if the session
  // was lost.
  bool GiveBack(storage::JobSession& session, const storage::ClaimedJob& job,
                absl::string_view where);
  // Removes the staging directories of jobs that have ended
  // (RemoveStagingOfEndedJobs), logging what it did.
  void SweepStaging(storage::JobMaintenance& maintenance);
  // Deletes a staging directory tree, logging what it cannot delete.
  void RemoveStaging(const std::string& path);
  // Sleeps up to `duration`; returns early (false) when stopping.
  bool SleepUnlessStopping(absl::Duration duration);
  // Sleeps up to `duration`, less once stopping and past the grace period
  // (the test stall stands for a long phase that checks between steps).
  void HoldUnlessPastShutdownGrace(absl::Duration duration);
  // The count of wake-ups so far, and a wait (up to the poll interval)
  // until it differs from `seen`.
  uint64_t WakeGeneration();
  void WaitForWork(uint64_t seen);
  bool stopping() const { return stopping_.load(); }

  const WorkerOptions options_;
  const JobHandlers handlers_;
  std::atomic<bool> stopping_{false};
  // True once stopping and the shutdown grace period has passed.
  bool PastShutdownGrace();

  absl::Mutex wake_mu_;
  absl::Time stop_time_ ABSL_GUARDED_BY(wake_mu_) = absl::InfiniteFuture();
  uint64_t wake_generation_ ABSL_GUARDED_BY(wake_mu_) = 0;

  // Progress reports are written through connections of their own: the
  // long phase may report from its download threads while it reads on
  // the job's session.
  storage::Database progress_db_;

  std::atomic<int64_t> jobs_done_{0};
  std::atomic<int64_t> transactions_{0};
  std::atomic<int64_t> serialization_retries_{0};
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_WORKER_H_
