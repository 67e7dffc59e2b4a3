#include "worker/repo/delete_repo_job.h"

#include "common/status_macros.h"
#include "storage/repo_store.h"
#include "worker/snapshot/dependants.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> DeleteRepoJob::Apply(
    const v1::DeleteRepoArgs& drop, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  const std::string& name = drop.name();
  RETURN_IF_ERROR(storage::LoadRepo(tx, name).status());
  // Jobs making a snapshot of this repo hold it shared, so none is running
  // now: the snapshots read here are all there are.
  RETURN_IF_ERROR(
      ReleaseDependants(tx, v1::SnapshotSource::REPO, name, drop.force()));
  RETURN_IF_ERROR(storage::DeleteRepo(tx, name));
  return v1::JobResult();
}

}  // namespace debrepo::worker
