#include "worker/snapshot/create_snapshot_job.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/mirror_store.h"
#include "storage/package_store.h"
#include "storage/repo_store.h"
#include "storage/snapshot_store.h"
#include "worker/repo/conflict_error.h"

namespace debrepo::worker {
namespace {

// The packages with `keys`: NOT_FOUND naming unknown keys, and
// FAILED_PRECONDITION for two builds of one name, version and
// architecture, which no snapshot holds together (as no repo does).
absl::StatusOr<storage::SnapshotPackageIds> PackagesWithKeys(
    storage::Transaction& tx, const v1::PackageKeysArgs& packages) {
  const std::vector<std::string> keys(packages.keys().begin(),
                                      packages.keys().end());
  RETURN_IF_ERROR(CheckPackagesStored(tx, keys, "no snapshot was created"));
  // No repo has the empty name, so only the keys' conflicts among
  // themselves are found.
  ASSIGN_OR_RETURN(std::vector<storage::KeyConflict> conflicts,
                   storage::FindRepoConflicts(tx, /*repo=*/"", keys));
  if (!conflicts.empty()) return BuildsAddedTogetherError(conflicts);
  return storage::SnapshotPackageIdsOfKeys(keys);
}

}  // namespace

absl::StatusOr<v1::JobResult> CreateSnapshotJob::Apply(
    const v1::CreateSnapshotArgs& create, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  const v1::Snapshot& wanted = create.snapshot();
  // Invariant: snapshot names are unique. The name's exclusive lock and
  // this serializable read make the check and the insert one atomic step.
  ASSIGN_OR_RETURN(std::optional<v1::Snapshot> existing,
                   storage::FindSnapshot(tx, wanted.name()));
  if (existing.has_value()) {
    return storage::SnapshotAlreadyExists(wanted.name());
  }
  std::vector<v1::SnapshotSource> sources;
  storage::SnapshotPackageIds package_ids;
  switch (create.from_case()) {
    case v1::CreateSnapshotArgs::kRepo: {
      // The repo is held shared: no job changes it until this one ends, so
      // the snapshot holds every batch added before or none of one after.
      RETURN_IF_ERROR(storage::LoadRepo(tx, create.repo()).status());
      v1::SnapshotSource& source = sources.emplace_back();
      source.set_kind(v1::SnapshotSource::REPO);
      source.set_name(create.repo());
      package_ids = storage::SnapshotPackageIdsOfRepo(create.repo());
      break;
    }
    case v1::CreateSnapshotArgs::kMirror: {
      // The mirror is held shared: no sync replaces its list until this
      // job ends, so the snapshot holds one sync's list whole.
      ASSIGN_OR_RETURN(const v1::Mirror mirror,
                       storage::LoadMirror(tx, create.mirror()));
      if (mirror.status() == v1::NEVER_SYNCED) {
        return absl::FailedPreconditionError(absl::StrCat(
            "mirror \"", create.mirror(),
            "\" has never been synced, so it has no packages to snapshot; "
            "run `debrepo mirror update ",
            create.mirror(), "` first"));
      }
      v1::SnapshotSource& source = sources.emplace_back();
      source.set_kind(v1::SnapshotSource::MIRROR);
      source.set_name(create.mirror());
      package_ids = storage::SnapshotPackageIdsOfMirror(create.mirror());
      break;
    }
    case v1::CreateSnapshotArgs::kPackages: {
      ASSIGN_OR_RETURN(package_ids, PackagesWithKeys(tx, create.packages()));
      break;
    }
    case v1::CreateSnapshotArgs::kEmpty:
      package_ids = storage::NoSnapshotPackages();
      break;
    case v1::CreateSnapshotArgs::FROM_NOT_SET:
      return absl::InvalidArgumentError(
          "the job says nothing of what the snapshot is made from");
  }
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_snapshot(),
                   storage::InsertSnapshot(tx, wanted, sources, package_ids));
  return result;
}

}  // namespace debrepo::worker
