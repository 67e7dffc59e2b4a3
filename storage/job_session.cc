#include "storage/job_session.h"

#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
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
// keeps the predicate lock narrow.
constexpr char kInsertSuccessUnlessCancelled[] = R"sql(
  INSERT INTO job_outcomes (job_id, state, status_code, status_message, result)
  SELECT $1, 'succeeded', 0, '', $2::jsonb
  WHERE NOT EXISTS (SELECT 1 FROM job_cancellations WHERE job_id = $1)
  RETURNING job_id)sql";

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
  return std::unique_ptr<JobSession>(new JobSession(
      std::move(connection), std::move(worker_id), internal::PgTextArray(kinds)));
}

JobSession::JobSession(std::unique_ptr<pqxx::connection> connection,
                       std::string worker_id, std::string kinds)
    : connection_(std::move(connection)),
      worker_id_(std::move(worker_id)),
      kinds_(std::move(kinds)) {}

bool JobSession::Healthy() const { return connection_->is_open(); }

absl::StatusOr<std::optional<ClaimedJob>> JobSession::Claim() {
  return Guard("claiming a job",
               [&]() -> absl::StatusOr<std::optional<ClaimedJob>> {
                 pqxx::nontransaction tx(*connection_);
                 pqxx::result rows = internal::ExecPrepared(
                     tx, "claim", kClaim, worker_id_, kinds_);
                 if (rows.empty()) return std::nullopt;
                 const pqxx::row& row = rows[0];
                 ClaimedJob job;
                 job.id = row[0].as<int64_t>();
                 job.kind = row[1].c_str();
                 RETURN_IF_ERROR(
                     internal::FromJson(row[2].c_str(), &job.args));
                 job.exclusive_keys = internal::ParseTextArray(row[3]);
                 job.shared_keys = internal::ParseTextArray(row[4]);
                 job.attempt = row[5].as<int>();
                 return job;
               });
}

absl::Status JobSession::LockResources(const ClaimedJob& job) {
  std::vector<AdvisoryLock> locks =
      PlanLocks(job.exclusive_keys, job.shared_keys);
  if (locks.empty()) return absl::OkStatus();
  return Guard("locking the job's resources", [&]() -> absl::Status {
    pqxx::nontransaction(*connection_).exec(LockStatement(locks));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<JobOutcome>> JobSession::LoadOutcome(
    int64_t job_id) {
  return Guard("reading a job outcome",
               [&]() -> absl::StatusOr<std::optional<JobOutcome>> {
                 pqxx::nontransaction tx(*connection_);
                 pqxx::result rows = tx.exec_params(
                     "SELECT state, status_code, status_message, result "
                     "FROM job_outcomes WHERE job_id = $1",
                     job_id);
                 if (rows.empty()) return std::nullopt;
                 JobOutcome outcome;
                 outcome.state = internal::StateFromName(rows[0][0].c_str());
                 outcome.status = StatusFromOutcomeRow(rows[0]);
                 if (!rows[0][3].is_null()) {
                   RETURN_IF_ERROR(internal::FromJson(rows[0][3].c_str(),
                                                      &outcome.result));
                 }
                 return outcome;
               });
}

absl::StatusOr<JobOutcome> JobSession::CommitOnce(const ClaimedJob& job,
                                                  const Body& body) {
  return Guard("running the job's transaction",
               [&]() -> absl::StatusOr<JobOutcome> {
                 pqxx::transaction<pqxx::serializable> tx(*connection_);
                 Transaction transaction(tx);
                 absl::StatusOr<v1::JobResult> result = body(transaction);
                 if (!result.ok()) {
                   const absl::StatusCode code = result.status().code();
                   if (code == absl::StatusCode::kAborted ||
                       code == absl::StatusCode::kUnavailable) {
                     return result.status();
                   }
                   // A domain error: keep nothing the body wrote.
                   tx.abort();
                   return RecordOutcome(job.id, result.status());
                 }
                 if (internal::ExecPrepared(tx, "insert_success_outcome",
                                            kInsertSuccessUnlessCancelled,
                                            job.id, internal::ToJson(*result))
                         .empty()) {
                   tx.abort();
                   return RecordOutcome(
                       job.id, absl::CancelledError("cancelled while running; "
                                                    "nothing was changed"));
                 }
                 tx.commit();
                 JobOutcome outcome;
                 outcome.state = v1::SUCCEEDED;
                 outcome.result = *std::move(result);
                 return outcome;
               });
}

absl::StatusOr<JobOutcome> JobSession::Commit(const ClaimedJob& job,
                                              const Body& body,
                                              const RetryPolicy& policy) {
  // Only an earlier attempt can have committed an outcome.
  std::optional<JobOutcome> earlier;
  if (job.attempt > 1) {
    ASSIGN_OR_RETURN(earlier, LoadOutcome(job.id));
    if (earlier.has_value()) return *earlier;
  }
  absl::BitGen random;
  absl::Duration backoff = policy.initial_backoff;
  absl::Status last_conflict;
  for (int attempt = 0; attempt < policy.max_attempts; ++attempt) {
    absl::StatusOr<JobOutcome> outcome = CommitOnce(job, body);
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
      RecordOutcome(job.id,
                    absl::AbortedError(absl::StrCat(
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
    internal::FinalizeJob(tx, job_id, log);
    internal::NotifyJobEnded(tx, job_id, /*and_unlock_all=*/true);
    return absl::OkStatus();
  });
}

absl::Status JobSession::Requeue(const ClaimedJob& job) {
  return Guard("requeueing a job", [&]() -> absl::Status {
    pqxx::work tx(*connection_);
    // The claim counted an attempt that never ran.
    tx.exec_params0(
        "UPDATE jobs SET state = 'queued', worker = '', "
        "attempts = attempts - 1 WHERE id = $1 AND state = 'running'",
        job.id);
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

absl::StatusOr<bool> JobSession::CancelRequested(int64_t job_id) {
  return Guard("checking for cancellation", [&]() -> absl::StatusOr<bool> {
    return !pqxx::nontransaction(*connection_)
                .exec_params(
                    "SELECT 1 FROM job_cancellations WHERE job_id = $1",
                    job_id)
                .empty();
  });
}

}  // namespace debrepo::storage
