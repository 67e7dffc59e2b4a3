#include "worker/snapshot/update_snapshot_job.h"

#include <optional>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/snapshot_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> UpdateSnapshotJob::Apply(
    const v1::UpdateSnapshotArgs& update, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  ASSIGN_OR_RETURN(const v1::Snapshot current,
                   storage::LoadSnapshot(tx, update.name()));
  v1::Snapshot updated = current;
  if (absl::c_linear_search(update.fields(), "name")) {
    updated.set_name(update.snapshot().name());
  }
  if (absl::c_linear_search(update.fields(), "description")) {
    updated.set_description(update.snapshot().description());
  }
  // Invariant: a rename never takes a name another snapshot holds. Both
  // names are locked exclusively, so this check cannot be overtaken.
  if (updated.name() != current.name()) {
    ASSIGN_OR_RETURN(std::optional<v1::Snapshot> holder,
                     storage::FindSnapshot(tx, updated.name()));
    if (holder.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "cannot rename snapshot \"", current.name(), "\" to \"",
          updated.name(), "\": a snapshot of that name already exists"));
    }
  }
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_snapshot(),
                   storage::ReplaceSnapshot(tx, current.name(), updated));
  return result;
}

}  // namespace debrepo::worker
