#include "storage/job_progress.h"

#include <string>

#include "google/protobuf/util/time_util.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"

namespace debrepo::storage {

absl::Status WriteJobProgress(Database& db, int64_t job_id, int attempt,
                              const v1::JobProgress& progress) {
  v1::JobProgress stamped = progress;
  *stamped.mutable_update_time() =
      google::protobuf::util::TimeUtil::GetCurrentTime();
  const std::string json = internal::ToJson(stamped);
  return db.Run("recording a job's progress",
                [&](pqxx::connection& connection) {
                  pqxx::nontransaction tx(connection);
                  internal::ExecPrepared(tx, "write_job_progress", R"sql(
        INSERT INTO job_progress (job_id, attempt, progress)
        SELECT $1, $3, $2::jsonb FROM jobs
        WHERE id = $1 AND state = 'running' AND attempts = $3
        ON CONFLICT (job_id) DO UPDATE
        SET attempt = excluded.attempt, progress = excluded.progress,
            update_time = now()
        WHERE job_progress.attempt <= excluded.attempt)sql",
                                         job_id, json, attempt);
                  return absl::OkStatus();
                });
}

}  // namespace debrepo::storage
