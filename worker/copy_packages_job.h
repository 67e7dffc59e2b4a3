// repo.copy_packages / repo.move_packages: copies (or moves) the packages
// of one repo that match a query into another.
#ifndef DEBREPO_WORKER_COPY_PACKAGES_JOB_H_
#define DEBREPO_WORKER_COPY_PACKAGES_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

class CopyPackagesJob : public JobHandler {
 public:
  // With with_deps, resolves the dependency closure of the selected
  // packages within the source (the long phase; the source is locked).
  absl::Status Prepare(const v1::JobArgs& args, JobContext& context) override;

  absl::StatusOr<v1::JobResult> Apply(const v1::JobArgs& args,
                                      storage::Transaction& tx,
                                      JobContext& context) override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_COPY_PACKAGES_JOB_H_
