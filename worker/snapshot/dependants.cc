#include "worker/snapshot/dependants.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/publication_store.h"
#include "storage/snapshot_store.h"
#include "worker/repo/bounded_lists.h"

namespace debrepo::worker {
namespace {

// How a message names a source of `kind`.
absl::string_view KindName(v1::SnapshotSource::Kind kind) {
  switch (kind) {
    case v1::SnapshotSource::REPO:
      return "repo";
    case v1::SnapshotSource::MIRROR:
      return "mirror";
    default:
      return "snapshot";
  }
}

// FAILED_PRECONDITION naming the publications of the `kind` source `name`
// while there are any, force or not (aptly refuses too): the published
// tree lists its packages, and the foreign keys would refuse anyway.
absl::Status RefuseWhilePublished(storage::Transaction& tx,
                                  v1::SnapshotSource::Kind kind,
                                  absl::string_view name) {
  // Mirrors are published through snapshots of them only.
  if (kind == v1::SnapshotSource::MIRROR) return absl::OkStatus();
  v1::PublishedComponent source;
  if (kind == v1::SnapshotSource::REPO) {
    source.set_repo(std::string(name));
  } else {
    source.set_snapshot(std::string(name));
  }
  ASSIGN_OR_RETURN(const std::vector<std::string> publications,
                   storage::PublicationsOfSource(tx, source));
  if (publications.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      KindName(kind), " \"", name, "\" is published as ",
      JoinAtMost(publications, ", "), "; drop the publication",
      publications.size() == 1 ? "" : "s", " first (`debrepo publish drop`)",
      kind == v1::SnapshotSource::REPO
          ? ""
          : " or switch it to another snapshot; force does not drop a "
            "published snapshot"));
}

}  // namespace

absl::Status ReleaseDependants(storage::Transaction& tx,
                               v1::SnapshotSource::Kind kind,
                               absl::string_view name, bool force) {
  RETURN_IF_ERROR(RefuseWhilePublished(tx, kind, name));
  if (force) return storage::MarkSourceDropped(tx, kind, name);
  ASSIGN_OR_RETURN(std::vector<std::string> dependants,
                   storage::SnapshotsMadeFrom(tx, kind, name));
  if (dependants.empty()) return absl::OkStatus();
  for (std::string& dependant : dependants) {
    dependant = absl::StrCat("\"", dependant, "\"");
  }
  return absl::FailedPreconditionError(absl::StrCat(
      KindName(kind), " \"", name, "\" is the source of snapshot",
      dependants.size() == 1 ? " " : "s ", JoinAtMost(dependants, ", "),
      "; drop them first, or drop it with force (they keep their packages "
      "and say their source was dropped)"));
}

}  // namespace debrepo::worker
