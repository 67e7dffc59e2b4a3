// repo.update: edits a repo's comment and defaults, or renames it.
#ifndef DEBREPO_WORKER_REPO_UPDATE_REPO_JOB_H_
#define DEBREPO_WORKER_REPO_UPDATE_REPO_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// UpdateRepoJob runs repo.update.
class UpdateRepoJob : public TypedJobHandler<v1::UpdateRepoArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::UpdateRepoArgs& update,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_UPDATE_REPO_JOB_H_
