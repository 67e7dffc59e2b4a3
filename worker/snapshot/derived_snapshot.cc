#include "worker/snapshot/derived_snapshot.h"

#include <optional>

#include "common/status_macros.h"
#include "storage/snapshot_sets.h"
#include "storage/snapshot_store.h"

namespace debrepo::worker {

absl::Status CheckSnapshotNameFree(storage::Transaction& tx,
                                   absl::string_view name) {
  ASSIGN_OR_RETURN(std::optional<v1::Snapshot> existing,
                   storage::FindSnapshot(tx, name));
  if (existing.has_value()) return storage::SnapshotAlreadyExists(name);
  return absl::OkStatus();
}

absl::StatusOr<v1::Snapshot> InsertDerivedSnapshot(
    storage::Transaction& tx, const v1::Snapshot& destination,
    const std::vector<std::string>& sources, const deb::PairedIds& packages) {
  std::vector<v1::SnapshotSource> entries;
  for (const std::string& name : sources) {
    v1::SnapshotSource& entry = entries.emplace_back();
    entry.set_kind(v1::SnapshotSource::SNAPSHOT);
    entry.set_name(name);
  }
  return storage::InsertSnapshot(tx, destination, entries,
                                 storage::SnapshotPackageIdsOf(packages));
}

absl::StatusOr<v1::Snapshot> InsertDerivedSnapshot(
    storage::Transaction& tx, const v1::Snapshot& destination,
    const std::vector<std::string>& sources,
    const std::vector<int64_t>& package_ids) {
  ASSIGN_OR_RETURN(const deb::PairedIds packages,
                   storage::PairSnapshotPackages(tx, sources, package_ids));
  return InsertDerivedSnapshot(tx, destination, sources, packages);
}

}  // namespace debrepo::worker
