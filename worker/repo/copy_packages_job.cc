#include "worker/repo/copy_packages_job.h"

#include <string>
#include <vector>

#include "common/status_macros.h"
#include "deb/query.h"
#include "storage/package_store.h"
#include "storage/repo_store.h"
#include "worker/repo/package_copy.h"

namespace debrepo::worker {

absl::StatusOr<PreparedCopy> CopyPackagesJob::Prepare(
    const v1::CopyPackagesArgs& copy, JobContext& context) const {
  if (!copy.with_deps()) return PreparedCopy();
  ASSIGN_OR_RETURN(
      std::vector<std::string> keys,
      ResolveWithDependencies(context, {.name = copy.source()}, copy.query()));
  return PreparedCopy{.closure = std::move(keys)};
}

absl::StatusOr<v1::JobResult> CopyPackagesJob::Apply(
    const v1::CopyPackagesArgs& copy, const PreparedCopy& prepared,
    storage::Transaction& tx, JobContext& /*context*/) const {
  RETURN_IF_ERROR(storage::LoadRepo(tx, copy.source()).status());
  RETURN_IF_ERROR(storage::LoadRepo(tx, copy.destination()).status());
  std::vector<std::string> keys;
  if (prepared.closure.has_value()) {
    // Resolved in the long phase; the source has been locked since.
    keys = *prepared.closure;
  } else {
    // The source as it is now, under its lock: never a stale copy.
    ASSIGN_OR_RETURN(deb::Query query, deb::Query::Parse(copy.query()));
    ASSIGN_OR_RETURN(keys,
                     SelectSourceKeys(tx, {.name = copy.source()}, query));
  }
  ASSIGN_OR_RETURN(v1::JobResult result,
                   CopyIntoRepo(tx, copy.destination(), keys, copy.dry_run()));
  if (copy.move() && !copy.dry_run()) {
    RETURN_IF_ERROR(
        storage::RemoveFromRepo(tx, copy.source(), keys, /*query=*/nullptr)
            .status());
  }
  return result;
}

}  // namespace debrepo::worker
