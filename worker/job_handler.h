// JobHandler: what a worker does for one kind of job. Each job file
// implements a TypedJobHandler for its kind's arguments; the registry
// (job_handlers.h) binds it to the kind's declaration, and the engine
// (worker.cc) calls it through the type-erased JobHandler.
#ifndef DEBREPO_WORKER_JOB_HANDLER_H_
#define DEBREPO_WORKER_JOB_HANDLER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/transaction.h"

namespace debrepo::worker {

// JobContext is what a running job has besides its arguments: who it is
// (job and attempt), a log, read access, staging directories and progress
// reports for its long phase, and whether the worker wants it to stop.
class JobContext {
 public:
  // A Reader runs a function in a short read-only transaction.
  using Reader = std::function<absl::Status(
      const std::function<absl::Status(storage::Transaction&)>&)>;
  // A ProgressWriter records a job's progress (storage::WriteJobProgress);
  // called from any thread.
  using ProgressWriter = std::function<absl::Status(const v1::JobProgress&)>;
  // A CancelReader asks the database whether someone asked to cancel the
  // job (storage::JobSession::CancelRequested).
  using CancelReader = std::function<absl::StatusOr<bool>()>;

  // The least time between two progress writes of one job: a client
  // polling once a second sees each, and the job_progress row is updated
  // no more often than that however fast a download reports.
  static constexpr absl::Duration kProgressInterval = absl::Seconds(1);

  // The least time between two reads of whether the job was cancelled: a
  // cancel lands within about that, however often a download loop asks.
  static constexpr absl::Duration kCancelCheckInterval = absl::Seconds(1);

  // Options are what the engine knows of the job it runs.
  struct Options {
    int64_t job_id = 0;
    int attempt = 0;
    // The directory under which each attempt gets its staging directory.
    std::string staging_root;
    Reader reader;
    // True once the worker stops and its grace period has passed.
    std::function<bool()> interrupted;
    // Null: progress reports are dropped.
    ProgressWriter progress_writer;
    // Null: the job is never seen as cancelled before its transaction.
    // Uses the same session as `reader`: JobContext never runs the two at
    // once.
    CancelReader cancel_reader;
  };

  explicit JobContext(Options options);

  int64_t job_id() const { return options_.job_id; }
  int attempt() const { return options_.attempt; }

  // Log adds a line to the job's log, stored with its outcome.
  void Log(absl::string_view line) { log_.emplace_back(line); }
  const std::vector<std::string>& log() const { return log_; }

  // Read runs `fn` in a short read-only transaction (for Prepare).
  absl::Status Read(
      const std::function<absl::Status(storage::Transaction&)>& fn);

  // StagingDir returns "<staging_root>/job-<id>/attempt-<n>", creating it
  // (and its parents) on the first call. Keyed by job and attempt, so a
  // retried attempt never reads a half-written file of a dead one: the
  // place for outputs of the long phase that are not content-addressed.
  // UNAVAILABLE when it cannot be created (another worker may do better).
  absl::StatusOr<std::string> StagingDir();

  // SharedStagingDir returns "<staging_root>/job-<id>/shared", creating it
  // on the first call: kept across the job's attempts and removed when the
  // job ends, for partial downloads a retried attempt resumes. A stale
  // attempt (its worker lost its session but still runs) may still be
  // writing there: guard each file with flock, or name it by its content.
  // UNAVAILABLE when it cannot be created.
  absl::StatusOr<std::string> SharedStagingDir();

  JobContext(const JobContext&) = delete;
  JobContext& operator=(const JobContext&) = delete;
  // Stops the progress writer (without writing what is left: see
  // FlushProgress).
  ~JobContext();

  // ReportProgress records how far the long phase has come, for
  // Jobs.GetJob/WaitJob (Job.progress). Thread safe, and never waits for
  // the database: it keeps the latest report, which a writer thread of
  // its own writes at most once per kProgressInterval (a download loop
  // calling this is not held up by a slow database). The last report is
  // always written before the job's transaction (FlushProgress). A failed
  // write is logged, never the job's failure.
  void ReportProgress(const v1::JobProgress& progress);

  // FlushProgress writes the last report now if it has not been written
  // yet, and returns once it is; the engine calls it when the long phase
  // ends.
  void FlushProgress();

  // Interrupted is true once the worker stops and its grace period has
  // passed. Long phases check it between steps and return
  // absl::CancelledError early.
  bool Interrupted() const {
    return options_.interrupted != nullptr && options_.interrupted();
  }

  // CancelRequested is whether someone asked to cancel the job, read from
  // the database at most once per kCancelCheckInterval (a cheap call in a
  // loop). Thread safe. A failed read is logged and counts as no (the
  // job's transaction checks again).
  bool CancelRequested();

  // StopRequested is absl::CancelledError when the job should stop its
  // long phase now (Interrupted, or CancelRequested), else OK. Long
  // phases check it between steps; the engine records a cancelled job as
  // CANCELLED and gives an interrupted one back to the queue.
  absl::Status StopRequested();

 private:
  // Creates "<staging_root>/job-<id>/<leaf>".
  absl::StatusOr<std::string> MakeStagingDir(absl::string_view leaf) const;
  // The progress writer thread: writes the latest report once it is
  // newer than the last written and kProgressInterval has passed.
  void ProgressWriterLoop();
  // Writes the latest report unless it was written already.
  void WriteLatestProgress() ABSL_LOCKS_EXCLUDED(progress_mu_);

  const Options options_;
  std::vector<std::string> log_;
  std::optional<std::string> staging_dir_;
  std::optional<std::string> shared_staging_dir_;

  // Serializes Read and the cancel reads, which share the job's session.
  absl::Mutex session_mu_;
  absl::Time last_cancel_check_ ABSL_GUARDED_BY(session_mu_) =
      absl::InfinitePast();
  bool cancel_requested_ ABSL_GUARDED_BY(session_mu_) = false;

  // Held across a write, so that writes go out one at a time, each of the
  // latest report at its time: a later write is never of an older report.
  // Taken before progress_mu_.
  absl::Mutex progress_write_mu_ ABSL_ACQUIRED_BEFORE(progress_mu_);
  absl::Mutex progress_mu_;
  // The last report, and the numbers of the reports made and written.
  std::optional<v1::JobProgress> latest_progress_ ABSL_GUARDED_BY(progress_mu_);
  int64_t progress_reported_ ABSL_GUARDED_BY(progress_mu_) = 0;
  int64_t progress_written_ ABSL_GUARDED_BY(progress_mu_) = 0;
  absl::Time last_progress_write_ ABSL_GUARDED_BY(progress_mu_) =
      absl::InfinitePast();
  bool closing_ ABSL_GUARDED_BY(progress_mu_) = false;
  // Started by the first report.
  std::thread progress_writer_ ABSL_GUARDED_BY(progress_mu_);
};

// PreparedJob is what a job's long phase produced, ready for the
// transaction.
class PreparedJob {
 public:
  virtual ~PreparedJob() = default;

  // Apply is the body of the job's SERIALIZABLE transaction: reload every
  // object the job touches by name, check the invariants, mutate, and
  // return the result. It may run several times (after serialization
  // conflicts), so it must not have effects outside `tx`.
  virtual absl::StatusOr<v1::JobResult> Apply(storage::Transaction& tx,
                                              JobContext& context) = 0;
};

// JobHandler runs one job kind; what the engine calls. Handlers are
// stateless and shared by all runner threads. Implement TypedJobHandler,
// not this.
class JobHandler {
 public:
  virtual ~JobHandler() = default;

  // Prepare is the long phase (downloads, reading files, writing indices),
  // run under the job's resource locks before its transaction. It may
  // write only outputs that are safe to redo: content-addressed files or
  // the attempt's staging directory. An error fails the job; UNAVAILABLE
  // instead abandons this attempt (the worker drops its session, and
  // recovery requeues the job, counting the attempt).
  virtual absl::StatusOr<std::unique_ptr<PreparedJob>> Prepare(
      const v1::JobArgs& args, JobContext& context) const = 0;

  // HasLongPhase is false for kinds whose Prepare does no work (their
  // prepared state is NothingPrepared): the worker then takes the job's
  // locks in the round trip that opens its transaction.
  virtual bool HasLongPhase() const { return true; }

  // HasAfterCommit is whether a job with `args` has an after-commit step.
  virtual bool HasAfterCommit(const v1::JobArgs& args) const { return false; }

  // AfterCommit is an optional idempotent step after the transaction
  // committed `committed` (e.g. putting a published tree in place). It may
  // be replayed, on another worker, after a crash; it never undoes the
  // commit.
  virtual absl::Status AfterCommit(const v1::JobArgs& args,
                                   const v1::JobResult& committed,
                                   JobContext& context) const {
    return absl::OkStatus();
  }
};

// NothingPrepared is the prepared state of kinds without a long phase.
struct NothingPrepared {};

// AsJobFailure marks a long phase's error as the job's own failure, to be
// recorded as its outcome whatever its code. The engine otherwise takes an
// UNAVAILABLE from Prepare for a lost database and abandons the attempt for
// recovery to requeue; an upstream server that retries did not bring back
// (a mirror's archive) is the job's failure, with a message naming it.
absl::Status AsJobFailure(absl::Status status);
template <typename T>
absl::StatusOr<T> AsJobFailure(absl::StatusOr<T> result) {
  if (result.ok()) return result;
  return AsJobFailure(std::move(result).status());
}

// IsJobFailure is whether `status` was marked by AsJobFailure.
bool IsJobFailure(const absl::Status& status);

// TypedJobHandler is what each job file implements for its kind's
// arguments `Args` (e.g. v1::CreateRepoArgs); `Prepared` is what its long
// phase hands to its transaction (movable; read-only there). Register it
// against the kind's declaration (job_handlers.cc), which extracts `Args`
// from the job's JobArgs: a handler never sees another kind's arguments.
template <typename Args, typename Prepared = NothingPrepared>
class TypedJobHandler {
 public:
  using ArgsType = Args;
  using PreparedType = Prepared;

  virtual ~TypedJobHandler() = default;

  // Prepare is the long phase (see JobHandler::Prepare); by default there
  // is none. It is never called for a Prepared of NothingPrepared: such a
  // kind has no long phase, whatever an override would do.
  virtual absl::StatusOr<Prepared> Prepare(const Args& args,
                                           JobContext& context) const {
    return Prepared{};
  }

  // Apply is the body of the job's transaction (see PreparedJob::Apply),
  // given what Prepare produced.
  virtual absl::StatusOr<v1::JobResult> Apply(const Args& args,
                                              const Prepared& prepared,
                                              storage::Transaction& tx,
                                              JobContext& context) const = 0;

  // HasAfterCommit and AfterCommit: see JobHandler.
  virtual bool HasAfterCommit(const Args& args) const { return false; }
  virtual absl::Status AfterCommit(const Args& args,
                                   const v1::JobResult& committed,
                                   JobContext& context) const {
    return absl::OkStatus();
  }
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_JOB_HANDLER_H_
