// publish.delete: removes a publication's record, then (after the commit)
// its dists/<dist> tree and the pool files nothing else published in its
// prefix lists.
#ifndef DEBREPO_WORKER_PUBLISH_DELETE_PUBLICATION_JOB_H_
#define DEBREPO_WORKER_PUBLISH_DELETE_PUBLICATION_JOB_H_

#include "worker/job_handler.h"
#include "worker/publish/publication_tree.h"

namespace debrepo::worker {

// DeletePublicationJob runs publish.delete.
class DeletePublicationJob : public TypedJobHandler<v1::DeletePublicationArgs> {
 public:
  explicit DeletePublicationJob(const PublicationTrees* trees)
      : trees_(*trees) {}

  absl::StatusOr<v1::JobResult> Apply(const v1::DeletePublicationArgs& drop,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
  bool HasAfterCommit(const v1::DeletePublicationArgs&) const override {
    return true;
  }
  // With force_drop, files that cannot be removed are logged and left.
  absl::Status AfterCommit(const v1::DeletePublicationArgs& drop,
                           const v1::JobResult& committed,
                           JobContext& context) const override;

 private:
  const PublicationTrees& trees_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PUBLISH_DELETE_PUBLICATION_JOB_H_
