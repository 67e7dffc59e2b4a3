// repo.create: adds a local repo under a name no other repo has.
#ifndef DEBREPO_WORKER_CREATE_REPO_JOB_H_
#define DEBREPO_WORKER_CREATE_REPO_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

class CreateRepoJob : public JobHandler {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::JobArgs& args,
                                      storage::Transaction& tx,
                                      JobContext& context) override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_CREATE_REPO_JOB_H_
