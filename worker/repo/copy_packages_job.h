// repo.copy_packages / repo.move_packages: copies (or moves) the packages
// of one repo that match a query into another.
#ifndef DEBREPO_WORKER_REPO_COPY_PACKAGES_JOB_H_
#define DEBREPO_WORKER_REPO_COPY_PACKAGES_JOB_H_

#include "worker/job_handler.h"
#include "worker/repo/package_copy.h"

namespace debrepo::worker {

// CopyPackagesJob runs repo.copy_packages and repo.move_packages (a copy
// that also removes from the source).
class CopyPackagesJob
    : public TypedJobHandler<v1::CopyPackagesArgs, PreparedCopy> {
 public:
  // With with_deps, resolves the dependency closure of the selected
  // packages within the source (the long phase; the source is locked).
  absl::StatusOr<PreparedCopy> Prepare(const v1::CopyPackagesArgs& copy,
                                       JobContext& context) const override;

  absl::StatusOr<v1::JobResult> Apply(const v1::CopyPackagesArgs& copy,
                                      const PreparedCopy& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_COPY_PACKAGES_JOB_H_
