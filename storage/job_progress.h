// The progress a running job's long phase reports: one row per job in
// job_progress (migration 14), written outside the job's transaction and
// shown with the job (Job.progress).
#ifndef DEBREPO_STORAGE_JOB_PROGRESS_H_
#define DEBREPO_STORAGE_JOB_PROGRESS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/database.h"

namespace debrepo::storage {

// WriteJobProgress records `progress` as the last progress of attempt
// `attempt` of job `job_id`, with update_time set to now, in a statement of
// its own (never inside a job's transaction, whose retries would lose it,
// and never on the job's session, which the long phase may be using on
// another thread). Written only while that attempt runs the job: a stale
// attempt (its worker lost its session but still runs) neither overwrites
// a newer attempt's progress nor shows on a requeued job, whose progress
// the requeue deleted.
absl::Status WriteJobProgress(Database& db, int64_t job_id, int attempt,
                              const v1::JobProgress& progress);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_JOB_PROGRESS_H_
