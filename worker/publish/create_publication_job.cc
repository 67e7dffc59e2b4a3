#include "worker/publish/create_publication_job.h"

#include "common/status_macros.h"
#include "storage/publication_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::Publication> CreatePublicationJob::Prepare(
    const v1::CreatePublicationArgs& create, JobContext& context) const {
  const v1::PublicationRef ref = RefOf(create.publication());
  // The job holds the distribution's key: a publication there now is there
  // at commit too, so refuse before writing a tree for nothing.
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<storage::StoredPublication> existing,
                     storage::FindPublication(tx, ref));
    if (existing.has_value()) return storage::PublicationAlreadyExists(ref);
    return absl::OkStatus();
  }));
  return trees_.StageWithPoolDirectories(create.publication(), context);
}

absl::StatusOr<v1::JobResult> CreatePublicationJob::Apply(
    const v1::CreatePublicationArgs& create, const v1::Publication& staged,
    storage::Transaction& tx, JobContext& context) const {
  const v1::PublicationRef ref = RefOf(staged);
  ASSIGN_OR_RETURN(std::optional<storage::StoredPublication> existing,
                   storage::FindPublication(tx, ref));
  if (existing.has_value()) return storage::PublicationAlreadyExists(ref);
  return RecordTree(tx, staged, context);
}

absl::Status CreatePublicationJob::AfterCommit(
    const v1::CreatePublicationArgs& create, const v1::JobResult& committed,
    JobContext& context) const {
  return trees_.PutInPlace(RefOf(create.publication()), context);
}

}  // namespace debrepo::worker
