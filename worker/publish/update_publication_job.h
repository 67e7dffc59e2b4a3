// publish.update: writes a publication's tree again, its repo components
// from the repos as they are now, with changed settings.
#ifndef DEBREPO_WORKER_PUBLISH_UPDATE_PUBLICATION_JOB_H_
#define DEBREPO_WORKER_PUBLISH_UPDATE_PUBLICATION_JOB_H_

#include "worker/job_handler.h"
#include "worker/publish/publication_tree.h"

namespace debrepo::worker {

// UpdatePublicationJob runs publish.update; its prepared state is the
// publication as staged.
class UpdatePublicationJob
    : public TypedJobHandler<v1::UpdatePublicationArgs, v1::Publication> {
 public:
  explicit UpdatePublicationJob(const PublicationTrees* trees)
      : trees_(*trees) {}

  absl::StatusOr<v1::Publication> Prepare(
      const v1::UpdatePublicationArgs& update,
      JobContext& context) const override;
  absl::StatusOr<v1::JobResult> Apply(const v1::UpdatePublicationArgs& update,
                                      const v1::Publication& staged,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
  bool HasAfterCommit(const v1::UpdatePublicationArgs&) const override {
    return true;
  }
  absl::Status AfterCommit(const v1::UpdatePublicationArgs& update,
                           const v1::JobResult& committed,
                           JobContext& context) const override;

 private:
  const PublicationTrees& trees_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PUBLISH_UPDATE_PUBLICATION_JOB_H_
