#include "worker/snapshot/delete_snapshot_job.h"

#include "common/status_macros.h"
#include "storage/snapshot_store.h"
#include "worker/snapshot/dependants.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> DeleteSnapshotJob::Apply(
    const v1::DeleteSnapshotArgs& drop, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  RETURN_IF_ERROR(storage::LoadSnapshot(tx, drop.name()).status());
  // Jobs making a snapshot from this one hold it shared, so none is
  // running now: the dependants read here are all there are.
  RETURN_IF_ERROR(ReleaseDependants(tx, v1::SnapshotSource::SNAPSHOT,
                                    drop.name(), drop.force()));
  RETURN_IF_ERROR(storage::DeleteSnapshot(tx, drop.name()));
  return v1::JobResult();
}

}  // namespace debrepo::worker
