// publish.switch: points components of a publication at other snapshots,
// writing the whole tree again and switching apt clients to it at once.
#ifndef DEBREPO_WORKER_PUBLISH_SWITCH_PUBLICATION_JOB_H_
#define DEBREPO_WORKER_PUBLISH_SWITCH_PUBLICATION_JOB_H_

#include "worker/job_handler.h"
#include "worker/publish/publication_tree.h"

namespace debrepo::worker {

// SwitchPublicationJob runs publish.switch; its prepared state is the
// publication as staged.
class SwitchPublicationJob
    : public TypedJobHandler<v1::SwitchPublicationArgs, v1::Publication> {
 public:
  explicit SwitchPublicationJob(const PublicationTrees* trees)
      : trees_(*trees) {}

  absl::StatusOr<v1::Publication> Prepare(
      const v1::SwitchPublicationArgs& switch_,
      JobContext& context) const override;
  absl::StatusOr<v1::JobResult> Apply(const v1::SwitchPublicationArgs& switch_,
                                      const v1::Publication& staged,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
  bool HasAfterCommit(const v1::SwitchPublicationArgs&) const override {
    return true;
  }
  absl::Status AfterCommit(const v1::SwitchPublicationArgs& switch_,
                           const v1::JobResult& committed,
                           JobContext& context) const override;

 private:
  const PublicationTrees& trees_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PUBLISH_SWITCH_PUBLICATION_JOB_H_
