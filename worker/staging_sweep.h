// Sweeping a staging root ("<root>/job-<id>/...", JobContext::StagingDir)
// of what jobs that have ended left behind: the engine removes a job's
// directory only on the worker that finishes the job, so one finalized or
// failed by recovery, or retried elsewhere, would leave it forever.
#ifndef DEBREPO_WORKER_STAGING_SWEEP_H_
#define DEBREPO_WORKER_STAGING_SWEEP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace debrepo::worker {

// An EndedJobsReader returns those of the ids it is given whose job has
// ended or been pruned (storage::EndedJobs).
using EndedJobsReader = std::function<absl::StatusOr<std::vector<int64_t>>(
    const std::vector<int64_t>&)>;

// RemoveStagingOfEndedJobs removes the "job-<id>" directories in
// `staging_root` whose job has ended, as `ended_jobs` says; returns how
// many it removed. Best effort: one it cannot remove stays for the next
// sweep. A job that is queued or running keeps its directory (its shared
// partial downloads, or what a committed attempt staged for its
// after-commit step).
absl::StatusOr<int> RemoveStagingOfEndedJobs(const std::string& staging_root,
                                             const EndedJobsReader& ended_jobs);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_STAGING_SWEEP_H_
