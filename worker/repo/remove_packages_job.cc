#include "worker/repo/remove_packages_job.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "deb/query.h"
#include "storage/package_store.h"
#include "storage/repo_store.h"
#include "storage/transaction.h"
#include "worker/repo/bounded_lists.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> RemovePackagesJob::Apply(
    const v1::RemovePackagesArgs& request, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  RETURN_IF_ERROR(storage::LoadRepo(tx, request.name()).status());
  std::optional<deb::Query> query;
  if (!request.query().empty()) {
    ASSIGN_OR_RETURN(query, deb::Query::Parse(request.query()));
  }
  const std::vector<std::string> keys(request.keys().begin(),
                                      request.keys().end());
  std::vector<std::string> removed;
  auto remove = [&](storage::Transaction& in) -> absl::Status {
    ASSIGN_OR_RETURN(removed,
                     storage::RemoveFromRepo(in, request.name(), keys,
                                             query ? &*query : nullptr));
    return absl::OkStatus();
  };
  if (request.dry_run()) {
    // The removal itself says what it would remove; then it is undone.
    RETURN_IF_ERROR(storage::WithRollback(tx, remove));
  } else {
    RETURN_IF_ERROR(remove(tx));
  }
  v1::JobResult result;
  v1::RemovePackagesResult& listed = *result.mutable_remove_packages();
  listed.set_dry_run(request.dry_run());
  listed.set_removed_count(
      ListAtMost(removed, kMaxKeysInResult, *listed.mutable_removed()));
  return result;
}

}  // namespace debrepo::worker
