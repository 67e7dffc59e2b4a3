// repo.add_packages: adds stored packages to a repo by key.
#ifndef DEBREPO_WORKER_REPO_ADD_PACKAGES_JOB_H_
#define DEBREPO_WORKER_REPO_ADD_PACKAGES_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// AddPackagesJob runs repo.add_packages.
class AddPackagesJob : public TypedJobHandler<v1::AddPackagesArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::AddPackagesArgs& add,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_ADD_PACKAGES_JOB_H_
