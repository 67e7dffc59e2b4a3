#include "worker/snapshot/dependants.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/snapshot_store.h"
#include "worker/repo/bounded_lists.h"

namespace debrepo::worker {

absl::Status ReleaseDependants(storage::Transaction& tx,
                               v1::SnapshotSource::Kind kind,
                               absl::string_view name, bool force) {
  if (force) return storage::MarkSourceDropped(tx, kind, name);
  ASSIGN_OR_RETURN(std::vector<std::string> dependants,
                   storage::SnapshotsMadeFrom(tx, kind, name));
  if (dependants.empty()) return absl::OkStatus();
  for (std::string& dependant : dependants) {
    dependant = absl::StrCat("\"", dependant, "\"");
  }
  const absl::string_view what =
      kind == v1::SnapshotSource::REPO ? "repo" : "snapshot";
  return absl::FailedPreconditionError(absl::StrCat(
      what, " \"", name, "\" is the source of snapshot",
      dependants.size() == 1 ? " " : "s ", JoinAtMost(dependants, ", "),
      "; drop them first, or drop it with force (they keep their packages "
      "and say their source was dropped)"));
}

}  // namespace debrepo::worker
