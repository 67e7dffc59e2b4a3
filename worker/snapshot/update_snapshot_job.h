// snapshot.update: renames a snapshot or changes its description.
#ifndef DEBREPO_WORKER_SNAPSHOT_UPDATE_SNAPSHOT_JOB_H_
#define DEBREPO_WORKER_SNAPSHOT_UPDATE_SNAPSHOT_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// UpdateSnapshotJob runs snapshot.update.
class UpdateSnapshotJob : public TypedJobHandler<v1::UpdateSnapshotArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::UpdateSnapshotArgs& update,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_SNAPSHOT_UPDATE_SNAPSHOT_JOB_H_
