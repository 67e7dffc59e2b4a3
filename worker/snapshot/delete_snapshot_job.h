// snapshot.delete: drops a snapshot; while other snapshots were made from
// it, only with force, which marks their source entries dropped.
#ifndef DEBREPO_WORKER_SNAPSHOT_DELETE_SNAPSHOT_JOB_H_
#define DEBREPO_WORKER_SNAPSHOT_DELETE_SNAPSHOT_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// DeleteSnapshotJob runs snapshot.delete.
class DeleteSnapshotJob : public TypedJobHandler<v1::DeleteSnapshotArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::DeleteSnapshotArgs& drop,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_SNAPSHOT_DELETE_SNAPSHOT_JOB_H_
