#include "worker/mirror/update_mirror_job.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "jobs/mirror_update.h"
#include "storage/mirror_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> UpdateMirrorJob::Apply(
    const v1::UpdateMirrorArgs& update, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  ASSIGN_OR_RETURN(const v1::Mirror current,
                   storage::LoadMirror(tx, update.name()));
  v1::Mirror updated = current;
  jobs::ApplyMirrorUpdate(update, updated);
  // The server checked the request against the mirror as it was then; an
  // edit that ran meanwhile may make this one's result invalid (a flat
  // distribution for a mirror that now names components).
  if (absl::Status valid = jobs::ValidateMirrorSettings(updated); !valid.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "mirror \"", current.name(), "\" as edited would be invalid: ",
        valid.message(), "; nothing was changed"));
  }
  // Invariant: a rename never takes a name another mirror holds. Both
  // names are locked exclusively, so this check cannot be overtaken.
  if (updated.name() != current.name()) {
    ASSIGN_OR_RETURN(std::optional<v1::Mirror> holder,
                     storage::FindMirror(tx, updated.name()));
    if (holder.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "cannot rename mirror \"", current.name(), "\" to \"", updated.name(),
          "\": a mirror of that name already exists"));
    }
  }
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_mirror(),
                   storage::ReplaceMirrorSettings(tx, current.name(), updated));
  return result;
}

}  // namespace debrepo::worker
