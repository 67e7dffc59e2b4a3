#include "storage/job_session.h"

#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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
// holders, through the (key, exclusive) index.
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
// and releases its locks (FinishOwnJob), so no claimer finds the keys free
// and the locks still held.
constexpr char kClaim[] = R"sql(
  WITH candidate AS (
    SELECT j.id FROM jobs j
    WHERE j.state = 'queued'
      AND j.kind = ANY($2::text[])
      AND NOT EXISTS (
        SELECT 1 FROM job_keys mine
        WHERE mine.job_id = j.id
          AND (
            -- Anyone holding or queued before us exclusively on our key.
            EXISTS (
              SELECT 1 FROM job_keys other JOIN jobs o ON o.id = other.job_id
              WHERE other.key = mine.key AND other.exclusive
                AND other.job_id <> j.id
                AND (o.state = 'running' OR o.id < j.id))
            -- For our exclusive keys, anyone at all.
            OR (mine.exclusive AND EXISTS (
              SELECT 1 FROM job_keys other JOIN jobs o ON o.id = other.job_id
              WHERE other.key = mine.key AND other.job_id <> j.id
                AND (o.state = 'running' OR o.id < j.id)))))
    ORDER BY j.id
    LIMIT 1
    FOR UPDATE OF j SKIP LOCKED)
  UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $1,
      start_time = now()
  FROM candidate
  WHERE jobs.id = candidate.id
    AND pg_try_advisory_lock()sql" DEBREPO_SQL_JOB_LOCK("candidate.id") R"sql()
  RETURNING jobs.id, jobs.kind, jobs.args, jobs.exclusive_keys,
      jobs.shared_keys, jobs.attempts)sql";

// The success outcome, unless a cancellation was requested first: reading
// job_cancellations by primary key inside the serializable transaction
// keeps the predicate lock narrow. Runs inside the body's savepoint, so a
// cancellation found here rolls the body's writes back with it.
constexpr char kInsertSuccessUnlessCancelled[] = R"sql(
  INSERT INTO job_outcomes (job_id, state, status_code, status_message, result,
      attempt, after_commit)
  SELECT $1, 'succeeded', 0, '', $2::jsonb, $3, $4
  WHERE NOT EXISTS (SELECT 1 FROM job_cancellations WHERE job_id = $1)
  RETURNING job_id)sql";

// The outcome of a job whose body failed or was cancelled, decided in the
// same serializable transaction as the body (after its writes were rolled
// back to the savepoint): a cancellation that committed before this
// transaction's snapshot wins over the failure, as it does over success.
constexpr char kInsertFailureOrCancellation[] = R"sql(
  INSERT INTO job_outcomes (job_id, state, status_code, status_message,
      attempt)
  SELECT $1,
    CASE WHEN cancelled THEN 'cancelled' ELSE 'failed' END,
    CASE WHEN cancelled THEN 1 ELSE $2 END,
    CASE WHEN cancelled THEN 'cancelled while running; nothing was changed'
         ELSE $3 END,
    $4
  FROM (SELECT EXISTS (SELECT 1 FROM job_cancellations WHERE job_id = $1)
        AS cancelled) request
  ON CONFLICT (job_id) DO NOTHING)sql";

// How long one wait for a job's resource locks lasts before the worker
// checks whether it should give the job back (on shutdown).
constexpr char kLockWaitTimeout[] = "1s";

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
        pqxx::nontransaction tx(*connection_);
        pqxx::result rows =
            internal::ExecPrepared(tx, "claim", kClaim, worker_id_, kinds_);
        if (rows.empty()) return std::nullopt;
        const pqxx::row& row = rows[0];
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

absl::StatusOr<bool> JobSession::LockResources(
    const ClaimedJob& job, const std::function<bool()>& give_up) {
  std::vector<AdvisoryLock> locks =
      PlanLocks(job.exclusive_keys, job.shared_keys);
  if (locks.empty()) return true;
  // One round trip: a multi-statement query runs as one implicit
  // transaction, so when the lock times out the SET is rolled back with it
  // (the job's own transaction keeps the session's lock_timeout).
  // Session locks taken before a timeout stay held (and are taken again,
  // counted, on the next try); Finish and Requeue release them all.
  const std::string statement =
      absl::StrCat("SET lock_timeout = '", kLockWaitTimeout, "'; ",
                   LockStatement(locks), "; RESET lock_timeout");
  for (;;) {
    absl::StatusOr<bool> locked =
        Guard("locking the job's resources", [&]() -> absl::StatusOr<bool> {
          try {
            pqxx::nontransaction(*connection_).exec(statement);
          } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() != "55P03") throw;  // lock_not_available
            return false;
          }
          return true;
        });
    if (!locked.ok() || *locked) return locked;
    if (give_up && give_up()) return false;
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
                                                  bool after_commit) {
  return Guard(
      "running the job's transaction", [&]() -> absl::StatusOr<JobOutcome> {
        pqxx::transaction<pqxx::serializable> tx(*connection_);
        absl::Status failure;
        JobOutcome outcome;
        // The body's writes are kept only if it succeeds and no
        // cancellation came first; otherwise they are rolled back to here,
        // and the failure is recorded on this same snapshot. A plain
        // SAVEPOINT, not a pqxx::subtransaction: libpqxx 6 issues a
        // subtransaction's SAVEPOINT only on its first exec(), and the
        // exec_params / exec_prepared that storage runs do not trigger it.
        tx.exec0("SAVEPOINT job_body");
        Transaction transaction(tx);
        absl::StatusOr<v1::JobResult> result = body(transaction);
        if (!result.ok()) {
          if (IsRetryable(result.status()) ||
              result.status().code() == absl::StatusCode::kUnavailable) {
            return result.status();
          }
          failure = result.status();
        } else if (internal::ExecPrepared(tx, "insert_success_outcome",
                                          kInsertSuccessUnlessCancelled, job.id,
                                          internal::ToJson(*result),
                                          job.attempt, after_commit)
                       .empty()) {
          failure = absl::CancelledError(
              "cancelled while running; nothing was changed");
        } else {
          outcome.state = v1::SUCCEEDED;
          outcome.result = *std::move(result);
          outcome.attempt = job.attempt;
          outcome.after_commit = after_commit;
        }
        if (!failure.ok()) tx.exec0("ROLLBACK TO SAVEPOINT job_body");
        if (!failure.ok()) {
          internal::ExecPrepared(tx, "insert_failure_outcome",
                                 kInsertFailureOrCancellation, job.id,
                                 static_cast<int>(failure.code()),
                                 StorableText(failure.message()), job.attempt);
        }
        tx.commit();
        if (!failure.ok()) {
          // The row stored: ours, or one committed before (then the insert
          // did nothing), or the cancellation that won.
          ASSIGN_OR_RETURN(std::optional<JobOutcome> stored,
                           LoadOutcome(job.id));
          if (!stored.has_value()) {
            return absl::InternalError(absl::StrCat(
                "job ", job.id, ": outcome vanished after insert"));
          }
          return *stored;
        }
        return outcome;
      });
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
  absl::BitGen random;
  absl::Duration backoff = policy.initial_backoff;
  absl::Status last_conflict;
  for (int attempt = 0; attempt < policy.max_attempts; ++attempt) {
    absl::StatusOr<JobOutcome> outcome = CommitOnce(job, body, after_commit);
    if (outcome.ok()) {
      outcome->serialization_retries = attempt;
      return outcome;
    }
    if (outcome.status().code() == absl::StatusCode::kAlreadyExists) {
      // Our outcome insert hit an existing one: the job completed already.
      ASSIGN_OR_RETURN(earlier, LoadOutcome(job.id));
      if (earlier.has_value()) return *earlier;
    }
    if (!IsRetryable(outcome.status())) return outcome.status();
    last_conflict = outcome.status();
    absl::SleepFor(backoff * absl::Uniform(random, 0.0, 1.0));  // full jitter
    backoff = std::min(backoff * 2, policy.max_backoff);
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
    internal::FinishOwnJob(tx, job_id, log);
    internal::NotifyJobEnded(tx, job_id);
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
