// RunAfterCommit: the after-commit phase of a job (DESIGN.md step 6), apart
// from the engine so that its retry rule can be tested without a database.
#ifndef DEBREPO_WORKER_AFTER_COMMIT_H_
#define DEBREPO_WORKER_AFTER_COMMIT_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

// AfterCommitBackoff spaces the retries of a failing after-commit step:
// from `initial`, doubling up to `max` (a full disk or an unreachable
// shared file system usually needs minutes, not milliseconds).
struct AfterCommitBackoff {
  absl::Duration initial = absl::Milliseconds(100);
  absl::Duration max = absl::Seconds(30);
};

// RunAfterCommit runs `handler`'s after-commit step for a job whose
// transaction committed `committed`, and retries it on error until it
// succeeds: the commit stands, and only the step completes the job. Between
// tries it calls `wait` with the back-off; when `wait` returns false (the
// worker is stopping and its grace period is over) it returns the last
// error, and recovery replays the step on another worker. Every failure
// and the success are logged on `context`.
absl::Status RunAfterCommit(const JobHandler& handler, const v1::JobArgs& args,
                            const v1::JobResult& committed, JobContext& context,
                            const AfterCommitBackoff& backoff,
                            const std::function<bool(absl::Duration)>& wait);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_AFTER_COMMIT_H_
