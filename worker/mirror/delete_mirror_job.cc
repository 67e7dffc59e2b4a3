#include "worker/mirror/delete_mirror_job.h"

#include "common/status_macros.h"
#include "storage/mirror_store.h"
#include "worker/snapshot/dependants.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> DeleteMirrorJob::Apply(
    const v1::DeleteMirrorArgs& drop, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  const std::string& name = drop.name();
  RETURN_IF_ERROR(storage::LoadMirror(tx, name).status());
  // Jobs making a snapshot of this mirror hold it shared, and syncs hold it
  // exclusively, so none is running now: the snapshots read here are all
  // there are, and no sync writes the row after it is gone.
  RETURN_IF_ERROR(
      ReleaseDependants(tx, v1::SnapshotSource::MIRROR, name, drop.force()));
  RETURN_IF_ERROR(storage::DeleteMirror(tx, name));
  return v1::JobResult();
}

}  // namespace debrepo::worker
