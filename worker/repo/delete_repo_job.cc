#include "worker/repo/delete_repo_job.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/repo_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> DeleteRepoJob::Apply(
    const v1::DeleteRepoArgs& drop, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  const std::string& name = drop.name();
  RETURN_IF_ERROR(storage::LoadRepo(tx, name).status());
  // Snapshots and publications do not exist yet, so nothing can refer to a
  // repo; their issues add the in-use check (and what `force` overrides).
  RETURN_IF_ERROR(storage::DeleteRepo(tx, name));
  return v1::JobResult();
}

}  // namespace debrepo::worker
