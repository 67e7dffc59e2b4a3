// Snapshots' packages for the operations that make snapshots from others
// or compare them: merges and diffs (each source's arrays read in one
// statement, the set work done by deb/package_sets.h, which says why),
// query selection, and the dependency-relevant fields of a snapshot's
// packages for pull, filter and verify.
#ifndef DEBREPO_STORAGE_SNAPSHOT_SETS_H_
#define DEBREPO_STORAGE_SNAPSHOT_SETS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/package_selection.h"
#include "deb/package_sets.h"
#include "deb/query.h"
#include "proto/debrepo/v1/snapshots_types.pb.h"
#include "storage/database.h"
#include "storage/snapshot_store.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// MergeRule is how MergeSnapshotPackages resolves packages of one name and
// architecture held by several sources.
enum class MergeRule {
  // The last source (in the order given) holding the pair wins: all of its
  // versions of the pair are kept, earlier sources' dropped (aptly's
  // default).
  kLastSourceWins,
  // Only the highest version (dpkg order) of each pair over all sources;
  // between different builds of equal versions, the later source's, then
  // the greater key (aptly's -latest).
  kLatest,
  // Every package of every source (aptly's -no-remove).
  kKeepAll,
};

// MergeSnapshotPackages returns the packages of the snapshots `sources`
// (by name, in order) merged by `rule`, as they are in `tx`; NOT_FOUND
// naming the first source that does not exist.
absl::StatusOr<deb::PairedIds> MergeSnapshotPackages(
    Transaction& tx, const std::vector<std::string>& sources, MergeRule rule);

// PairSnapshotPackages returns `ids` (sorted, distinct) with their pairs,
// taken from the snapshots `sources` they all come from (as pull and
// filter take theirs); NOT_FOUND naming a source that does not exist,
// INTERNAL for an id none of them holds.
absl::StatusOr<deb::PairedIds> PairSnapshotPackages(
    Transaction& tx, const std::vector<std::string>& sources,
    const std::vector<int64_t>& ids);

// SnapshotPackageIdsOf is `packages` as the packages of a new snapshot,
// for InsertSnapshot: sent in PostgreSQL's binary array format, which it
// reads without parsing text.
SnapshotPackageIds SnapshotPackageIdsOf(const deb::PairedIds& packages);

// SelectSnapshotPackageIds returns the sorted ids of the packages of
// snapshot `name` matching `query`; NOT_FOUND when it does not exist.
absl::StatusOr<std::vector<int64_t>> SelectSnapshotPackageIds(
    Transaction& tx, absl::string_view name, const deb::Query& query);

// LoadSnapshotMembers returns every package of snapshot `name` (source
// packages too, with Architecture "source"), by id, with the control
// fields dependency resolution reads: Package, Version, Architecture,
// Provides, Pre-Depends, Depends, Recommends and Suggests (those present),
// a fraction of whole stanzas. NOT_FOUND when it does not exist.
absl::StatusOr<std::vector<deb::StoredPackage>> LoadSnapshotMembers(
    Transaction& tx, absl::string_view name);

// SnapshotPackagesByName reads the packages of some snapshots by the names
// they have or provide (a deb::PackageLookup's work), so that a pull with
// dependencies reads only the packages its closure reaches.
// It reads in the transaction it was opened with, which must outlive it.
class SnapshotPackagesByName {
 public:
  // Open reads which packages the snapshots `snapshots` hold; NOT_FOUND
  // naming the first that does not exist.
  static absl::StatusOr<SnapshotPackagesByName> Open(
      Transaction& tx, const std::vector<std::string>& snapshots);

  // ids returns the sorted package ids of the snapshot at `position` in
  // Open's list.
  const deb::SortedIds& ids(size_t position) const {
    return members_[position].ids;
  }

  // Read returns, for each snapshot in Open's order, its packages called
  // or providing one of `names`, in id order, with the fields
  // LoadSnapshotMembers reads.
  absl::StatusOr<std::vector<std::vector<deb::StoredPackage>>> Read(
      const std::vector<std::string>& names);

  // NamesOf returns, sorted, the names of the packages `ids`.
  absl::StatusOr<std::vector<std::string>> NamesOf(
      const std::vector<int64_t>& ids);

  // BuiltArchitectures returns, sorted, the architectures of the packages
  // of the snapshot at `position` other than "all" and "source".
  absl::StatusOr<std::vector<std::string>> BuiltArchitectures(size_t position);

 private:
  SnapshotPackagesByName(Transaction& tx, std::vector<std::string> snapshots,
                         std::vector<deb::PairedIds> members);

  Transaction* tx_;
  std::vector<std::string> snapshots_;
  std::vector<deb::PairedIds> members_;
  // For each snapshot, its (pair, package id)s, sorted.
  std::vector<std::vector<std::pair<int32_t, int64_t>>> by_pair_;
};

// ReadSnapshots runs `fn` in one read-only transaction (for reads outside
// jobs that need several statements, e.g. Verify).
absl::Status ReadSnapshots(Database& db,
                           const std::function<absl::Status(Transaction&)>& fn);

// DiffSnapshots returns up to `limit` lines of the diff from snapshot
// `left` to `right` (NOT_FOUND naming a missing one), sorted by name,
// architecture, left key and right key, starting after `after` when it is
// not null. Packages are paired by name and architecture; packages both
// hold do not show. When a pair has several versions left or right, those
// not in both are matched in dpkg order, lowest with lowest (equal versions
// by key), each match one changed line, and the surplus lines added or
// removed. With `only_matching`, only changed lines.
absl::StatusOr<std::vector<v1::PackageChange>> DiffSnapshots(
    Database& db, absl::string_view left, absl::string_view right,
    bool only_matching, const v1::PackageChange* after, int limit);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_SNAPSHOT_SETS_H_
