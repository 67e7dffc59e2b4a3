// Snapshot rows: reads for the server and transactional writes for jobs.
// A snapshot's packages are one sorted array of distinct package ids
// (migration 11 says why).
#ifndef DEBREPO_STORAGE_SNAPSHOT_STORE_H_
#define DEBREPO_STORAGE_SNAPSHOT_STORE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/snapshots_types.pb.h"
#include "storage/database.h"

namespace debrepo::storage {

// GetSnapshot reads one snapshot with its sources; NOT_FOUND when there is
// none of that name.
absl::StatusOr<v1::Snapshot> GetSnapshot(Database& db, absl::string_view name);

// SnapshotAlreadyExists is the ALREADY_EXISTS for creating (or renaming
// to) a name that snapshot `name` holds.
absl::Status SnapshotAlreadyExists(absl::string_view name);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_SNAPSHOT_STORE_H_
