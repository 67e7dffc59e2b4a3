// repo.remove_packages: removes packages, by key or query, from a repo.
#ifndef DEBREPO_WORKER_REPO_REMOVE_PACKAGES_JOB_H_
#define DEBREPO_WORKER_REPO_REMOVE_PACKAGES_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// RemovePackagesJob runs repo.remove_packages.
class RemovePackagesJob : public TypedJobHandler<v1::RemovePackagesArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::RemovePackagesArgs& request,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_REMOVE_PACKAGES_JOB_H_
