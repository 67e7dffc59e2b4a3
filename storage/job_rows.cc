#include "storage/job_rows.h"

#include "absl/strings/str_cat.h"
#include "common/storable_text.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"
#include "storage/job_channels.h"

namespace debrepo::storage::internal {

// The last column is the job's last progress (JobProgress JSON, NULL when
// it reported none: storage/job_progress.h).
const char kJobColumns[] =
    "j.id, j.kind, j.args, j.state, j.request_id, "
    DEBREPO_SQL_MICROS("j.create_time") ", "
    DEBREPO_SQL_MICROS("j.start_time") ", "
    DEBREPO_SQL_MICROS("j.end_time") ", "
    "j.attempts, j.worker, j.result, j.status_code, j.status_message, "
    "EXISTS (SELECT 1 FROM job_cancellations c WHERE c.job_id = j.id), "
    "j.exclusive_keys, j.shared_keys, "
    "(SELECT jp.progress FROM job_progress jp WHERE jp.job_id = j.id)";

absl::string_view StateName(v1::JobState state) {
  switch (state) {
    case v1::QUEUED:
      return "queued";
    case v1::RUNNING:
      return "running";
    case v1::SUCCEEDED:
      return "succeeded";
    case v1::FAILED:
      return "failed";
    case v1::CANCELLED:
      return "cancelled";
    default:
      return "";
  }
}

v1::JobState StateFromName(absl::string_view name) {
  for (v1::JobState state :
       {v1::QUEUED, v1::RUNNING, v1::SUCCEEDED, v1::FAILED, v1::CANCELLED}) {
    if (StateName(state) == name) return state;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}

void RedactJobArgs(v1::JobArgs& args) {
  if (args.has_create_mirror()) {
    args.mutable_create_mirror()->mutable_mirror()->clear_keyring();
  }
  if (args.has_update_mirror()) {
    args.mutable_update_mirror()->mutable_mirror()->clear_keyring();
  }
}

absl::StatusOr<v1::Job> JobFromRow(const pqxx::row& row) {
  v1::Job job;
  job.set_id(row[0].as<int64_t>());
  job.set_kind(row[1].c_str());
  if (absl::Status status = FromJson(row[2].c_str(), job.mutable_args());
      !status.ok()) {
    return status;
  }
  RedactJobArgs(*job.mutable_args());
  job.set_state(StateFromName(row[3].c_str()));
  if (!row[4].is_null()) job.set_request_id(row[4].c_str());
  if (auto time = TimestampFrom(row[5])) {
    *job.mutable_create_time() = *time;
  }
  if (auto time = TimestampFrom(row[6])) {
    *job.mutable_start_time() = *time;
  }
  if (auto time = TimestampFrom(row[7])) {
    *job.mutable_end_time() = *time;
  }
  job.set_attempts(row[8].as<int>());
  job.set_worker(row[9].c_str());
  if (!row[10].is_null()) {
    if (absl::Status status = FromJson(row[10].c_str(), job.mutable_result());
        !status.ok()) {
      return status;
    }
  }
  job.set_status_code(row[11].as<int>());
  job.set_status_message(row[12].c_str());
  job.set_cancel_requested(row[13].as<bool>());
  for (std::string& key : ParseTextArray(row[14])) {
    job.add_exclusive_keys(std::move(key));
  }
  for (std::string& key : ParseTextArray(row[15])) {
    job.add_shared_keys(std::move(key));
  }
  if (!row[16].is_null()) {
    if (absl::Status status = FromJson(row[16].c_str(), job.mutable_progress());
        !status.ok()) {
      return status;
    }
  }
  return job;
}

std::string LoadJobSql(bool with_log, absl::string_view more_columns) {
  return absl::StrCat(
      "SELECT ", kJobColumns, ", ",
      with_log ? "ARRAY(SELECT line FROM job_logs l WHERE l.job_id = j.id "
                 "ORDER BY seq)"
               : "NULL",
      more_columns, " FROM jobs j WHERE j.id = $1");
}

absl::StatusOr<v1::Job> JobFromLoadedRows(const pqxx::result& rows,
                                          int64_t id) {
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "job ", id,
        " does not exist (finished jobs are pruned after the retention "
        "period); `debrepo task list` shows recent jobs"));
  }
  absl::StatusOr<v1::Job> job = JobFromRow(rows[0]);
  if (!job.ok()) return job;
  for (std::string& line : ParseTextArray(rows[0][kLoadedJobLogColumn])) {
    job->add_log(std::move(line));
  }
  return job;
}

absl::StatusOr<v1::Job> LoadJob(pqxx::transaction_base& tx, int64_t id,
                                bool with_log) {
  return JobFromLoadedRows(
      ExecPrepared(tx, with_log ? "load_job_with_log" : "load_job",
                   LoadJobSql(with_log), id),
      id);
}

namespace {

// One statement: data-modifying CTEs all run, atomically. Ends the job only
// if it has an outcome, has not ended yet, and owes no after-commit step
// unless $3 says the caller ran it. The job's end time is this
// statement's clock: the outcome's time is its transaction's start
// (PostgreSQL's now()), before the job's own work and after-commit step.
// The statement's select list follows (its FROM is the finished rows).
constexpr char kFinishJob[] = R"sql(
      WITH finished AS (
        UPDATE jobs j SET state = o.state, end_time = clock_timestamp(),
            status_code = o.status_code, status_message = o.status_message,
            result = o.result
        FROM job_outcomes o
        WHERE j.id = $1 AND o.job_id = j.id
          AND j.state IN ('queued', 'running')
          AND ($3 OR NOT o.after_commit)
        RETURNING j.id),
      logged AS (
        INSERT INTO job_logs (job_id, line)
        SELECT $1, line FROM unnest($2::text[]) WITH ORDINALITY AS l (line, n)
        ORDER BY n),
      freed_keys AS (
        DELETE FROM job_keys WHERE job_id IN (SELECT id FROM finished)),
      dropped_cancellation AS (
        DELETE FROM job_cancellations WHERE job_id IN (SELECT id FROM finished))
      SELECT count(*) > 0)sql";

// The statement that notifies that job $2 ended (its keys dropped and
// committed), as a PreparedCall. Claimers are woken only when a job left
// holds or waits for one of its keys in a conflicting way (either side
// exclusive): only those can have been blocked by it; and only when some
// runner waits for work (DEBREPO_SQL_WAKE_IDLE_CLAIMERS). A runner that
// finishes claims again by itself; without these tests every finish woke
// every worker. The read runs after the finish committed, so a conflicting
// job submitted later is not missed either: its own submit notifies.
constexpr char kNotifyJobEnded[] = R"sql(
  SELECT )sql" DEBREPO_COMMIT_WITHOUT_FLUSH R"sql(, pg_notify($1, $2::text),
    (SELECT )sql" DEBREPO_SQL_WAKE_IDLE_CLAIMERS("$3") R"sql( FROM jobs ended
     WHERE ended.id = $2::bigint
       AND (EXISTS (SELECT 1 FROM job_keys k
                    WHERE k.key = ANY (ended.exclusive_keys))
         OR EXISTS (SELECT 1 FROM job_keys k
                    WHERE k.key = ANY (ended.shared_keys) AND k.exclusive))))sql";

std::string NotifyJobEndedCall(pqxx::transaction_base& tx, int64_t id) {
  return PreparedCall(tx, "notify_job_ended", kNotifyJobEnded, kJobDoneChannel,
                      id, kJobQueuedChannel);
}

}  // namespace

bool FinalizeJob(pqxx::transaction_base& tx, int64_t id,
                 const std::vector<std::string>& log) {
  return ExecPrepared(tx, "finalize_job",
                      absl::StrCat(kFinishJob, " FROM finished"), id,
                      PgTextArray(log), false)[0][0]
      .as<bool>();
}

void FinishOwnJobAndNotify(pqxx::transaction_base& tx, int64_t id,
                           const std::vector<std::string>& log) {
  // The select list is evaluated after the aggregate has read every
  // finished row: the job's row is updated (and row-locked until the
  // COMMIT right after, so recovery's probe skips it) before its owner's
  // locks go. One round trip: the finish commits durably, then the
  // notification commits in a transaction of its own, as NotifyJobEnded
  // explains.
  TransactionBlock block(tx);
  block.End(absl::StrCat(
      "BEGIN; ",
      PreparedCall(
          tx, "finish_own_job",
          absl::StrCat(kFinishJob, ", pg_advisory_unlock_all() FROM finished"),
          id, PgTextArray(log), true),
      "; COMMIT; ", NotifyJobEndedCall(tx, id)));
}

void RecordFailure(pqxx::transaction_base& tx, int64_t id,
                   const absl::Status& status) {
  ExecPrepared(
      tx, "record_failure", R"sql(
      INSERT INTO job_outcomes (job_id, state, status_code, status_message)
      VALUES ($1, $2, $3, $4)
      ON CONFLICT (job_id) DO NOTHING)sql",
      id,
      status.code() == absl::StatusCode::kCancelled ? "cancelled" : "failed",
      static_cast<int>(status.code()), StorableText(status.message()));
}

void NotifyJobEnded(pqxx::transaction_base& tx, int64_t id) {
  tx.exec(NotifyJobEndedCall(tx, id));
}

void NotifyJobQueued(pqxx::transaction_base& tx) {
  ExecPrepared(tx, "notify_job_queued",
               "SELECT " DEBREPO_COMMIT_WITHOUT_FLUSH ", pg_notify($1, '')",
               kJobQueuedChannel);
}

}  // namespace debrepo::storage::internal
