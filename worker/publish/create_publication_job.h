// publish.create: writes a new publication's tree in the long phase,
// records the publication, and puts the tree in place after the commit.
#ifndef DEBREPO_WORKER_PUBLISH_CREATE_PUBLICATION_JOB_H_
#define DEBREPO_WORKER_PUBLISH_CREATE_PUBLICATION_JOB_H_

#include "worker/job_handler.h"
#include "worker/publish/publication_tree.h"

namespace debrepo::worker {

// CreatePublicationJob runs publish.create; its prepared state is the
// publication as staged (architectures resolved).
class CreatePublicationJob
    : public TypedJobHandler<v1::CreatePublicationArgs, v1::Publication> {
 public:
  explicit CreatePublicationJob(const PublicationTrees* trees)
      : trees_(*trees) {}

  absl::StatusOr<v1::Publication> Prepare(
      const v1::CreatePublicationArgs& create,
      JobContext& context) const override;
  absl::StatusOr<v1::JobResult> Apply(const v1::CreatePublicationArgs& create,
                                      const v1::Publication& staged,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
  bool HasAfterCommit(const v1::CreatePublicationArgs&) const override {
    return true;
  }
  absl::Status AfterCommit(const v1::CreatePublicationArgs& create,
                           const v1::JobResult& committed,
                           JobContext& context) const override;

 private:
  const PublicationTrees& trees_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PUBLISH_CREATE_PUBLICATION_JOB_H_
