#include "worker/repo/create_repo_job.h"

#include <optional>

#include "common/status_macros.h"
#include "storage/repo_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> CreateRepoJob::Apply(
    const v1::CreateRepoArgs& create, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  const v1::Repo& wanted = create.repo();
  // Invariant: repo names are unique. The name's exclusive lock and this
  // serializable read make the check and the insert one atomic step.
  ASSIGN_OR_RETURN(std::optional<v1::Repo> existing,
                   storage::FindRepo(tx, wanted.name()));
  if (existing.has_value()) {
    return storage::RepoAlreadyExists(wanted.name());
  }
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_repo(), storage::InsertRepo(tx, wanted));
  return result;
}

}  // namespace debrepo::worker
