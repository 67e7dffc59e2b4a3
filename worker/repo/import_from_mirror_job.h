// repo.import: copies packages of a mirror (as its last sync left them),
// with their dependencies unless asked not to, into a repo.
#ifndef DEBREPO_WORKER_REPO_IMPORT_FROM_MIRROR_JOB_H_
#define DEBREPO_WORKER_REPO_IMPORT_FROM_MIRROR_JOB_H_

#include "worker/job_handler.h"
#include "worker/repo/package_copy.h"

namespace debrepo::worker {

// ImportFromMirrorJob runs repo.import: a copy whose source is a mirror.
class ImportFromMirrorJob
    : public TypedJobHandler<v1::ImportFromMirrorArgs, PreparedCopy> {
 public:
  // Unless no_deps, resolves the dependency closure of the selected
  // packages within the mirror (the long phase; the mirror is locked).
  absl::StatusOr<PreparedCopy> Prepare(const v1::ImportFromMirrorArgs& import,
                                       JobContext& context) const override;

  absl::StatusOr<v1::JobResult> Apply(const v1::ImportFromMirrorArgs& import,
                                      const PreparedCopy& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_IMPORT_FROM_MIRROR_JOB_H_
