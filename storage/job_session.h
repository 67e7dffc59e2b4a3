// JobSession: a worker's connection and its side of the job protocol
// (DESIGN.md steps 2 to 5): claim, lock, commit exactly once, finish.
#ifndef DEBREPO_STORAGE_JOB_SESSION_H_
#define DEBREPO_STORAGE_JOB_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pqxx/connection"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// ClaimedJob is a job this session owns: it is `running` with this
// session's worker id, and the session holds its job lock.
struct ClaimedJob {
  int64_t id = 0;
  std::string kind;
  v1::JobArgs args;
  std::vector<std::string> exclusive_keys;
  std::vector<std::string> shared_keys;
  // 1 on the first claim; more after workers died while running it.
  int attempt = 0;
};

// ResourcesLocked is how JobSession::LockResources ended.
struct ResourcesLocked {
  // True once every lock is held; false when the caller's `give_up` said
  // yes first.
  bool held = false;
  // Whether someone had asked to cancel the job when its locks were
  // granted (read in the same round trip as the locks).
  bool cancel_requested = false;
};

// JobOutcome is how a job ended, as committed.
struct JobOutcome {
  v1::JobState state = v1::JOB_STATE_UNSPECIFIED;
  absl::Status status;  // OK when SUCCEEDED
  v1::JobResult result;
  // Serializable transactions rolled back by conflicts before this outcome.
  int serialization_retries = 0;
  // The attempt whose transaction committed this outcome (its staging
  // files are the ones an after-commit step uses).
  int attempt = 0;
  // True while the job's after-commit step still has to run: the job may
  // show as ended only once it has.
  bool after_commit = false;
};

// RetryPolicy bounds the retries of a serializable transaction that lost a
// conflict (SQLSTATE 40001 / 40P01). Conflicts are often false positives
// of PostgreSQL's page-level predicate locks (two creates of different
// names whose index entries share a page), and come in bursts when many
// jobs start at once; the jittered, growing backoff spreads the retries
// out. Measured: with 10 attempts and 200 ms at most, about one create in
// a thousand gave up right after a database restart; 25 attempts up to
// 500 ms apart (about 10 s in all) make that vanishingly rare.
struct RetryPolicy {
  int max_attempts = 25;
  absl::Duration initial_backoff = absl::Milliseconds(2);
  absl::Duration max_backoff = absl::Milliseconds(500);
};

// JobSession is one database session of a worker runner: it claims one job
// at a time and holds that job's locks. Not thread safe.
class JobSession {
 public:
  // The body of a job's transaction: reloads, checks invariants, mutates,
  // and returns the result. A non-OK status other than a serialization
  // failure (IsRetryable) or UNAVAILABLE is the job's domain error: it is
  // committed as FAILED in the same transaction, and nothing the body wrote
  // is kept (the body runs in a savepoint).
  using Body = std::function<absl::StatusOr<v1::JobResult>(Transaction&)>;

  // Open connects a session for worker `worker_id`, which runs jobs of
  // `kinds` only (so an old worker leaves new kinds to upgraded ones).
  static absl::StatusOr<std::unique_ptr<JobSession>> Open(
      const std::string& dsn, std::string worker_id,
      const std::vector<std::string>& kinds);

  // Claim takes the oldest queued job of a known kind that conflicts with
  // no running job and no older queued one, marks it running and takes its
  // job lock, in one statement. nullopt when there is nothing to claim.
  // A claim that takes a job removes the session's idle mark (MarkIdle).
  absl::StatusOr<std::optional<ClaimedJob>> Claim();

  // MarkIdle records, committed, that this session waits for work: from
  // then on submits and finishes that may make a job claimable notify
  // (they do not when no runner waits). Call it when a claim found nothing,
  // then claim once more before waiting for a notification: whatever was
  // committed before the mark and not seen by that claim is notified.
  // Marking a marked session does nothing.
  absl::Status MarkIdle();
  bool marked_idle() const { return marked_idle_; }

  // LockResources takes the job's advisory locks (exclusive and shared, in
  // ascending key order), waiting for holders to finish. Must be called
  // before Commit: a transaction's snapshot must not predate the lock.
  // While it waits, it asks `give_up` about once a second; `held` is false
  // when that said yes (the job should be given back with Requeue). Once
  // the locks are held it reads, in the same round trip, whether the job's
  // cancellation was requested meanwhile.
  absl::StatusOr<ResourcesLocked> LockResources(
      const ClaimedJob& job, const std::function<bool()>& give_up = nullptr);

  // Commit runs `body` in a SERIALIZABLE transaction and inserts the job's
  // outcome row in that same transaction, retrying serialization failures
  // (only those) per `policy`. A cancellation that committed before the
  // transaction's snapshot wins over success and failure alike (one that
  // comes later is too late). If the job
  // already has an outcome (a previous attempt committed), that one is
  // returned and `body` is not run again. With `after_commit`, a success
  // is recorded as still owing its after-commit step, which recovery then
  // replays if this worker dies before finishing the job. UNAVAILABLE
  // means the database was lost: nothing is known to be committed, and
  // recovery will settle the job.
  absl::StatusOr<JobOutcome> Commit(const ClaimedJob& job, const Body& body,
                                    const RetryPolicy& policy,
                                    bool after_commit = false);

  // LockAndCommit is LockResources then Commit for a job without a long
  // phase, one round trip fewer: the locks are taken in the round trip
  // that opens the job's transaction, before its snapshot. nullopt when
  // `give_up` said yes while it waited for the locks (give the job back
  // with Requeue). A job cancelled before its transaction's snapshot ends
  // CANCELLED "before it started running". First attempts only (a later
  // one must read CommittedOutcome under its locks first: use
  // LockResources).
  absl::StatusOr<std::optional<JobOutcome>> LockAndCommit(
      const ClaimedJob& job, const Body& body, const RetryPolicy& policy,
      bool after_commit, const std::function<bool()>& give_up = nullptr);

  // CommittedOutcome returns the outcome an earlier attempt of `job`
  // committed, if any (a job requeued after its worker died).
  absl::StatusOr<std::optional<JobOutcome>> CommittedOutcome(
      const ClaimedJob& job);

  // Fail commits a FAILED (or CANCELLED, for a CANCELLED status) outcome
  // for a job that failed outside its transaction (e.g. in a long phase),
  // unless it has an outcome already; returns the outcome stored.
  absl::StatusOr<JobOutcome> Fail(const ClaimedJob& job,
                                  const absl::Status& status);

  // Finish copies the outcome onto the job row, writes `log` lines, frees
  // the job's resource keys and releases every advisory lock of this
  // session (one statement), then notifies waiters. Call it once the job's
  // after-commit step, if it owes one, has run.
  absl::Status Finish(int64_t job_id, const std::vector<std::string>& log);

  // Requeue gives a claimed job back before its transaction (on shutdown),
  // without spending an attempt, logs "worker <id> <reason>" on it, and
  // releases the session's locks.
  absl::Status Requeue(const ClaimedJob& job, absl::string_view reason);

  // ReadOnly runs `fn` in a short read-only transaction (READ COMMITTED),
  // for a job's long phase. Under the job's locks, what it reads about the
  // locked resources stays valid until the job's own transaction.
  absl::Status ReadOnly(const std::function<absl::Status(Transaction&)>& fn);

  // Ping checks that the session (and with it every lock it holds) is
  // still there, with a round trip; UNAVAILABLE when it is not.
  absl::Status Ping();

  // CancelRequested is true once someone asked to cancel the job.
  absl::StatusOr<bool> CancelRequested(int64_t job_id);

  // Healthy is false once the connection is lost (with it, every lock the
  // session held); open a new session.
  bool Healthy() const;

 private:
  JobSession(std::unique_ptr<pqxx::connection> connection,
             std::string worker_id, std::string kinds);

  // How CommitOnce runs a job's transaction.
  struct CommitOptions {
    // Whether a success still owes its after-commit step (see Commit).
    bool after_commit = false;
    // The outcome's message when a cancellation came first.
    absl::string_view cancelled_message;
    // Statements that take the job's locks in a transaction of their own,
    // sent before the job's transaction opens; empty when they are held.
    std::string take_locks;
  };

  // Runs the body once; a serialization failure (IsRetryable) means retry.
  // Sets `lock_timed_out` when the wait for `take_locks` timed out (nothing
  // else ran).
  absl::StatusOr<JobOutcome> CommitOnce(const ClaimedJob& job, const Body& body,
                                        const CommitOptions& options,
                                        bool& lock_timed_out);
  // Runs CommitOnce until it commits (retrying serialization failures per
  // `policy`); nullopt when `give_up` said yes while it waited for locks.
  absl::StatusOr<std::optional<JobOutcome>> CommitWithRetries(
      const ClaimedJob& job, const Body& body, const RetryPolicy& policy,
      const CommitOptions& options, const std::function<bool()>& give_up);
  // Inserts an outcome unless one exists, and returns the one stored.
  absl::StatusOr<JobOutcome> RecordOutcome(int64_t job_id,
                                           const absl::Status& status);
  absl::StatusOr<std::optional<JobOutcome>> LoadOutcome(int64_t job_id);

  std::unique_ptr<pqxx::connection> connection_;
  const std::string worker_id_;
  // The kinds this worker runs, as a text[] literal.
  const std::string kinds_;
  // Whether this session's idle mark is in idle_runners (MarkIdle).
  bool marked_idle_ = false;
};

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_JOB_SESSION_H_
