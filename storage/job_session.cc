#include "storage/job_session.h"

#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "common/storable_text.h"
#include "pqxx/pqxx"
#include "storage/advisory_lock.h"
#include "storage/database.h"
#include "storage/internal_pg.h"
#include "storage/job_channels.h"
#include "storage/job_rows.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

// One statement, one commit: pick the oldest claimable job, skipping rows
// other claimers hold, and take its job lock (a session lock that outlives
// this statement and dies with the session, which is how recovery tells a
// dead owner). A queued job is claimable when none of its keys conflicts
// (either side exclusive) with a running job or an older queued one. The
// two EXISTS branches keep the shared "gc" key that every job holds from
// turning the check quadratic: a shared key only looks for exclusive
// holders, through the (key, exclusive) index. Each probe starts from the
// key's rows and looks a job up (by primary key) only for a younger
// holder, which conflicts only while it runs: joined to jobs instead, the
// planner scanned the jobs table once per probe.
//
// Why this is FIFO per key and never runs two conflicting jobs at once: a
// job is claimed only when no job that conflicts with it is running and
// none submitted before it is still queued, so a later job cannot start
// before an earlier conflicting one has ended, whichever kinds the workers
// run (a job of a kind no worker runs holds its keys' queue): an older
// conflicting job blocks whether it is queued or running, so no snapshot
// can miss it. The row is locked (FOR UPDATE) and its state set in this
// statement, so two claimers cannot take it twice. The advisory locks the
// worker takes next (LockResources) are the second line of defence, for
// whatever outlives a job's row state (a requeued job whose old session
// is still going). Keys are dropped in the statement that ends the job
// and releases its locks (FinishOwnJobAndNotify), so no claimer finds the keys
// free and the locks still held.
//
// The candidates are the oldest queued jobs, `window` of them (the
// statement's LIMIT, ALL for every queued job). Measured (EXPLAIN ANALYZE,
// 4 workers x 64 clients): the planner hash-joins the conflict check
// against every queued job and sorts the survivors, so an unbounded claim
// costs the whole queue's depth (60 jobs, 180 conflict probes, 1.1k
// buffers, 0.6-0.9 ms) to take the first one. The window bounds that; it
// changes which jobs are looked at, not the conflict rule, which still
// checks each candidate against every running and older queued job.
// Returns one row: the claimed job's columns (NULL when none), then how
// many candidates the window held, so that a claim that found none in a
// full window looks again at the whole queue.
constexpr char kClaimTemplate[] = R"sql(
  WITH oldest AS MATERIALIZED (
    SELECT id FROM jobs
    WHERE state = 'queued' AND kind = ANY($2::text[])
    ORDER BY id
    LIMIT $window),
  candidate AS (
    SELECT j.id FROM jobs j
    WHERE j.id IN (SELECT id FROM oldest)
      AND j.state = 'queued'
      AND j.kind = ANY($2::text[])
      AND NOT EXISTS (
        SELECT 1 FROM job_keys mine
        WHERE mine.job_id = j.id
          AND (
            -- Anyone holding or queued before us exclusively on our key.
            EXISTS (
              SELECT 1 FROM job_keys other
              WHERE other.key = mine.key AND other.exclusive
                AND other.job_id <> j.id
                AND (other.job_id < j.id OR EXISTS (
                  SELECT 1 FROM jobs o
                  WHERE o.id = other.job_id AND o.state = 'running')))
            -- For our exclusive keys, anyone at all.
            OR (mine.exclusive AND EXISTS (
              SELECT 1 FROM job_keys other
              WHERE other.key = mine.key AND other.job_id <> j.id
                AND (other.job_id < j.id OR EXISTS (
                  SELECT 1 FROM jobs o
                  WHERE o.id = other.job_id AND o.state = 'running'))))))
    ORDER BY j.id
    LIMIT 1
    FOR UPDATE OF j SKIP LOCKED),
  claimed AS (
    UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $1,
        start_time = now()
    FROM candidate
    WHERE jobs.id = candidate.id AND
    pg_try_advisory_lock()sql" DEBREPO_SQL_JOB_LOCK("candidate.id") R"sql()
    RETURNING jobs.id, jobs.kind, jobs.args, jobs.exclusive_keys,
        jobs.shared_keys, jobs.attempts)
  SELECT claimed.id, claimed.kind, claimed.args, claimed.exclusive_keys,
      claimed.shared_keys, claimed.attempts,
      (SELECT count(*) FROM oldest)
  FROM (VALUES (1)) AS one LEFT JOIN claimed ON true)sql";

// How many of the oldest queued jobs a claim looks at before it searches
// the whole queue. Two or three runners claiming at once skip each other's
// rows, and a blocked job (its key busy) takes a place: 8 leaves room for
// both at the scale measured, and a full window that yields nothing falls
// back to the whole queue, so a larger fleet is slower, never wrong.
constexpr int kClaimWindow = 8;

// The claim statement over the oldest `window` queued jobs; 0 means all.
std::string ClaimStatement(int window) {
  return absl::StrReplaceAll(
      kClaimTemplate,
      {{"$window", window > 0 ? absl::StrCat(window) : std::string("ALL")}});
}

// A runner's idle mark (JobSession::MarkIdle), committed on its own: an
// unlogged row, so the commit waits for no WAL flush.
constexpr char kMarkIdle[] =
    "INSERT INTO idle_runners (pid) VALUES (pg_backend_pid()) "
    "ON CONFLICT DO NOTHING";
constexpr char kUnmarkIdle[] =
    "DELETE FROM idle_runners WHERE pid = pg_backend_pid()";

// Whether a cancellation was requested for job $1, read by primary key
// inside the job's serializable transaction, which keeps the predicate
// lock narrow. Every read of that transaction sees its one snapshot, so
// reading this before the body decides what reading it after did.
constexpr char kCancellationRequested[] =
    "SELECT EXISTS (SELECT 1 FROM job_cancellations WHERE job_id = $1)";

// The success outcome, in the transaction that found no cancellation. Its
// primary key makes completion exactly-once.
constexpr char kInsertSuccess[] = R"sql(
  INSERT INTO job_outcomes (job_id, state, status_code, status_message, result,
      attempt, after_commit)
  VALUES ($1, 'succeeded', 0, '', $2::jsonb, $3, $4))sql";

// The outcome of a job whose body failed or was cancelled, decided in the
// same serializable transaction as the body (after its writes were rolled
// back to the savepoint): a cancellation that committed before this
// transaction's snapshot wins over the failure, as it does over success,
// with the message $5.
constexpr char kInsertFailureOrCancellation[] = R"sql(
  INSERT INTO job_outcomes (job_id, state, status_code, status_message,
      attempt)
  SELECT $1,
    CASE WHEN cancelled THEN 'cancelled' ELSE 'failed' END,
    CASE WHEN cancelled THEN 1 ELSE $2 END,
    CASE WHEN cancelled THEN $5 ELSE $3 END,
    $4
  FROM (SELECT EXISTS (SELECT 1 FROM job_cancellations WHERE job_id = $1)
        AS cancelled) request
  ON CONFLICT (job_id) DO NOTHING)sql";

// How long one wait for a job's resource locks lasts before the worker
// checks whether it should give the job back (on shutdown).
constexpr char kLockWaitTimeout[] = "1s";

// What a job cancelled before its transaction's snapshot ends with: after
// its long phase (Commit), or before anything of it ran (LockAndCommit; the
// worker words a cancellation that LockResources read the same way).
constexpr char kCancelledWhileRunning[] =
    "cancelled while running; nothing was changed";
constexpr char kCancelledBeforeRunning[] =
    "cancelled before it started running; nothing was changed";

absl::Status StatusFromOutcomeRow(const pqxx::row& row) {
  return absl::Status(static_cast<absl::StatusCode>(row[1].as<int>()),
                      row[2].c_str());
}

std::string LockStatement(const std::vector<AdvisoryLock>& locks) {
  std::vector<std::string> calls;
  for (const AdvisoryLock& lock : locks) {
    calls.push_back(absl::StrCat(
        lock.exclusive ? "pg_advisory_lock(" : "pg_advisory_lock_shared(",
        lock.key, "::bigint)"));
  }
  // Target-list expressions run left to right: the locks are taken in
  // ascending key order, in one round trip.
  return absl::StrCat("SELECT ", absl::StrJoin(calls, ", "));
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobSession>> JobSession::Open(
    const std::string& dsn, std::string worker_id,
    const std::vector<std::string>& kinds) {
  ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> connection, Connect(dsn));
  return std::unique_ptr<JobSession>(
      new JobSession(std::move(connection), std::move(worker_id),
                     internal::PgTextArray(kinds)));
}

JobSession::JobSession(std::unique_ptr<pqxx::connection> connection,
                       std::string worker_id, std::string kinds)
    : connection_(std::move(connection)),
      worker_id_(std::move(worker_id)),
      kinds_(std::move(kinds)) {}

bool JobSession::Healthy() const { return connection_->is_open(); }

absl::StatusOr<std::optional<ClaimedJob>> JobSession::Claim() {
  return Guard(
      "claiming a job", [&]() -> absl::StatusOr<std::optional<ClaimedJob>> {
        static const std::string* const kClaimOldest =
            new std::string(ClaimStatement(kClaimWindow));
        static const std::string* const kClaimAny =
            new std::string(ClaimStatement(0));
        pqxx::nontransaction tx(*connection_);
        pqxx::result rows = internal::ExecPrepared(
            tx, "claim_oldest", *kClaimOldest, worker_id_, kinds_);
        if (rows[0][0].is_null() && rows[0][6].as<int64_t>() >= kClaimWindow) {
          // Every job of a full window was blocked or taken by another
          // claimer: a claimable one may wait further back.
          rows = internal::ExecPrepared(tx, "claim_any", *kClaimAny, worker_id_,
                                        kinds_);
        }
        const pqxx::row& row = rows[0];
        if (row[0].is_null()) return std::nullopt;
        if (marked_idle_) {
          // A round trip only when the runner turns busy, rare under load.
          internal::ExecPrepared(tx, "unmark_idle", kUnmarkIdle);
          marked_idle_ = false;
        }
        ClaimedJob job;
        job.id = row[0].as<int64_t>();
        job.kind = row[1].c_str();
        RETURN_IF_ERROR(internal::FromJson(row[2].c_str(), &job.args));
        job.exclusive_keys = internal::ParseTextArray(row[3]);
        job.shared_keys = internal::ParseTextArray(row[4]);
        job.attempt = row[5].as<int>();
        return job;
      });
}

absl::Status JobSession::MarkIdle() {
  if (marked_idle_) return absl::OkStatus();
  return Guard("marking the runner idle", [&]() -> absl::Status {
    pqxx::nontransaction tx(*connection_);
    internal::ExecPrepared(tx, "mark_idle", kMarkIdle);
    marked_idle_ = true;
    return absl::OkStatus();
  });
}

absl::StatusOr<ResourcesLocked> JobSession::LockResources(
    const ClaimedJob& job, const std::function<bool()>& give_up) {
  std::vector<AdvisoryLock> locks =
      PlanLocks(job.exclusive_keys, job.shared_keys);
  // One round trip: a multi-statement query runs as one implicit
  // transaction, so when the lock times out the SET is rolled back with it
  // (the job's own transaction keeps the session's lock_timeout).
  // Session locks taken before a timeout stay held (and are taken again,
  // counted, on the next try); Finish and Requeue release them all. The
  // last statement reads the cancellation with a snapshot taken after the
  // locks were granted (each statement of the block takes its own).
  const std::string lock_statement =
      locks.empty()
          ? std::string()
          : absl::StrCat("SET lock_timeout = '", kLockWaitTimeout, "'; ",
                         LockStatement(locks), "; RESET lock_timeout; ");
  for (;;) {
    absl::StatusOr<ResourcesLocked> locked =
        Guard("locking the job's resources",
              [&]() -> absl::StatusOr<ResourcesLocked> {
                ResourcesLocked result;
                pqxx::nontransaction tx(*connection_);
                const std::string statement = absl::StrCat(
                    lock_statement,
                    internal::PreparedCall(tx, "cancellation_requested",
                                           kCancellationRequested, job.id));
                try {
                  result.cancel_requested = tx.exec1(statement)[0].as<bool>();
                } catch (const pqxx::sql_error& e) {
                  if (e.sqlstate() != "55P03") throw;  // lock_not_available
                  return result;
                }
                result.held = true;
                return result;
              });
    if (!locked.ok() || locked->held) return locked;
    if (give_up && give_up()) return locked;
  }
}

absl::StatusOr<std::optional<JobOutcome>> JobSession::LoadOutcome(
    int64_t job_id) {
  return Guard("reading a job outcome",
               [&]() -> absl::StatusOr<std::optional<JobOutcome>> {
                 pqxx::nontransaction tx(*connection_);
                 pqxx::result rows = tx.exec_params(
                     "SELECT state, status_code, status_message, result, "
                     "attempt, after_commit FROM job_outcomes "
                     "WHERE job_id = $1",
                     job_id);
                 if (rows.empty()) return std::nullopt;
                 JobOutcome outcome;
                 outcome.state = internal::StateFromName(rows[0][0].c_str());
                 outcome.status = StatusFromOutcomeRow(rows[0]);
                 if (!rows[0][3].is_null()) {
                   RETURN_IF_ERROR(
                       internal::FromJson(rows[0][3].c_str(), &outcome.result));
                 }
                 outcome.attempt = rows[0][4].as<int>();
                 outcome.after_commit = rows[0][5].as<bool>();
                 return outcome;
               });
}

absl::StatusOr<JobOutcome> JobSession::CommitOnce(const ClaimedJob& job,
                                                  const Body& body,
                                                  const CommitOptions& options,
                                                  bool& lock_timed_out) {
  // The outcome of a success; nullopt when a failure was recorded (read
  // back below, once the transaction's pqxx::nontransaction is closed).
  absl::StatusOr<std::optional<JobOutcome>> committed = Guard(
      "running the job's transaction",
      [&]() -> absl::StatusOr<std::optional<JobOutcome>> {
        // Two round trips besides the body's statements: one (taking the
        // job's locks first, for LockAndCommit) opens the block, sets the
        // savepoint and reads whether a cancellation came first; one writes
        // the outcome and commits. The body's writes are kept only if it
        // succeeds and no cancellation came first; otherwise they are
        // rolled back to the savepoint, and the failure is recorded on this
        // same snapshot. A plain SAVEPOINT, not a pqxx::subtransaction:
        // libpqxx 6 issues a subtransaction's SAVEPOINT only on its first
        // exec(), and the exec_params / exec_prepared that storage runs do
        // not trigger it.
        pqxx::nontransaction tx(*connection_);
        // A body whose SQL failed leaves the block failed: its outcome's
        // statement must be prepared already.
        internal::PrepareStatement(tx, "insert_failure_outcome",
                                   kInsertFailureOrCancellation);
        internal::TransactionBlock block(tx);
        bool cancelled = false;
        try {
          cancelled =
              block
                  .Exec(absl::StrCat(options.take_locks,
                                     "BEGIN ISOLATION LEVEL SERIALIZABLE; "
                                     "SAVEPOINT job_body; ",
                                     internal::PreparedCall(
                                         tx, "cancellation_requested",
                                         kCancellationRequested, job.id)))[0][0]
                  .as<bool>();
        } catch (const pqxx::sql_error& e) {
          // lock_not_available: the locks' own transaction timed out, and
          // `block` rolls it back (the locks granted so far stay held).
          if (options.take_locks.empty() || e.sqlstate() != "55P03") throw;
          lock_timed_out = true;
          return absl::DeadlineExceededError("waiting for the job's locks");
        }
        absl::Status failure = absl::CancelledError(options.cancelled_message);
        if (!cancelled) {
          Transaction transaction(tx);
          absl::StatusOr<v1::JobResult> result = body(transaction);
          if (!result.ok() &&
              (IsRetryable(result.status()) ||
               result.status().code() == absl::StatusCode::kUnavailable)) {
            return result.status();  // rolled back by `block`
          }
          if (result.ok()) {
            block.End(absl::StrCat(
                internal::PreparedCall(tx, "insert_success", kInsertSuccess,
                                       job.id, internal::ToJson(*result),
                                       job.attempt, options.after_commit),
                "; COMMIT"));
            JobOutcome outcome;
            outcome.state = v1::SUCCEEDED;
            outcome.result = *std::move(result);
            outcome.attempt = job.attempt;
            outcome.after_commit = options.after_commit;
            return outcome;
          }
          failure = result.status();
        }
        block.End(absl::StrCat(
            "ROLLBACK TO SAVEPOINT job_body; ",
            internal::PreparedCall(tx, "insert_failure_outcome",
                                   kInsertFailureOrCancellation, job.id,
                                   static_cast<int>(failure.code()),
                                   StorableText(failure.message()), job.attempt,
                                   std::string(options.cancelled_message)),
            "; COMMIT"));
        return std::nullopt;
      });
  if (!committed.ok()) return committed.status();
  if (committed->has_value()) return **std::move(committed);
  // The row stored: ours, or one committed before (then the insert did
  // nothing), or the cancellation that won.
  ASSIGN_OR_RETURN(std::optional<JobOutcome> stored, LoadOutcome(job.id));
  if (!stored.has_value()) {
    return absl::InternalError(
        absl::StrCat("job ", job.id, ": outcome vanished after insert"));
  }
  return *stored;
}

absl::StatusOr<std::optional<JobOutcome>> JobSession::CommittedOutcome(
    const ClaimedJob& job) {
  // Only an earlier attempt can have committed an outcome.
  if (job.attempt <= 1) return std::nullopt;
  return LoadOutcome(job.id);
}

absl::StatusOr<JobOutcome> JobSession::Commit(const ClaimedJob& job,
                                              const Body& body,
                                              const RetryPolicy& policy,
                                              bool after_commit) {
  ASSIGN_OR_RETURN(std::optional<JobOutcome> earlier, CommittedOutcome(job));
  if (earlier.has_value()) return *earlier;
  ASSIGN_OR_RETURN(
      std::optional<JobOutcome> outcome,
      CommitWithRetries(job, body, policy,
                        {.after_commit = after_commit,
                         .cancelled_message = kCancelledWhileRunning},
                        nullptr));
  return *std::move(outcome);  // never nullopt without locks to wait for
}

absl::StatusOr<std::optional<JobOutcome>> JobSession::LockAndCommit(
    const ClaimedJob& job, const Body& body, const RetryPolicy& policy,
    bool after_commit, const std::function<bool()>& give_up) {
  if (job.attempt > 1) {
    return absl::InternalError(absl::StrCat(
        "job ", job.id, ": LockAndCommit runs first attempts only"));
  }
  const std::vector<AdvisoryLock> locks =
      PlanLocks(job.exclusive_keys, job.shared_keys);
  CommitOptions options = {.after_commit = after_commit,
                           .cancelled_message = kCancelledBeforeRunning};
  // The locks come first, in a READ COMMITTED transaction of their own that
  // commits before BEGIN ISOLATION LEVEL SERIALIZABLE, in the same simple
  // query: the job's snapshot is taken by the statement after that BEGIN,
  // so it never predates the locks (LockResources' order, one round trip
  // fewer). Session locks outlive the transaction that took them. They are
  // taken again on each retry: a lock this session holds is granted at
  // once (and counted; Finish releases them all), and a retry never runs
  // without them, whatever failed.
  if (!locks.empty()) {
    options.take_locks =
        absl::StrCat("BEGIN; SET LOCAL lock_timeout = '", kLockWaitTimeout,
                     "'; ", LockStatement(locks), "; COMMIT; ");
  }
  return CommitWithRetries(job, body, policy, options, give_up);
}

absl::StatusOr<std::optional<JobOutcome>> JobSession::CommitWithRetries(
    const ClaimedJob& job, const Body& body, const RetryPolicy& policy,
    const CommitOptions& options, const std::function<bool()>& give_up) {
  absl::BitGen random;
  absl::Duration backoff = policy.initial_backoff;
  absl::Status last_conflict;
  for (int attempt = 0; attempt < policy.max_attempts;) {
    bool lock_timed_out = false;
    absl::StatusOr<JobOutcome> outcome =
        CommitOnce(job, body, options, lock_timed_out);
    if (lock_timed_out) {
      if (give_up && give_up()) return std::nullopt;
      continue;  // waiting for the locks is no attempt
    }
    if (outcome.ok()) {
      outcome->serialization_retries = attempt;
      return *std::move(outcome);
    }
    if (outcome.status().code() == absl::StatusCode::kAlreadyExists) {
      // Our outcome insert hit an existing one: the job completed already.
      ASSIGN_OR_RETURN(std::optional<JobOutcome> earlier, LoadOutcome(job.id));
      if (earlier.has_value()) return earlier;
    }
    if (!IsRetryable(outcome.status())) return outcome.status();
    last_conflict = outcome.status();
    absl::SleepFor(backoff * absl::Uniform(random, 0.0, 1.0));  // full jitter
    backoff = std::min(backoff * 2, policy.max_backoff);
    ++attempt;
  }
  ASSIGN_OR_RETURN(
      JobOutcome outcome,
      RecordOutcome(job.id, absl::AbortedError(absl::StrCat(
                                "gave up after ", policy.max_attempts,
                                " conflicting concurrent updates (",
                                last_conflict.message(),
                                "); nothing was changed, retry the request"))));
  outcome.serialization_retries = policy.max_attempts;
  return outcome;
}

absl::StatusOr<JobOutcome> JobSession::RecordOutcome(
    int64_t job_id, const absl::Status& status) {
  RETURN_IF_ERROR(Guard("recording a job outcome", [&]() -> absl::Status {
    pqxx::nontransaction tx(*connection_);
    internal::RecordFailure(tx, job_id, status);
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(std::optional<JobOutcome> stored, LoadOutcome(job_id));
  if (!stored.has_value()) {
    return absl::InternalError(
        absl::StrCat("job ", job_id, ": outcome vanished after insert"));
  }
  return *stored;
}

absl::StatusOr<JobOutcome> JobSession::Fail(const ClaimedJob& job,
                                            const absl::Status& status) {
  return RecordOutcome(job.id, status);
}

absl::Status JobSession::Finish(int64_t job_id,
                                const std::vector<std::string>& log) {
  return Guard("finishing a job", [&]() -> absl::Status {
    pqxx::nontransaction tx(*connection_);
    internal::FinishOwnJobAndNotify(tx, job_id, log);
    return absl::OkStatus();
  });
}

absl::Status JobSession::Requeue(const ClaimedJob& job,
                                 absl::string_view reason) {
  return Guard("requeueing a job", [&]() -> absl::Status {
    pqxx::work tx(*connection_);
    // The claim counted an attempt that never reached its transaction.
    tx.exec_params0(
        "UPDATE jobs SET state = 'queued', worker = '', "
        "attempts = attempts - 1 WHERE id = $1 AND state = 'running'",
        job.id);
    // A queued job shows no progress of an attempt that is over.
    tx.exec_params0("DELETE FROM job_progress WHERE job_id = $1", job.id);
    tx.exec_params0("INSERT INTO job_logs (job_id, line) VALUES ($1, $2)",
                    job.id, absl::StrCat("worker ", worker_id_, " ", reason));
    tx.commit();
    // Unlock first, then wake claimers, who would otherwise find the job's
    // lock still taken.
    pqxx::nontransaction(*connection_)
        .exec_params("SELECT pg_advisory_unlock_all(), pg_notify($1, '')",
                     kJobQueuedChannel);
    return absl::OkStatus();
  });
}

absl::Status JobSession::ReadOnly(
    const std::function<absl::Status(Transaction&)>& fn) {
  return Guard("reading for a job", [&]() -> absl::Status {
    pqxx::read_transaction tx(*connection_);
    Transaction transaction(tx);
    RETURN_IF_ERROR(fn(transaction));
    tx.commit();
    return absl::OkStatus();
  });
}

absl::Status JobSession::Ping() {
  return Guard("checking the job's session", [&]() -> absl::Status {
    pqxx::nontransaction(*connection_).exec("SELECT 1");
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> JobSession::CancelRequested(int64_t job_id) {
  return Guard("checking for cancellation", [&]() -> absl::StatusOr<bool> {
    return !pqxx::nontransaction(*connection_)
                .exec_params(
                    "SELECT 1 FROM job_cancellations WHERE job_id = $1", job_id)
                .empty();
  });
}

}  // namespace debrepo::storage
