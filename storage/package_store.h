// Packages and their membership in repos.
#ifndef DEBREPO_STORAGE_PACKAGE_STORE_H_
#define DEBREPO_STORAGE_PACKAGE_STORE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/control.h"
#include "deb/query.h"
#include "proto/debrepo/v1/packages_types.pb.h"
#include "proto/debrepo/v1/snapshots.pb.h"
#include "storage/database.h"
#include "storage/package_spool.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// KeyConflict is a package that would sit in a repo beside a different
// package of the same name, version and architecture: one already in the
// repo, or another one being added with it.
struct KeyConflict {
  std::string new_key;
  std::string existing_key;
};

// InsertPackages stores the spooled packages whose take[i] is true, those
// not stored yet (by key).
absl::Status InsertPackages(Transaction& tx, PackageSpool& spool,
                            const std::vector<bool>& take);

// FindRepoConflicts returns pairs with the same name, version and
// architecture but different keys: one of the stored packages with `keys`
// against a package of repo `repo` (existing_key), or two of `keys` against
// each other.
absl::StatusOr<std::vector<KeyConflict>> FindRepoConflicts(
    Transaction& tx, absl::string_view repo,
    const std::vector<std::string>& keys);

// MissingPackages returns those of `keys` that no stored package has.
absl::StatusOr<std::vector<std::string>> MissingPackages(
    Transaction& tx, const std::vector<std::string>& keys);

// AddToRepo makes the stored packages with `keys` members of `repo`.
absl::Status AddToRepo(Transaction& tx, absl::string_view repo,
                       const std::vector<std::string>& keys);

// RemoveFromRepo removes from `repo` the packages with `keys` and those
// matching `query` (when not null); returns the removed keys.
absl::StatusOr<std::vector<std::string>> RemoveFromRepo(
    Transaction& tx, absl::string_view repo,
    const std::vector<std::string>& keys, const deb::Query* query);

// ListRepoPackages returns up to `limit` packages of `repo` matching
// `query` (all when null) with keys after `after_key`, by key; with
// `details`, their fields and files too.
absl::StatusOr<std::vector<v1::Package>> ListRepoPackages(
    Database& db, absl::string_view repo, const deb::Query* query,
    absl::string_view after_key, int limit, bool details);

// ListSnapshotPackages is ListRepoPackages for snapshot `snapshot`.
absl::StatusOr<std::vector<v1::Package>> ListSnapshotPackages(
    Database& db, absl::string_view snapshot, const deb::Query* query,
    absl::string_view after_key, int limit, bool details);

// ListMirrorPackages is ListRepoPackages for mirror `mirror` (its last
// synced list).
absl::StatusOr<std::vector<v1::Package>> ListMirrorPackages(
    Database& db, absl::string_view mirror, const deb::Query* query,
    absl::string_view after_key, int limit, bool details);

// SearchSnapshots returns up to `limit` packages with keys after
// `after_key`, by key, that match `query` (all when null) and that one of
// `snapshots` holds (any snapshot when empty), each with the names of
// those of `snapshots` holding it, sorted.
absl::StatusOr<std::vector<v1::SnapshotPackage>> SearchSnapshots(
    Database& db, const deb::Query* query,
    const std::vector<std::string>& snapshots, absl::string_view after_key,
    int limit, bool details);

// SearchPackages is ListRepoPackages over every stored package, each with
// in_no_repo set when no repo or snapshot holds it.
absl::StatusOr<std::vector<v1::Package>> SearchPackages(
    Database& db, const deb::Query* query, absl::string_view after_key,
    int limit, bool details);

// GetPackage reads one package with its details and the repos and
// snapshots holding it; NOT_FOUND when there is none with that key.
absl::StatusOr<v1::Package> GetPackage(Database& db, absl::string_view key);

// RepoStanza is a package's key and control stanza.
struct RepoStanza {
  std::string key;
  deb::Paragraph control;
};

// LoadRepoBinaryStanzas returns the key and control stanza of every binary
// package of `repo` (for dependency resolution), by key.
absl::StatusOr<std::vector<RepoStanza>> LoadRepoBinaryStanzas(
    Transaction& tx, absl::string_view repo);

// SelectRepoPackageKeys returns the keys of `repo`'s packages matching
// `query` (all when null), inside a job's transaction.
absl::StatusOr<std::vector<std::string>> SelectRepoPackageKeys(
    Transaction& tx, absl::string_view repo, const deb::Query* query);

// LoadMirrorBinaryStanzas and SelectMirrorPackageKeys are
// LoadRepoBinaryStanzas and SelectRepoPackageKeys for mirror `mirror`.
absl::StatusOr<std::vector<RepoStanza>> LoadMirrorBinaryStanzas(
    Transaction& tx, absl::string_view mirror);
absl::StatusOr<std::vector<std::string>> SelectMirrorPackageKeys(
    Transaction& tx, absl::string_view mirror, const deb::Query* query);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_PACKAGE_STORE_H_
