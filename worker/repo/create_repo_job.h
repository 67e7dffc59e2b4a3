// repo.create: adds a local repo under a name no other repo has.
#ifndef DEBREPO_WORKER_REPO_CREATE_REPO_JOB_H_
#define DEBREPO_WORKER_REPO_CREATE_REPO_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// CreateRepoJob runs repo.create.
class CreateRepoJob : public TypedJobHandler<v1::CreateRepoArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::CreateRepoArgs& create,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_CREATE_REPO_JOB_H_
