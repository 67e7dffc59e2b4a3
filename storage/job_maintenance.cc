#include "storage/job_maintenance.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "pqxx/pqxx"
#include "storage/database.h"
#include "storage/internal_pg.h"
#include "storage/job_rows.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

// Locks the job row (skipping one another maintainer holds) and probes
// its job lock; the transaction-level probe lock is dropped at COMMIT.
constexpr char kProbeOrphan[] =
    "SELECT j.attempts, j.worker, "
    "EXISTS (SELECT 1 FROM job_outcomes o WHERE o.job_id = j.id), "
    "EXISTS (SELECT 1 FROM job_cancellations c WHERE c.job_id = j.id), "
    "EXISTS (SELECT 1 FROM job_outcomes o WHERE o.job_id = j.id "
    "AND o.after_commit) "
    "FROM jobs j WHERE j.id = $1 AND j.state = 'running' "
    "AND pg_try_advisory_xact_lock(" DEBREPO_SQL_JOB_LOCK("j.id") ") "
    "FOR UPDATE SKIP LOCKED";

// Running jobs whose job lock nobody holds: one look at pg_locks instead
// of a probing transaction per running job on every pass. Each candidate
// is still probed (kProbeOrphan), which is what decides.
constexpr char kOrphanCandidates[] = R"sql(
  SELECT j.id FROM jobs j
  WHERE j.state = 'running'
    AND NOT EXISTS (
      SELECT 1 FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_database
                          WHERE datname = current_database())
        AND l.classid::bigint = j.id / 2147483648
        AND l.objid::bigint = j.id % 2147483648)
  ORDER BY j.id)sql";

// Puts a running job back in the queue, with `why` in its log, and
// deletes the progress of its dead attempt. It keeps its place: its keys
// stay, so no job it conflicts with overtakes it.
void Requeue(pqxx::transaction_base& tx, int64_t id, const std::string& why) {
  tx.exec_params0("UPDATE jobs SET state = 'queued', worker = '' WHERE id = $1",
                  id);
  tx.exec_params0("DELETE FROM job_progress WHERE job_id = $1", id);
  tx.exec_params0("INSERT INTO job_logs (job_id, line) VALUES ($1, $2)", id,
                  why);
}

// Queued jobs by kind, but for the kinds $1.
constexpr char kQueuedJobsOfOtherKinds[] = R"sql(
  SELECT kind, count(*) FROM jobs
  WHERE state = 'queued' AND NOT kind = ANY ($1::text[])
  GROUP BY kind ORDER BY kind)sql";

}  // namespace

absl::StatusOr<std::unique_ptr<JobMaintenance>> JobMaintenance::Open(
    const std::string& dsn) {
  ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> connection, Connect(dsn));
  return std::unique_ptr<JobMaintenance>(
      new JobMaintenance(std::move(connection)));
}

JobMaintenance::JobMaintenance(std::unique_ptr<pqxx::connection> connection)
    : connection_(std::move(connection)) {}

absl::StatusOr<std::vector<int64_t>> EndedJobs(
    Transaction& tx, const std::vector<int64_t>& ids) {
  return internal::Guard(
      "finding ended jobs", [&]() -> absl::StatusOr<std::vector<int64_t>> {
        std::vector<int64_t> ended;
        for (const pqxx::row& row : tx.pqxx().exec_params(
                 "SELECT i FROM unnest($1::bigint[]) i WHERE NOT EXISTS "
                 "(SELECT 1 FROM jobs j WHERE j.id = i "
                 "AND j.state IN ('queued', 'running')) ORDER BY i",
                 absl::StrCat("{", absl::StrJoin(ids, ","), "}"))) {
          ended.push_back(row[0].as<int64_t>());
        }
        return ended;
      });
}

absl::StatusOr<std::vector<int64_t>> JobMaintenance::EndedJobs(
    const std::vector<int64_t>& ids) {
  return Guard("finding ended jobs",
               [&]() -> absl::StatusOr<std::vector<int64_t>> {
                 pqxx::read_transaction tx(*connection_);
                 Transaction transaction(tx);
                 return storage::EndedJobs(transaction, ids);
               });
}

bool JobMaintenance::Healthy() const { return connection_->is_open(); }

absl::StatusOr<RecoveryReport> JobMaintenance::RecoverOrphans(
    int max_attempts) {
  return Guard(
      "recovering jobs of dead workers",
      [&]() -> absl::StatusOr<RecoveryReport> {
        RecoveryReport report;
        std::vector<int64_t> running;
        for (const pqxx::row& row :
             pqxx::nontransaction(*connection_).exec(kOrphanCandidates)) {
          running.push_back(row[0].as<int64_t>());
        }
        for (int64_t id : running) {
          pqxx::work tx(*connection_);
          pqxx::result rows = tx.exec_params(kProbeOrphan, id);
          if (rows.empty()) continue;  // alive, done, or taken
          const int attempts = rows[0][0].as<int>();
          const std::string worker = rows[0][1].c_str();
          if (rows[0][4].as<bool>()) {
            // Committed, but its after-commit step may not have
            // run: a worker must replay it before the job ends.
            // Whatever the attempts so far, for the commit stands
            // and only finishing the step completes the job.
            Requeue(tx, id,
                    absl::StrCat("worker ", worker, " died after attempt ",
                                 attempts,
                                 " committed; requeued to finish its "
                                 "after-commit step"));
            ++report.requeued;
          } else if (rows[0][2].as<bool>()) {
            ++report.finalized;
          } else if (rows[0][3].as<bool>()) {
            internal::RecordFailure(
                tx, id,
                absl::CancelledError(
                    absl::StrCat("cancelled; its worker ", worker,
                                 " died meanwhile. Nothing was changed")));
            ++report.failed;
          } else if (attempts >= max_attempts) {
            internal::RecordFailure(
                tx, id,
                absl::AbortedError(
                    absl::StrCat("the worker running it died ", attempts,
                                 " times (last: ", worker,
                                 "); nothing was changed. Check the workers' "
                                 "logs, then retry")));
            ++report.failed;
          } else {
            Requeue(tx, id,
                    absl::StrCat("worker ", worker, " died during attempt ",
                                 attempts, "; requeued"));
            ++report.requeued;
          }
          // Ends only what is settled (not a job requeued to run
          // its after-commit step).
          const bool ended = internal::FinalizeJob(tx, id);
          tx.commit();
          pqxx::nontransaction after(*connection_);
          if (ended) {
            internal::NotifyJobEnded(after, id);
          } else {
            internal::NotifyJobQueued(after);
          }
        }
        return report;
      });
}

absl::StatusOr<int> JobMaintenance::PruneFinished(absl::Duration retention) {
  return Guard("pruning finished jobs", [&]() -> absl::StatusOr<int> {
    pqxx::work tx(*connection_);
    const std::string cutoff_seconds =
        absl::StrCat(absl::ToInt64Seconds(retention));
    tx.exec_params0(
        "DELETE FROM job_outcomes o USING jobs j WHERE j.id = o.job_id "
        "AND j.end_time < now() - make_interval(secs => $1::double precision)",
        cutoff_seconds);
    tx.exec_params0(
        "DELETE FROM publication_pool_changes c USING jobs j "
        "WHERE j.id = c.job_id AND j.end_time < now() - "
        "make_interval(secs => $1::double precision)",
        cutoff_seconds);
    pqxx::result deleted = tx.exec_params(
        "DELETE FROM jobs WHERE end_time < now() - "
        "make_interval(secs => $1::double precision) RETURNING id",
        cutoff_seconds);
    // A cancellation matters only while its job runs. Finishing a job
    // drops its request; this also catches one that outlived its job.
    tx.exec0(
        "DELETE FROM job_cancellations c WHERE NOT EXISTS (SELECT 1 FROM jobs "
        "j WHERE j.id = c.job_id AND j.state IN ('queued', 'running'))");
    // A runner's idle mark that outlived its session would only make every
    // submit notify.
    tx.exec0(
        "DELETE FROM idle_runners WHERE pid NOT IN "
        "(SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)");
    tx.commit();
    return static_cast<int>(deleted.size());
  });
}

absl::Status JobMaintenance::Heartbeat(const std::string& worker_id,
                                       int64_t jobs_done, int64_t transactions,
                                       int64_t serialization_retries,
                                       const std::vector<std::string>& kinds) {
  return Guard("recording a worker heartbeat", [&]() -> absl::Status {
    pqxx::nontransaction(*connection_)
        .exec_params0(
            "INSERT INTO workers (id, jobs_done, transactions, "
            "serialization_retries, kinds) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (id) DO UPDATE SET last_seen = now(), "
            "jobs_done = $2, transactions = $3, serialization_retries = $4, "
            "kinds = $5",
            worker_id, jobs_done, transactions, serialization_retries,
            internal::PgTextArray(kinds));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<KindCount>> JobMaintenance::QueuedJobsOfOtherKinds(
    const std::vector<std::string>& kinds) {
  return Guard(
      "counting queued jobs by kind",
      [&]() -> absl::StatusOr<std::vector<KindCount>> {
        pqxx::nontransaction tx(*connection_);
        std::vector<KindCount> counts;
        for (const pqxx::row& row : tx.exec_params(
                 kQueuedJobsOfOtherKinds, internal::PgTextArray(kinds))) {
          counts.push_back({row[0].as<std::string>(), row[1].as<int64_t>()});
        }
        return counts;
      });
}

}  // namespace debrepo::storage
