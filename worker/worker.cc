#include "worker/worker.h"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "storage/job_channels.h"
#include "storage/job_maintenance.h"
#include "storage/job_progress.h"
#include "storage/notification_listener.h"
#include "worker/after_commit.h"
#include "worker/staging_sweep.h"

namespace debrepo::worker {
namespace {

constexpr absl::Duration kReconnectBackoff = absl::Seconds(1);

// How often a worker sweeps its staging root of what ended jobs left (also
// once at start-up): leftovers are rare (jobs that ended away from the
// worker that staged them), and a sweep lists the whole root.
constexpr absl::Duration kStagingSweepInterval = absl::Minutes(10);

}  // namespace

Worker::Worker(WorkerOptions options, JobHandlers handlers)
    : options_(std::move(options)),
      handlers_(std::move(handlers)),
      progress_db_(options_.database_url, options_.concurrency) {}

void Worker::Stop() {
  stopping_.store(true);
  absl::MutexLock lock(&wake_mu_);
  stop_time_ = absl::Now();
  ++wake_generation_;
}

bool Worker::PastShutdownGrace() {
  absl::MutexLock lock(&wake_mu_);
  return absl::Now() > stop_time_ + options_.shutdown_grace;
}

void Worker::HoldUnlessPastShutdownGrace(absl::Duration duration) {
  const absl::Time until = absl::Now() + duration;
  while (absl::Now() < until && !PastShutdownGrace()) {
    absl::SleepFor(std::min(absl::Milliseconds(50), until - absl::Now()));
  }
}

bool Worker::SleepUnlessStopping(absl::Duration duration) {
  const absl::Time until = absl::Now() + duration;
  absl::MutexLock lock(&wake_mu_);
  auto stop_or_deadline = [&] { return stopping_.load(); };
  wake_mu_.AwaitWithDeadline(absl::Condition(&stop_or_deadline), until);
  return !stopping_.load();
}

uint64_t Worker::WakeGeneration() {
  absl::MutexLock lock(&wake_mu_);
  return wake_generation_;
}

void Worker::WaitForWork(uint64_t seen) {
  absl::MutexLock lock(&wake_mu_);
  auto woken = [&] { return wake_generation_ != seen; };
  wake_mu_.AwaitWithTimeout(absl::Condition(&woken), options_.poll_interval);
}

void Worker::Run() {
  LogInfo("worker ", options_.worker_id, " starting ", options_.concurrency,
          " runners");
  AnnounceKinds();
  std::vector<std::thread> threads;
  threads.emplace_back([this] { ListenerLoop(); });
  threads.emplace_back([this] { MaintenanceLoop(); });
  for (int slot = 0; slot < options_.concurrency; ++slot) {
    threads.emplace_back([this, slot] { RunnerLoop(slot); });
  }
  for (std::thread& thread : threads) thread.join();
  LogInfo("worker ", options_.worker_id, " stopped after ", jobs_done_.load(),
          " jobs");
}

void Worker::AnnounceKinds() {
  const std::vector<std::string> kinds = handlers_.kinds();
  LogInfo("worker ", options_.worker_id, " runs ", kinds.size(),
          " job kinds: ", absl::StrJoin(kinds, ", "));
  absl::StatusOr<std::unique_ptr<storage::JobMaintenance>> maintenance =
      storage::JobMaintenance::Open(options_.database_url);
  if (!maintenance.ok()) {
    LogWarning("cannot look for queued jobs of other kinds: ",
               maintenance.status().ToString());
    return;
  }
  // A first heartbeat now: jobs of these kinds stop saying that no worker
  // runs them without waiting for the maintenance loop's.
  if (absl::Status heartbeat =
          (*maintenance)
              ->Heartbeat(options_.worker_id, jobs_done_.load(),
                          transactions_.load(), serialization_retries_.load(),
                          kinds);
      !heartbeat.ok()) {
    LogWarning(heartbeat.ToString());
  }
  absl::StatusOr<std::vector<storage::KindCount>> others =
      (*maintenance)->QueuedJobsOfOtherKinds(kinds);
  if (!others.ok()) {
    LogWarning("cannot look for queued jobs of other kinds: ",
               others.status().ToString());
    return;
  }
  for (const storage::KindCount& other : *others) {
    LogWarning(other.jobs, " queued jobs of kind ", other.kind,
               " wait for a worker that runs that kind; this one does not "
               "(it has no handler for it)");
  }
}

void Worker::ListenerLoop() {
  while (!stopping()) {
    auto listener = storage::NotificationListener::Open(
        options_.database_url, storage::kJobQueuedChannel);
    if (!listener.ok()) {
      LogWarning("listener: ", listener.status().ToString());
      SleepUnlessStopping(kReconnectBackoff);
      continue;
    }
    {
      // Whatever was notified before this listener listened (at start-up,
      // or while it reconnected) is lost: the runners look again now.
      absl::MutexLock lock(&wake_mu_);
      ++wake_generation_;
    }
    while (!stopping()) {
      absl::StatusOr<std::vector<std::string>> payloads =
          (*listener)->Wait(absl::Milliseconds(500));
      if (!payloads.ok()) {
        LogWarning("listener: ", payloads.status().ToString());
        break;
      }
      if (!payloads->empty()) {
        absl::MutexLock lock(&wake_mu_);
        ++wake_generation_;
      }
    }
  }
}

void Worker::MaintenanceLoop() {
  std::unique_ptr<storage::JobMaintenance> maintenance;
  absl::Time next_prune = absl::Now();
  absl::Time next_sweep = absl::Now();
  // The first pass runs at once: a restarted worker sweeps before its
  // first heartbeat interval.
  bool first = true;
  while (std::exchange(first, false) ||
         SleepUnlessStopping(options_.maintenance_interval)) {
    if (maintenance == nullptr || !maintenance->Healthy()) {
      auto opened = storage::JobMaintenance::Open(options_.database_url);
      if (!opened.ok()) {
        LogWarning("maintenance: ", opened.status().ToString());
        continue;
      }
      maintenance = *std::move(opened);
    }
    if (absl::Now() >= next_sweep) {
      SweepStaging(*maintenance);
      next_sweep = absl::Now() + kStagingSweepInterval;
    }
    absl::StatusOr<storage::RecoveryReport> report =
        maintenance->RecoverOrphans(options_.max_attempts);
    if (!report.ok()) {
      LogWarning("recovery: ", report.status().ToString());
    } else if (report->requeued + report->failed + report->finalized > 0) {
      LogInfo("recovered jobs of dead workers: ", report->requeued,
              " requeued, ", report->failed, " failed, ", report->finalized,
              " finalized");
      absl::MutexLock lock(&wake_mu_);
      ++wake_generation_;
    }
    if (absl::Now() >= next_prune) {
      absl::StatusOr<int> pruned =
          maintenance->PruneFinished(options_.job_retention);
      if (!pruned.ok()) LogWarning("pruning: ", pruned.status().ToString());
      next_prune = absl::Now() + absl::Minutes(1);
    }
    absl::Status heartbeat = maintenance->Heartbeat(
        options_.worker_id, jobs_done_.load(), transactions_.load(),
        serialization_retries_.load(), handlers_.kinds());
    if (!heartbeat.ok()) LogWarning(heartbeat.ToString());
  }
  if (maintenance != nullptr && maintenance->Healthy()) {
    (void)maintenance->Heartbeat(
        options_.worker_id, jobs_done_.load(), transactions_.load(),
        serialization_retries_.load(), handlers_.kinds());
  }
}

void Worker::RunnerLoop(int slot) {
  const std::string runner_id = absl::StrCat(options_.worker_id, "/", slot);
  const std::vector<std::string> kinds = handlers_.kinds();
  std::unique_ptr<storage::JobSession> session;
  while (!stopping()) {
    if (session == nullptr || !session->Healthy()) {
      auto opened =
          storage::JobSession::Open(options_.database_url, runner_id, kinds);
      if (!opened.ok()) {
        LogWarning(runner_id, ": ", opened.status().ToString());
        SleepUnlessStopping(kReconnectBackoff);
        continue;
      }
      session = *std::move(opened);
    }
    // Read before the claim: a notification that arrives while it runs
    // (of a job its snapshot missed) ends the wait below at once.
    const uint64_t wake_generation = WakeGeneration();
    absl::StatusOr<std::optional<storage::ClaimedJob>> claimed =
        session->Claim();
    if (!claimed.ok()) {
      LogWarning(runner_id, ": ", claimed.status().ToString());
      session.reset();
      SleepUnlessStopping(kReconnectBackoff);
      continue;
    }
    if (!claimed->has_value()) {
      if (session->marked_idle()) {
        WaitForWork(wake_generation);
        continue;
      }
      // Submits notify only while some runner is marked idle: mark, then
      // claim once more, so that a job committed before the mark (whose
      // submit may not have notified) is not left waiting for the poll.
      if (absl::Status marked = session->MarkIdle(); !marked.ok()) {
        LogWarning(runner_id, ": ", marked.ToString());
        session.reset();
        SleepUnlessStopping(kReconnectBackoff);
      }
      continue;
    }
    if (!RunJob(*session, **claimed)) session.reset();
  }
}

bool Worker::RunJob(storage::JobSession& session,
                    const storage::ClaimedJob& job) {
  auto reader =
      [&session](const std::function<absl::Status(storage::Transaction&)>& fn) {
        return session.ReadOnly(fn);
      };
  auto interrupted = [this] { return PastShutdownGrace(); };
  auto progress_writer = [this, id = job.id, attempt = job.attempt](
                             const v1::JobProgress& progress) {
    return storage::WriteJobProgress(progress_db_, id, attempt, progress);
  };
  auto cancel_reader = [&session, id = job.id] {
    return session.CancelRequested(id);
  };
  JobContext context({
      .job_id = job.id,
      .attempt = job.attempt,
      .staging_root = options_.staging_root,
      .reader = reader,
      .interrupted = interrupted,
      .progress_writer = progress_writer,
      .cancel_reader = cancel_reader,
  });
  context.Log(
      absl::StrCat("attempt ", job.attempt, " on worker ", options_.worker_id));
  // An infrastructure failure abandons the job: the session is dropped, its
  // locks with it, and recovery requeues the job.
  auto abandon = [&](const absl::Status& status) {
    LogWarning("job ", job.id, " (", job.kind,
               ") abandoned: ", status.ToString());
    return false;
  };
  const JobHandler& handler = *handlers_.Find(job.kind);  // Claim filters kinds
  std::optional<storage::JobOutcome> outcome;
  // A first attempt of a kind without a long phase takes its locks in the
  // round trip that opens its transaction. A stall for tests holds a job
  // under its locks before its transaction: that takes the path below.
  if (job.attempt == 1 && !handler.HasLongPhase() &&
      options_.test_stall == absl::ZeroDuration()) {
    absl::StatusOr<std::optional<storage::JobOutcome>> ran =
        LockAndCommit(session, job, handler, context);
    if (!ran.ok()) return abandon(ran.status());
    if (!ran->has_value()) {
      return GiveBack(session, job, "while it waited for its resources");
    }
    outcome = **std::move(ran);
  } else {
    absl::StatusOr<storage::ResourcesLocked> locked =
        session.LockResources(job, [this] { return PastShutdownGrace(); });
    if (!locked.ok()) return abandon(locked.status());
    if (!locked->held) {
      return GiveBack(session, job, "while it waited for its resources");
    }
    // A job requeued after its worker died may have committed already:
    // then only its after-commit step is left, and nothing else runs again.
    absl::StatusOr<std::optional<storage::JobOutcome>> committed =
        session.CommittedOutcome(job);
    if (!committed.ok()) return abandon(committed.status());
    outcome = *std::move(committed);
    if (outcome.has_value()) {
      context.Log(absl::StrCat("attempt ", outcome->attempt,
                               " had committed; only what follows the "
                               "commit is left"));
    } else {
      if (options_.test_stall > absl::ZeroDuration()) {
        HoldUnlessPastShutdownGrace(options_.test_stall);
      }
      if (PastShutdownGrace()) {
        return GiveBack(session, job, "in its long phase");
      }
      absl::StatusOr<std::optional<storage::JobOutcome>> ran = PrepareAndCommit(
          session, job, handler, locked->cancel_requested, context);
      if (!ran.ok()) return abandon(ran.status());
      if (!ran->has_value()) {
        return GiveBack(session, job, "in its long phase");
      }
      outcome = **std::move(ran);
    }
  }
  if (options_.test_exit_after_commit) {
    LogError("job ", job.id,
             " committed; exiting as --test_exit_after_commit "
             "asks");
    std::_Exit(3);
  }
  if (outcome->after_commit) {
    if (options_.test_stall_after_commit > absl::ZeroDuration()) {
      HoldUnlessPastShutdownGrace(options_.test_stall_after_commit);
    }
    // The step works on what the committing attempt staged.
    JobContext step({
        .job_id = job.id,
        .attempt = outcome->attempt,
        .staging_root = options_.staging_root,
        .reader = reader,
        .interrupted = interrupted,
        .progress_writer = progress_writer,
    });
    absl::Status done = RunAfterCommit(
        handler, job.args, outcome->result, step, options_.after_commit_backoff,
        [&](absl::Duration delay) {
          HoldUnlessPastShutdownGrace(delay);
          // A lost session lost the job's
          // locks: recovery hands the step
          // to another worker.
          return !PastShutdownGrace() && session.Ping().ok();
        });
    for (const std::string& line : step.log()) context.Log(line);
    // Given up (stopping, or the session is gone): recovery replays the
    // step on another worker.
    if (!done.ok()) return abandon(done);
  }
  if (!outcome->status.ok()) {
    context.Log(absl::StrCat("failed: ", outcome->status.ToString()));
  }
  if (absl::Status finished = session.Finish(job.id, context.log());
      !finished.ok()) {
    return abandon(finished);
  }
  RemoveStaging(absl::StrCat(options_.staging_root, "/job-", job.id));
  jobs_done_.fetch_add(1);
  return true;
}

absl::StatusOr<std::optional<storage::JobOutcome>> Worker::PrepareAndCommit(
    storage::JobSession& session, const storage::ClaimedJob& job,
    const JobHandler& handler, bool cancelled_before, JobContext& context) {
  // A job cancelled while it waited for its locks stops here; one
  // cancelled later stops where its long phase next checks
  // (JobContext::StopRequested), or at its transaction, which checks again.
  absl::StatusOr<std::unique_ptr<PreparedJob>> prepared =
      cancelled_before ? absl::CancelledError(
                             "cancelled before it started running; "
                             "nothing was changed")
                       : handler.Prepare(job.args, context);
  // Where the long phase ended shows, even when its last report came less
  // than a throttling interval after the one before.
  context.FlushProgress();
  if (prepared.status().code() == absl::StatusCode::kUnavailable &&
      !IsJobFailure(prepared.status())) {
    return prepared.status();
  }
  if (!prepared.ok()) {
    // A long phase that stopped because the worker is stopping is given
    // back, not failed; one the user cancelled meanwhile ends CANCELLED.
    if (!cancelled_before && context.Interrupted() &&
        !context.CancelRequested()) {
      return std::nullopt;
    }
    return session.Fail(job, prepared.status());
  }
  return Committed(session, job,
                   session.Commit(
                       job,
                       [&](storage::Transaction& tx) {
                         return (*prepared)->Apply(tx, context);
                       },
                       options_.retry_policy, handler.HasAfterCommit(job.args)),
                   context);
}

absl::StatusOr<std::optional<storage::JobOutcome>> Worker::LockAndCommit(
    storage::JobSession& session, const storage::ClaimedJob& job,
    const JobHandler& handler, JobContext& context) {
  // The kind has no long phase: its Prepare only binds the arguments, and
  // runs in the first try of the transaction's body (under the locks).
  std::unique_ptr<PreparedJob> prepared;
  absl::StatusOr<std::optional<storage::JobOutcome>> committed =
      session.LockAndCommit(
          job,
          [&](storage::Transaction& tx) -> absl::StatusOr<v1::JobResult> {
            if (prepared == nullptr) {
              ASSIGN_OR_RETURN(prepared, handler.Prepare(job.args, context));
            }
            return prepared->Apply(tx, context);
          },
          options_.retry_policy, handler.HasAfterCommit(job.args),
          [this] { return PastShutdownGrace(); });
  if (committed.ok() && !committed->has_value()) return std::nullopt;
  return Committed(session, job,
                   committed.ok() ? absl::StatusOr<storage::JobOutcome>(
                                        **std::move(committed))
                                  : committed.status(),
                   context);
}

absl::StatusOr<std::optional<storage::JobOutcome>> Worker::Committed(
    storage::JobSession& session, const storage::ClaimedJob& job,
    absl::StatusOr<storage::JobOutcome> outcome, JobContext& context) {
  // Anything but a lost database is the job's failure, not the worker's:
  // record it rather than have other workers retry it in vain.
  if (!outcome.ok() &&
      outcome.status().code() != absl::StatusCode::kUnavailable) {
    outcome = session.Fail(job, outcome.status());
  }
  if (!outcome.ok()) return outcome.status();
  transactions_.fetch_add(1 + outcome->serialization_retries);
  serialization_retries_.fetch_add(outcome->serialization_retries);
  if (outcome->serialization_retries > 0) {
    context.Log(absl::StrCat("committed after ", outcome->serialization_retries,
                             " serialization retries"));
  }
  return outcome;
}

bool Worker::GiveBack(storage::JobSession& session,
                      const storage::ClaimedJob& job, absl::string_view where) {
  // Nothing committed: this attempt's staged files will not be used.
  // Removed while the job is still ours: once requeued, the next claim
  // gets the same attempt number, and so the same directory.
  RemoveStaging(absl::StrCat(options_.staging_root, "/job-", job.id,
                             "/attempt-", job.attempt));
  if (absl::Status requeued = session.Requeue(
          job, absl::StrCat("stopped; gave the job back ", where));
      !requeued.ok()) {
    LogWarning("job ", job.id, " (", job.kind,
               ") abandoned: ", requeued.ToString());
    return false;
  }
  LogInfo("job ", job.id, " given back on shutdown ", where);
  return true;
}

void Worker::SweepStaging(storage::JobMaintenance& maintenance) {
  absl::StatusOr<int> removed = RemoveStagingOfEndedJobs(
      options_.staging_root, [&maintenance](const std::vector<int64_t>& ids) {
        return maintenance.EndedJobs(ids);
      });
  if (!removed.ok()) {
    LogWarning("sweeping ", options_.staging_root, ": ",
               removed.status().ToString());
  } else if (*removed > 0) {
    LogInfo("removed the staging directories of ", *removed,
            " ended jobs from ", options_.staging_root);
  }
}

void Worker::RemoveStaging(const std::string& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) {
    LogWarning("cannot remove staging directory ", path, ": ", error.message());
  }
}

}  // namespace debrepo::worker
