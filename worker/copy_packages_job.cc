#include "worker/copy_packages_job.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "deb/query.h"
#include "storage/package_store.h"
#include "storage/repo_store.h"
#include "worker/package_import.h"

namespace debrepo::worker {
absl::StatusOr<v1::JobResult> CopyPackagesJob::Apply(
    const v1::JobArgs& args, storage::Transaction& tx,
    JobContext& /*context*/) {
  const v1::CopyPackagesArgs& copy = args.copy_packages();
  RETURN_IF_ERROR(storage::LoadRepo(tx, copy.source()).status());
  RETURN_IF_ERROR(storage::LoadRepo(tx, copy.destination()).status());
  std::optional<deb::Query> query;
  if (!copy.query().empty()) {
    ASSIGN_OR_RETURN(query, deb::Query::Parse(copy.query()));
  }
  // The source as it is now, under its lock: never a stale copy.
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   storage::SelectRepoPackageKeys(tx, copy.source(),
                                                  query ? &*query : nullptr));
  // Invariant: a repo never holds two different packages with the same
  // name, version and architecture.
  ASSIGN_OR_RETURN(std::vector<storage::KeyConflict> conflicts,
                   storage::FindRepoConflicts(tx, copy.destination(), keys));
  if (!conflicts.empty()) {
    return ConflictError(copy.destination(), conflicts,
                         "Nothing was copied; remove those first");
  }
  RETURN_IF_ERROR(storage::AddToRepo(tx, copy.destination(), keys));
  if (copy.move()) {
    RETURN_IF_ERROR(storage::RemoveFromRepo(tx, copy.source(), keys,
                                            /*query=*/nullptr)
                        .status());
  }
  v1::JobResult result;
  for (std::string& key : keys) {
    result.mutable_copy_packages()->add_copied(std::move(key));
  }
  return result;
}

}  // namespace debrepo::worker
