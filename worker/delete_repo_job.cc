#include "worker/delete_repo_job.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/repo_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> DeleteRepoJob::Apply(const v1::JobArgs& args,
                                                   storage::Transaction& tx,
                                                   JobContext& /*context*/) {
  const std::string& name = args.delete_repo().name();
  ASSIGN_OR_RETURN(std::optional<v1::Repo> repo, storage::FindRepo(tx, name));
  if (!repo.has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "repo \"", name,
        "\" does not exist (it may have been renamed or dropped meanwhile)"));
  }
  // Snapshots and publications do not exist yet, so nothing can refer to a
  // repo; their issues add the in-use check (and what `force` overrides).
  RETURN_IF_ERROR(storage::DeleteRepo(tx, name));
  return v1::JobResult();
}

}  // namespace debrepo::worker
