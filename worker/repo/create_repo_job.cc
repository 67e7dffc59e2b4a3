#include "worker/repo/create_repo_job.h"

#include "common/status_macros.h"
#include "storage/repo_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> CreateRepoJob::Apply(
    const v1::CreateRepoArgs& create, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  // Invariant: repo names are unique. The name's exclusive lock orders
  // creates of one name; the unique index refuses a name taken (InsertRepo
  // says why it is not read first).
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_repo(),
                   storage::InsertRepo(tx, create.repo()));
  return result;
}

}  // namespace debrepo::worker
