// Snapshot rows: reads for the server and transactional writes for jobs.
// A snapshot's packages are one sorted array of distinct package ids
// (migration 11 says why); its sources are rows of snapshot_sources.
#ifndef DEBREPO_STORAGE_SNAPSHOT_STORE_H_
#define DEBREPO_STORAGE_SNAPSHOT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/snapshots_types.pb.h"
#include "storage/database.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// GetSnapshot reads one snapshot with its sources; NOT_FOUND when there is
// none of that name.
absl::StatusOr<v1::Snapshot> GetSnapshot(Database& db, absl::string_view name);

// SnapshotNotFound is the NOT_FOUND for a snapshot name no snapshot has.
absl::Status SnapshotNotFound(absl::string_view name);

// SnapshotOrder is the order ListSnapshots returns snapshots in.
enum class SnapshotOrder {
  kName,
  // Oldest first; snapshots made at the same time by name.
  kCreateTime,
};

// ListSnapshots returns up to `limit` snapshots (without their sources)
// that sort after `after` in `order`: the name of the last one seen for
// kName, SnapshotTimePosition of it for kCreateTime; "" for the first page.
absl::StatusOr<std::vector<v1::Snapshot>> ListSnapshots(Database& db,
                                                        SnapshotOrder order,
                                                        absl::string_view after,
                                                        int limit);

// SnapshotTimePosition is where `snapshot` stands in kCreateTime order,
// for ListSnapshots' `after`.
std::string SnapshotTimePosition(const v1::Snapshot& snapshot);

// FindSnapshot reads a snapshot with its sources inside a job's
// transaction; nullopt when absent.
absl::StatusOr<std::optional<v1::Snapshot>> FindSnapshot(
    Transaction& tx, absl::string_view name);

// LoadSnapshot is FindSnapshot, NOT_FOUND (saying it may have been renamed
// or dropped since the request) when absent.
absl::StatusOr<v1::Snapshot> LoadSnapshot(Transaction& tx,
                                          absl::string_view name);

// SnapshotAlreadyExists is the ALREADY_EXISTS for creating (or renaming
// to) a name that snapshot `name` holds.
absl::Status SnapshotAlreadyExists(absl::string_view name);

// SnapshotPackageIds computes the packages of a new snapshot inside
// PostgreSQL: `sql` is a query returning at most one row (none or NULLs
// for no packages) with columns `ids`, a bigint[] of sorted, distinct
// package ids, and `pairs`, an integer[] holding at each index the
// name-and-architecture pair of that id (packages.pair_id), e.g.
// "SELECT array_agg(id ORDER BY id) AS ids, array_agg(pair_id ORDER BY
// id) AS pairs FROM ...". Its placeholders $1, $2, ... are `parameters`,
// then `binary_parameters` (values in PostgreSQL's binary format).
struct SnapshotPackageIds {
  std::string sql;
  std::vector<std::string> parameters;
  std::vector<std::string> binary_parameters;
};

// NoSnapshotPackages is no packages at all (an empty snapshot).
SnapshotPackageIds NoSnapshotPackages();

// SnapshotPackageIdsOfRepo is every package of repo `repo`, as it is in
// the transaction.
SnapshotPackageIds SnapshotPackageIdsOfRepo(absl::string_view repo);

// SnapshotPackageIdsOfMirror is every package of mirror `mirror`, as its
// last successful sync left it.
SnapshotPackageIds SnapshotPackageIdsOfMirror(absl::string_view mirror);

// SnapshotPackageIdsOfKeys is the stored packages with `keys` (unknown keys
// are left out; check with MissingPackages first).
SnapshotPackageIds SnapshotPackageIdsOfKeys(
    const std::vector<std::string>& keys);

// InsertSnapshot adds a snapshot with the name and description of
// `snapshot`, holding the packages `package_ids` computes, made from
// `sources` (kind and current name, in order; each must exist), in one
// statement, and returns it as stored. The caller holds the new name and
// the sources' keys and has checked that the name is free.
absl::StatusOr<v1::Snapshot> InsertSnapshot(
    Transaction& tx, const v1::Snapshot& snapshot,
    const std::vector<v1::SnapshotSource>& sources,
    const SnapshotPackageIds& package_ids);

// ReplaceSnapshot sets the name and description of the snapshot called
// `name` to those of `snapshot` (its packages never change), and returns
// it as stored, with its sources.
absl::StatusOr<v1::Snapshot> ReplaceSnapshot(Transaction& tx,
                                             absl::string_view name,
                                             const v1::Snapshot& snapshot);

// SnapshotsMadeFrom returns, by name, the snapshots that name the `kind`
// source `name` (a repo, a snapshot or a mirror) as one of their sources and
// were not told it was dropped.
absl::StatusOr<std::vector<std::string>> SnapshotsMadeFrom(
    Transaction& tx, v1::SnapshotSource::Kind kind, absl::string_view name);

// MarkSourceDropped makes the source entries that name the `kind` source
// `name` say it was dropped, keeping its name: done before dropping it, so
// that nothing points at what is gone.
absl::Status MarkSourceDropped(Transaction& tx, v1::SnapshotSource::Kind kind,
                               absl::string_view name);

// DeleteSnapshot removes the snapshot called `name` and its source
// entries. Entries of other snapshots naming it must have been marked
// dropped (the foreign key refuses otherwise).
absl::Status DeleteSnapshot(Transaction& tx, absl::string_view name);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_SNAPSHOT_STORE_H_
