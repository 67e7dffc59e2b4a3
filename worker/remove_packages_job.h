// repo.remove_packages: removes packages, by key or query, from a repo.
#ifndef DEBREPO_WORKER_REMOVE_PACKAGES_JOB_H_
#define DEBREPO_WORKER_REMOVE_PACKAGES_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

class RemovePackagesJob : public JobHandler {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::JobArgs& args,
                                      storage::Transaction& tx,
                                      JobContext& context) override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REMOVE_PACKAGES_JOB_H_
