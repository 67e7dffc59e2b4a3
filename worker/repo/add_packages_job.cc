#include "worker/repo/add_packages_job.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/package_store.h"
#include "storage/repo_store.h"
#include "worker/repo/bounded_lists.h"
#include "worker/repo/conflict_error.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> AddPackagesJob::Apply(
    const v1::AddPackagesArgs& add, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  RETURN_IF_ERROR(storage::LoadRepo(tx, add.name()).status());
  const std::vector<std::string> keys(add.keys().begin(), add.keys().end());
  RETURN_IF_ERROR(CheckPackagesStored(tx, keys, "nothing was added"));
  // Invariant: a repo never holds two different packages with the same
  // name, version and architecture.
  ASSIGN_OR_RETURN(std::vector<storage::KeyConflict> conflicts,
                   storage::FindRepoConflicts(tx, add.name(), keys));
  if (!conflicts.empty()) {
    return ConflictError(add.name(), conflicts,
                         "Nothing was added; remove those first");
  }
  RETURN_IF_ERROR(storage::AddToRepo(tx, add.name(), keys));
  v1::JobResult result;
  v1::CopyPackagesResult& added = *result.mutable_copy_packages();
  added.set_copied_count(
      ListAtMost(keys, kMaxKeysInResult, *added.mutable_copied()));
  return result;
}

}  // namespace debrepo::worker
