// snapshot.pull: makes a snapshot of a base with packages pulled from a
// source snapshot, with their dependencies (aptly's snapshot pull).
#ifndef DEBREPO_WORKER_SNAPSHOT_PULL_SNAPSHOT_JOB_H_
#define DEBREPO_WORKER_SNAPSHOT_PULL_SNAPSHOT_JOB_H_

#include "deb/package_selection.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

// PullSnapshotJob runs snapshot.pull.
class PullSnapshotJob
    : public TypedJobHandler<v1::PullSnapshotArgs, deb::PullPlan> {
 public:
  // Reads the base and the source (held shared since before this phase, so
  // as they are at lock time) and resolves what to pull.
  absl::StatusOr<deb::PullPlan> Prepare(const v1::PullSnapshotArgs& pull,
                                        JobContext& context) const override;

  absl::StatusOr<v1::JobResult> Apply(const v1::PullSnapshotArgs& pull,
                                      const deb::PullPlan& plan,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_SNAPSHOT_PULL_SNAPSHOT_JOB_H_
