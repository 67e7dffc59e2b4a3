#include "worker/publish/delete_publication_job.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/publication_store.h"

namespace debrepo::worker {
namespace {

v1::PublicationRef RefOfDrop(const v1::DeletePublicationArgs& drop) {
  return storage::MakePublicationRef(drop.storage(), drop.prefix(),
                                     drop.distribution());
}

}  // namespace

absl::StatusOr<v1::JobResult> DeletePublicationJob::Apply(
    const v1::DeletePublicationArgs& drop, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& context) const {
  RETURN_IF_ERROR(storage::LoadPublication(tx, RefOfDrop(drop)).status());
  RETURN_IF_ERROR(
      storage::DeletePublication(tx, RefOfDrop(drop), context.job_id()));
  return v1::JobResult();
}

absl::Status DeletePublicationJob::AfterCommit(
    const v1::DeletePublicationArgs& drop, const v1::JobResult& /*committed*/,
    JobContext& context) const {
  absl::Status removed = trees_.TakeDown(RefOfDrop(drop), context);
  if (removed.ok() || !drop.force_drop()) return removed;
  context.Log(
      absl::StrCat("left files in place (force_drop): ", removed.ToString()));
  return absl::OkStatus();
}

}  // namespace debrepo::worker
