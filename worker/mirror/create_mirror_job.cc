#include "worker/mirror/create_mirror_job.h"

#include <optional>

#include "common/status_macros.h"
#include "storage/mirror_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> CreateMirrorJob::Apply(
    const v1::CreateMirrorArgs& create, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  const v1::Mirror& wanted = create.mirror();
  // Invariant: mirror names are unique. The name's exclusive lock and this
  // serializable read make the check and the insert one atomic step.
  ASSIGN_OR_RETURN(std::optional<v1::Mirror> existing,
                   storage::FindMirror(tx, wanted.name()));
  if (existing.has_value()) return storage::MirrorAlreadyExists(wanted.name());
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_mirror(), storage::InsertMirror(tx, wanted));
  return result;
}

}  // namespace debrepo::worker
