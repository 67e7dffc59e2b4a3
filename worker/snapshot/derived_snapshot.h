// What the jobs making a snapshot from other snapshots (merge, pull,
// filter) share: the checks and the insert of their transaction.
#ifndef DEBREPO_WORKER_SNAPSHOT_DERIVED_SNAPSHOT_H_
#define DEBREPO_WORKER_SNAPSHOT_DERIVED_SNAPSHOT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/package_sets.h"
#include "proto/debrepo/v1/snapshots_types.pb.h"
#include "storage/transaction.h"

namespace debrepo::worker {

// CheckSnapshotNameFree is ALREADY_EXISTS when a snapshot is called
// `name`. Under the name's exclusive lock, in the job's serializable
// transaction, the check and the insert after it are one atomic step.
absl::Status CheckSnapshotNameFree(storage::Transaction& tx,
                                   absl::string_view name);

// InsertDerivedSnapshot inserts `destination` holding `packages`, made
// from the snapshots `sources` (in order; they must exist, which the job's
// shared locks keep true once checked).
absl::StatusOr<v1::Snapshot> InsertDerivedSnapshot(
    storage::Transaction& tx, const v1::Snapshot& destination,
    const std::vector<std::string>& sources, const deb::PairedIds& packages);

// InsertDerivedSnapshot inserts `destination` holding `package_ids`
// (sorted, distinct, each held by one of `sources`, whose pairs it takes).
absl::StatusOr<v1::Snapshot> InsertDerivedSnapshot(
    storage::Transaction& tx, const v1::Snapshot& destination,
    const std::vector<std::string>& sources,
    const std::vector<int64_t>& package_ids);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_SNAPSHOT_DERIVED_SNAPSHOT_H_
