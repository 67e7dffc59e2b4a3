// mirror.create: adds a mirror, with no packages, under a name no other
// mirror has.
#ifndef DEBREPO_WORKER_MIRROR_CREATE_MIRROR_JOB_H_
#define DEBREPO_WORKER_MIRROR_CREATE_MIRROR_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// CreateMirrorJob runs mirror.create.
class CreateMirrorJob : public TypedJobHandler<v1::CreateMirrorArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::CreateMirrorArgs& create,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_MIRROR_CREATE_MIRROR_JOB_H_
