#include "storage/job_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"
#include "storage/job_channels.h"
#include "storage/job_maintenance.h"
#include "storage/job_rows.h"
#include "storage/repo_store.h"

namespace debrepo::storage {
namespace {

using internal::LoadJob;

// The rows of a job's requirements, from its three parallel arrays
// (parameters `resources`, `names`, `present`: whether each must exist),
// and whether row `r` is unmet: the one place that says how each
// jobs::Requirement::Resource is looked up (a read of one index entry,
// taking no predicate lock). A scalar subquery, not EXISTS: the planner
// may run an EXISTS as a hashed subplan, which reads the whole table on
// every submit (measured: 3.1 ms a submit after a few thousand creates,
// against 0.2 ms).
#define DEBREPO_SQL_REQUIREMENTS(resources, names, present)   \
  "unnest(" resources "::text[], " names "::text[], " present \
  "::bool[]) "                                                \
  "WITH ORDINALITY AS r (resource, name, present, n)"
#define DEBREPO_SQL_REQUIREMENT_UNMET                                    \
  "r.present IS DISTINCT FROM CASE r.resource "                          \
  "WHEN 'repo' THEN (SELECT true FROM repos WHERE repos.name = r.name) " \
  "IS NOT NULL END"

// Inserts the job with its keys in one statement, unless its request_id
// exists or one of its requirements is unmet. Its own result is not read:
// kNotifySubmitted reads the job back after the commit, by the id drawn
// here, and finds none when the insert yielded or was refused. The id is
// drawn whether or not a row is inserted (the statement's result reads
// it), so that the session's currval() is always this statement's.
constexpr char kInsertJob[] = R"sql(
  WITH new_job AS (SELECT nextval('jobs_id_seq') AS id),
  inserted AS (
    INSERT INTO jobs (id, kind, args, request_id, exclusive_keys, shared_keys)
    SELECT new_job.id, $1, $2::jsonb, nullif($3, ''), $4::text[], $5::text[]
    FROM new_job
    WHERE NOT EXISTS (
      SELECT 1 FROM )sql" DEBREPO_SQL_REQUIREMENTS("$6", "$7", "$8") R"sql(
      WHERE )sql" DEBREPO_SQL_REQUIREMENT_UNMET R"sql()
    ON CONFLICT (request_id) DO NOTHING
    RETURNING id, create_time),
  keys AS (
    INSERT INTO job_keys (key, job_id, exclusive)
    SELECT key, inserted.id, true FROM inserted, unnest($4::text[]) AS key
    UNION ALL
    SELECT key, inserted.id, false FROM inserted, unnest($5::text[]) AS key)
  SELECT id FROM new_job)sql";

// After kInsertJob committed, in a transaction of its own: the job it
// inserted (by the id it drew; nothing when the insert yielded to an
// earlier request with its request_id or was refused by a requirement),
// and, only then, the notification that wakes the workers for it if one
// of their runners waits for work (DEBREPO_SQL_WAKE_IDLE_CLAIMERS). It
// makes nothing durable, so it commits without waiting for the WAL flush,
// as NotifyJobQueued does (job_rows.h says why that matters).
constexpr char kNotifySubmitted[] = R"sql(
  SELECT id, )sql" DEBREPO_SQL_MICROS("create_time") R"sql(,
    )sql" DEBREPO_COMMIT_WITHOUT_FLUSH R"sql(,
    )sql" DEBREPO_SQL_WAKE_IDLE_CLAIMERS("$1") R"sql(
  FROM jobs
  -- A subquery, evaluated once: the volatile currval() compared row by
  -- row would scan the table instead of its primary key.
  WHERE id = (SELECT currval('jobs_id_seq')))sql";

// The position (from 1) of the first unmet requirement, if any.
constexpr char kFirstUnmetRequirement[] =
    "SELECT n FROM " DEBREPO_SQL_REQUIREMENTS(
        "$1", "$2", "$3") " WHERE " DEBREPO_SQL_REQUIREMENT_UNMET
                          " ORDER BY n LIMIT 1";

constexpr char kFindByRequestId[] = R"sql(
  SELECT id, kind = $2 AND args = $3::jsonb FROM jobs WHERE request_id = $1)sql";

// NewJob describes a job just inserted, from what was inserted.
v1::Job NewJob(const jobs::JobSpec& spec, absl::string_view request_id,
               const pqxx::row& inserted) {
  v1::Job job;
  job.set_id(inserted[0].as<int64_t>());
  job.set_kind(spec.kind);
  *job.mutable_args() = spec.args;
  internal::RedactJobArgs(*job.mutable_args());
  job.set_state(v1::QUEUED);
  job.set_request_id(std::string(request_id));
  if (auto time = internal::TimestampFrom(inserted[1])) {
    *job.mutable_create_time() = *time;
  }
  for (const std::string& key : spec.exclusive_keys) {
    job.add_exclusive_keys(key);
  }
  for (const std::string& key : spec.shared_keys) job.add_shared_keys(key);
  return job;
}

}  // namespace

namespace {

// The job an earlier request with `request_id` created, if any;
// INVALID_ARGUMENT when that request differed from `spec`.
absl::StatusOr<std::optional<v1::Job>> FindByRequestId(
    pqxx::transaction_base& tx, const jobs::JobSpec& spec,
    const std::string& args, absl::string_view request_id) {
  pqxx::result existing = tx.exec_params(
      kFindByRequestId, std::string(request_id), spec.kind, args);
  if (existing.empty()) return std::nullopt;
  const int64_t id = existing[0][0].as<int64_t>();
  if (!existing[0][1].as<bool>()) {
    return RequestIdUsedElsewhere(request_id, id);
  }
  return LoadJob(tx, id, /*with_log=*/false);
}

// Read with a queued job (LoadJobSql's more columns), in the statement
// that loads it: the live workers, and those of them that run its kind (a
// worker older than the kinds column may run any). Zeros for a job in any
// other state, which is not looked at.
constexpr char kLiveWorkersForKind[] = R"sql(,
  (SELECT count(*) FROM workers w
   WHERE j.state = 'queued'
     AND w.last_seen > now() - make_interval(secs => $2::double precision)),
  (SELECT count(*) FROM workers w
   WHERE j.state = 'queued'
     AND w.last_seen > now() - make_interval(secs => $2::double precision)
     AND (w.kinds IS NULL OR j.kind = ANY (w.kinds))))sql";

// Why a queued job of `kind` waits beyond its turn: "" unless no live
// worker runs its kind (during a rolling upgrade, or a kind whose workers
// are all stopped), which would otherwise look like a stuck queue.
// `workers` and `for_kind` are the counts of kLiveWorkersForKind.
std::string WaitingReason(const std::string& kind, int64_t workers,
                          int64_t for_kind) {
  if (for_kind > 0) return "";
  if (workers == 0) {
    return absl::StrCat(
        "waiting for a worker that runs ", kind,
        ": no worker is running (none sent a heartbeat in the last ",
        absl::FormatDuration(kWorkerLiveness), "); start debrepo-worker");
  }
  return absl::StrCat("waiting for a worker that runs ", kind, ": none of the ",
                      workers,
                      " live workers does; start a debrepo-worker version "
                      "that has a handler for it");
}

// The submits of one job that find its requirements met when its insert
// found one unmet (each raced a create or delete) before it gives up.
constexpr int kSubmitAttempts = 3;

// A job's requirements as the three parallel arrays kInsertJob takes, as
// SQL literals.
struct RequirementArrays {
  std::string resources;
  std::string names;
  std::string present;
};

absl::string_view ResourceName(jobs::Requirement::Resource resource) {
  switch (resource) {
    case jobs::Requirement::Resource::kRepo:
      return "repo";
  }
  return "";
}

RequirementArrays ArraysOf(const std::vector<jobs::Requirement>& requirements) {
  std::vector<std::string> resources, names, present;
  for (const jobs::Requirement& requirement : requirements) {
    resources.emplace_back(ResourceName(requirement.resource));
    names.push_back(requirement.name);
    present.push_back(requirement.exists ? "t" : "f");
  }
  return {internal::PgTextArray(resources), internal::PgTextArray(names),
          internal::PgTextArray(present)};
}

// The error of an unmet `requirement`: the one the job would end with.
absl::Status UnmetError(const jobs::Requirement& requirement) {
  switch (requirement.resource) {
    case jobs::Requirement::Resource::kRepo:
      return requirement.exists ? RepoNotFound(requirement.name)
                                : RepoAlreadyExists(requirement.name);
  }
  return absl::InternalError("unknown requirement");
}

// The answer to a submit of `spec` whose insert inserted nothing: the job
// an earlier request with `request_id` created (looked up first: that
// request, landing through another server, may be what made a requirement
// fail, and a retry must get its job, not the error), else the error of
// its first unmet requirement. nullopt when neither is found any more (a
// requirement unmet at the insert has been met since): submit again.
std::optional<absl::StatusOr<v1::Job>> WhyNotInserted(
    pqxx::transaction_base& tx, const jobs::JobSpec& spec,
    const std::string& args, absl::string_view request_id,
    const RequirementArrays& requirements) {
  if (!request_id.empty()) {
    absl::StatusOr<std::optional<v1::Job>> earlier =
        FindByRequestId(tx, spec, args, request_id);
    if (!earlier.ok()) return earlier.status();
    if (earlier->has_value()) return **std::move(earlier);
  }
  const pqxx::result unmet = internal::ExecPrepared(
      tx, "first_unmet_requirement", kFirstUnmetRequirement,
      requirements.resources, requirements.names, requirements.present);
  if (unmet.empty()) return std::nullopt;
  return UnmetError(spec.requirements.at(unmet[0][0].as<int64_t>() - 1));
}

}  // namespace

absl::StatusOr<std::optional<v1::Job>> JobStore::FindRetried(
    const jobs::JobSpec& spec, absl::string_view request_id) {
  if (request_id.empty()) return std::nullopt;
  absl::StatusOr<std::optional<v1::Job>> job;
  absl::Status status =
      db_.Run("looking up a request_id", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        job =
            FindByRequestId(tx, spec, internal::ToJson(spec.args), request_id);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return job;
}

absl::Status RequestIdUsedElsewhere(absl::string_view request_id,
                                    int64_t job_id) {
  return absl::InvalidArgumentError(
      absl::StrCat("request_id \"", request_id,
                   "\" was already used for a different request (job ", job_id,
                   "); use a new request_id for a new request"));
}

absl::StatusOr<std::optional<v1::Job>> JobStore::FindRequest(
    absl::string_view request_id) {
  if (request_id.empty()) return std::nullopt;
  absl::StatusOr<std::optional<v1::Job>> job;
  absl::Status status =
      db_.Run("looking up a request_id", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        pqxx::result existing =
            tx.exec_params("SELECT id FROM jobs WHERE request_id = $1",
                           std::string(request_id));
        if (existing.empty()) {
          job = std::nullopt;
          return absl::OkStatus();
        }
        job = LoadJob(tx, existing[0][0].as<int64_t>(), /*with_log=*/false);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return job;
}

absl::StatusOr<v1::Job> JobStore::Submit(const jobs::JobSpec& spec,
                                         absl::string_view request_id) {
  const std::string args = internal::ToJson(spec.args);
  const std::string exclusive = internal::PgTextArray(spec.exclusive_keys);
  const std::string shared = internal::PgTextArray(spec.shared_keys);
  const RequirementArrays requirements = ArraysOf(spec.requirements);
  absl::StatusOr<v1::Job> job;
  absl::Status status =
      db_.Run("submitting a job", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        for (int attempt = 1; attempt <= kSubmitAttempts; ++attempt) {
          // One round trip: the insert commits durably, then the job is
          // read back and the workers are woken.
          internal::TransactionBlock block(tx);
          const pqxx::result inserted = block.End(absl::StrCat(
              "BEGIN; ",
              internal::PreparedCall(tx, "insert_job", kInsertJob, spec.kind,
                                     args, std::string(request_id), exclusive,
                                     shared, requirements.resources,
                                     requirements.names, requirements.present),
              "; COMMIT; ",
              internal::PreparedCall(tx, "notify_submitted", kNotifySubmitted,
                                     kJobQueuedChannel)));
          if (!inserted.empty()) {
            job = NewJob(spec, request_id, inserted[0]);
            return absl::OkStatus();
          }
          std::optional<absl::StatusOr<v1::Job>> answer =
              WhyNotInserted(tx, spec, args, request_id, requirements);
          if (answer.has_value()) {
            job = *std::move(answer);
            return absl::OkStatus();
          }
        }
        job = absl::AbortedError(
            absl::StrCat("the resources this ", spec.kind,
                         " job names were created or "
                         "deleted while it was submitted, ",
                         kSubmitAttempts, " times; submit it again"));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return job;
}

absl::StatusOr<v1::Job> JobStore::Get(int64_t id) {
  absl::StatusOr<v1::Job> job;
  absl::Status status =
      db_.Run("reading a job", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        const pqxx::result rows = internal::ExecPrepared(
            tx, "load_job_to_show",
            internal::LoadJobSql(/*with_log=*/true, kLiveWorkersForKind), id,
            absl::ToDoubleSeconds(kWorkerLiveness));
        job = internal::JobFromLoadedRows(rows, id);
        if (job.ok() && job->state() == v1::QUEUED) {
          constexpr int kLive = internal::kLoadedJobLogColumn + 1;
          job->set_waiting_reason(
              WaitingReason(job->kind(), rows[0][kLive].as<int64_t>(),
                            rows[0][kLive + 1].as<int64_t>()));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return job;
}

absl::StatusOr<std::vector<v1::Job>> JobStore::List(const JobFilter& filter) {
  std::vector<v1::Job> jobs;
  absl::Status status = db_.Run(
      "listing jobs", [&](pqxx::connection& connection) -> absl::Status {
        pqxx::read_transaction tx(connection);
        pqxx::result rows = tx.exec_params(
            absl::StrCat("SELECT ", internal::kJobColumns,
                         " FROM jobs j "
                         "WHERE ($1::bigint = 0 OR j.id < $1::bigint) "
                         "AND ($2 = '' OR j.state = $2) "
                         "AND ($3 = '' OR j.kind = $3) "
                         "ORDER BY j.id DESC LIMIT $4"),
            filter.before_id, std::string(internal::StateName(filter.state)),
            filter.kind, filter.limit);
        for (const pqxx::row& row : rows) {
          absl::StatusOr<v1::Job> job = internal::JobFromRow(row);
          if (!job.ok()) return job.status();
          jobs.push_back(*std::move(job));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return jobs;
}

absl::StatusOr<v1::Job> JobStore::Cancel(int64_t id) {
  absl::StatusOr<v1::Job> job;
  absl::Status status =
      db_.Run("cancelling a job", [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        // Lock the row so a concurrent claim either sees the cancellation
        // or has already made the job running.
        pqxx::result rows = tx.exec_params(
            "SELECT state FROM jobs WHERE id = $1 FOR UPDATE", id);
        if (rows.empty()) {
          job = LoadJob(tx, id, /*with_log=*/false);  // NOT_FOUND
          return absl::OkStatus();
        }
        const std::string state = rows[0][0].c_str();
        bool ended = false;
        if (state == "queued") {
          internal::RecordFailure(
              tx, id,
              absl::CancelledError("cancelled before it started; nothing was "
                                   "changed"));
          ended = internal::FinalizeJob(tx, id);
        } else if (state == "running") {
          tx.exec_params0(
              "INSERT INTO job_cancellations (job_id) VALUES ($1) "
              "ON CONFLICT DO NOTHING",
              id);
        }
        job = LoadJob(tx, id, /*with_log=*/true);
        tx.commit();
        if (ended) {
          pqxx::nontransaction after(connection);
          internal::NotifyJobEnded(after, id);
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return job;
}

}  // namespace debrepo::storage
