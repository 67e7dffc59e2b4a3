// repo.delete: drops a repo that nothing refers to.
#ifndef DEBREPO_WORKER_REPO_DELETE_REPO_JOB_H_
#define DEBREPO_WORKER_REPO_DELETE_REPO_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// DeleteRepoJob runs repo.delete.
class DeleteRepoJob : public TypedJobHandler<v1::DeleteRepoArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::DeleteRepoArgs& drop,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_DELETE_REPO_JOB_H_
