// mirror.update: edits a mirror's settings, or renames it. Its package
// list stays as the last sync left it; the next sync uses the new
// settings.
#ifndef DEBREPO_WORKER_MIRROR_UPDATE_MIRROR_JOB_H_
#define DEBREPO_WORKER_MIRROR_UPDATE_MIRROR_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// UpdateMirrorJob runs mirror.update.
class UpdateMirrorJob : public TypedJobHandler<v1::UpdateMirrorArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::UpdateMirrorArgs& update,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_MIRROR_UPDATE_MIRROR_JOB_H_
