// snapshot.create: makes a snapshot of a local repo, of a mirror (its
// last synced list), of stored packages named by key, or an empty one.
#ifndef DEBREPO_WORKER_SNAPSHOT_CREATE_SNAPSHOT_JOB_H_
#define DEBREPO_WORKER_SNAPSHOT_CREATE_SNAPSHOT_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// CreateSnapshotJob runs snapshot.create.
class CreateSnapshotJob : public TypedJobHandler<v1::CreateSnapshotArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::CreateSnapshotArgs& create,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_SNAPSHOT_CREATE_SNAPSHOT_JOB_H_
