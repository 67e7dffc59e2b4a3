// Publication rows (migration 12): reads for the server, transactional
// writes for the publish jobs, the packages a tree lists read in batches,
// and what a job changed in a storage's prefix's pool (migration 16), read
// under the pool lock.
#ifndef DEBREPO_STORAGE_PUBLICATION_STORE_H_
#define DEBREPO_STORAGE_PUBLICATION_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/packages_types.pb.h"
#include "proto/debrepo/v1/publish.pb.h"
#include "proto/debrepo/v1/publish_types.pb.h"
#include "storage/database.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// kDefaultPublishStorage is the storage an empty Publication.storage means.
inline constexpr absl::string_view kDefaultPublishStorage =
    "filesystem:default";

// MakePublicationRef names the publication at `storage`, `prefix` and
// `distribution`.
v1::PublicationRef MakePublicationRef(absl::string_view storage,
                                      absl::string_view prefix,
                                      absl::string_view distribution);

// PublicationName is how messages and Repo/Snapshot.publications name a
// publication: "<prefix>/<distribution>", with "<storage>:" in front when
// it is not on kDefaultPublishStorage.
std::string PublicationName(absl::string_view storage, absl::string_view prefix,
                            absl::string_view distribution);

// PublicationNotFound is the NOT_FOUND for a publication `ref` names.
absl::Status PublicationNotFound(const v1::PublicationRef& ref);

// PublicationAlreadyExists is the ALREADY_EXISTS for publishing where
// `ref` is published already.
absl::Status PublicationAlreadyExists(const v1::PublicationRef& ref);

// GetPublication reads one publication (`ref` normalised: storage and
// prefix filled in) with its components; NOT_FOUND when there is none.
absl::StatusOr<v1::Publication> GetPublication(Database& db,
                                               const v1::PublicationRef& ref);

// ListPublications returns up to `limit` publications (with components)
// on `storage` (every storage when empty), ordered by storage, prefix and
// distribution, after the one PublicationPosition gave `after` for ("" for
// the first page).
absl::StatusOr<std::vector<v1::Publication>> ListPublications(
    Database& db, absl::string_view storage, absl::string_view after,
    int limit);

// PublicationPosition is where `publication` stands in ListPublications'
// order, for its `after`.
std::string PublicationPosition(const v1::Publication& publication);

// StoredPublication is a publication as a job's transaction reads it.
struct StoredPublication {
  v1::Publication publication;
  // The id of the job whose tree is recorded (migration 12).
  int64_t generation = 0;
};

// FindPublication reads the publication `ref` names (normalised) inside a
// job's transaction; nullopt when absent.
absl::StatusOr<std::optional<StoredPublication>> FindPublication(
    Transaction& tx, const v1::PublicationRef& ref);

// LoadPublication is FindPublication, NOT_FOUND when absent.
absl::StatusOr<StoredPublication> LoadPublication(
    Transaction& tx, const v1::PublicationRef& ref);

// SavePublication records `publication` (storage and prefix normalised,
// architectures resolved) as written by job `generation`, replacing the
// record of its storage, prefix and distribution if there is one. Each
// component's packages are those of its source as the transaction sees
// them (the caller holds the sources' keys, so they are the ones its tree
// lists). Records the job's pool changes: per component, the packages
// added and removed against the record it replaces. NOT_FOUND for a
// source that does not exist. Returns the publication as stored, with
// package counts and times.
absl::StatusOr<v1::Publication> SavePublication(
    Transaction& tx, const v1::Publication& publication, int64_t generation);

// ConflictingPoolFiles returns, as "<component>/<source>/<file>" (at most
// 20), the pool files that the packages job `generation` added to a
// publication of `storage` and `prefix` (SavePublication) would fill with
// other bytes than another package the prefix lists: the same component,
// source package and file name, another SHA-256. Checked in the
// publishing transaction, since the shared pool can hold only one of
// them. Two of the added packages are checked against each other only
// when the prefix lists others: the job checks its own publication whole
// (worker/publish/pool_path_check.h).
absl::StatusOr<std::vector<std::string>> ConflictingPoolFiles(
    Transaction& tx, absl::string_view storage, absl::string_view prefix,
    int64_t generation);

// DeletePublication removes the record of the publication `ref` names,
// recording as the pool changes of job `job_id` that its packages were
// removed.
absl::Status DeletePublication(Transaction& tx, const v1::PublicationRef& ref,
                               int64_t job_id);

// PublicationsOfSource returns, named as PublicationName does and sorted,
// the publications with a component from `source` (a PublishedComponent
// naming a snapshot or a repo).
absl::StatusOr<std::vector<std::string>> PublicationsOfSource(
    Transaction& tx, const v1::PublishedComponent& source);

// SourceArchitectures is how many packages a source holds and of which
// architectures, sorted.
struct SourceArchitectures {
  int64_t package_count = 0;
  std::vector<std::string> architectures;
};

// ReadSourceArchitectures reads them for `source`; NOT_FOUND when it does
// not exist.
absl::StatusOr<SourceArchitectures> ReadSourceArchitectures(
    Transaction& tx, const v1::PublishedComponent& source);

// ReadApart runs `fn` in a short read-only transaction on a connection of
// `db`, not on the job's session: for what a publish reads on a thread
// beside its long phase (the job's session belongs to the job's thread).
// `what` names the read in errors.
absl::Status ReadApart(Database& db, absl::string_view what,
                       const std::function<absl::Status(Transaction&)>& fn);

// SourcePackageIds is what a component's Contents indices are read from:
// its source's packages.
struct SourcePackageIds {
  // Sorted.
  std::vector<int64_t> ids;
  // Whether any of them is a udeb: the component then has a
  // Contents-udeb-<arch> for each architecture.
  bool udebs = false;
};

// ReadSourcePackageIds reads them for `source` (none when it does not
// exist).
absl::StatusOr<SourcePackageIds> ReadSourcePackageIds(
    Transaction& tx, const v1::PublishedComponent& source);

// PublishedPackage is what a tree needs of one package.
struct PublishedPackage {
  int64_t id = 0;
  std::string name;
  std::string architecture;
  // "deb", "udeb" or "source".
  std::string package_type;
  std::string source;
  // The control stanza as stored.
  std::string stanza;
  std::vector<v1::PackageFile> files;
};

// ForEachSourcePackage calls `fn` with the packages of `source` (in no
// particular order), `batch_size` at a time, so that memory stays bounded
// however many there are; `fn` may move the packages out of the batch
// (say, to another thread). Stops at the first error `fn` returns. One call
// at a time per transaction (it reads through a named cursor).
absl::Status ForEachSourcePackage(
    Transaction& tx, const v1::PublishedComponent& source, int batch_size,
    const std::function<absl::Status(std::vector<PublishedPackage>&)>& fn);

// PoolFile is one file in a storage's prefix's pool.
struct PoolFile {
  std::string component;
  // The package's source package (the pool directory).
  std::string source;
  std::string name;
  // Empty in PoolChanges::unlisted.
  std::string sha256;
};

// PoolChanges is what one job's after-commit step does to its prefix's
// pool.
struct PoolChanges {
  // The files of the packages the job's publication lists and the one it
  // replaced did not: to link.
  std::vector<PoolFile> added;
  // The files of the packages the replaced (or dropped) publication listed
  // that no publication of the prefix lists now: to delete.
  std::vector<PoolFile> unlisted;
};

// WithPoolLock takes the session advisory lock on "pool/<storage>/<prefix>"
// on a connection of its own, reads fresh the pool changes job `job_id`
// recorded (SavePublication, DeletePublication) for a publication of that
// storage and prefix, calls `fn` with them, and releases the lock. Pool
// linking and pruning run in `fn`: a sibling distribution's job takes the
// same lock, so neither deletes a file the other's committed publication
// lists. Reading the same rows again, a replayed step does the same work.
absl::Status WithPoolLock(
    Database& db, absl::string_view storage, absl::string_view prefix,
    int64_t job_id, const std::function<absl::Status(const PoolChanges&)>& fn);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_PUBLICATION_STORE_H_
