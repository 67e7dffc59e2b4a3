// mirror.delete: drops a mirror; with force even while snapshots were made
// from it (they keep their packages and say their source was dropped).
#ifndef DEBREPO_WORKER_MIRROR_DELETE_MIRROR_JOB_H_
#define DEBREPO_WORKER_MIRROR_DELETE_MIRROR_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// DeleteMirrorJob runs mirror.delete.
class DeleteMirrorJob : public TypedJobHandler<v1::DeleteMirrorArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::DeleteMirrorArgs& drop,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_MIRROR_DELETE_MIRROR_JOB_H_
