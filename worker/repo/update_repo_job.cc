#include "worker/repo/update_repo_job.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "jobs/repo_update.h"
#include "storage/repo_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> UpdateRepoJob::Apply(
    const v1::UpdateRepoArgs& update, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  ASSIGN_OR_RETURN(const v1::Repo current,
                   storage::LoadRepo(tx, update.name()));
  v1::Repo updated = current;
  jobs::ApplyRepoUpdate(update, updated);
  // Invariant: a rename never takes a name another repo holds. Both names
  // are locked exclusively, so this check cannot be overtaken.
  if (updated.name() != current.name()) {
    ASSIGN_OR_RETURN(std::optional<v1::Repo> holder,
                     storage::FindRepo(tx, updated.name()));
    if (holder.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "cannot rename repo \"", current.name(), "\" to \"", updated.name(),
          "\": a repo of that name already exists"));
    }
  }
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_repo(),
                   storage::ReplaceRepo(tx, current.name(), updated));
  return result;
}

}  // namespace debrepo::worker
