// Mirror rows: reads for the server and transactional writes for jobs.
// A mirror's packages are one sorted array of distinct package ids, which
// each successful sync replaces whole (migration 14 says why); its
// settings are the Mirror's input fields as proto JSON, its keyring a
// column of its own so that reads that do not need it never carry it.
#ifndef DEBREPO_STORAGE_MIRROR_STORE_H_
#define DEBREPO_STORAGE_MIRROR_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/mirrors_types.pb.h"
#include "storage/database.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// GetMirror reads one mirror (without its keyring) with its status and the
// snapshots made from it; NOT_FOUND when there is none of that name.
absl::StatusOr<v1::Mirror> GetMirror(Database& db, absl::string_view name);

// ListMirrors returns up to `limit` mirrors (without keyrings or
// snapshots) whose names sort after `after_name`, by name.
absl::StatusOr<std::vector<v1::Mirror>> ListMirrors(
    Database& db, absl::string_view after_name, int limit);

// MirrorNotFound is the NOT_FOUND for a mirror name no mirror has;
// `meanwhile` for a job that found it gone after it was queued.
absl::Status MirrorNotFound(absl::string_view name, bool meanwhile = false);

// MirrorAlreadyExists is the ALREADY_EXISTS for creating (or renaming to)
// a name that mirror `name` holds.
absl::Status MirrorAlreadyExists(absl::string_view name);

// FindMirror reads a mirror inside a job's transaction, with its keyring
// (what a sync verifies with), status and snapshots left unset; nullopt
// when absent.
absl::StatusOr<std::optional<v1::Mirror>> FindMirror(Transaction& tx,
                                                     absl::string_view name);

// LoadMirror is FindMirror, NOT_FOUND (saying it may have been renamed or
// dropped since the request) when absent.
absl::StatusOr<v1::Mirror> LoadMirror(Transaction& tx, absl::string_view name);

// InsertMirror adds a mirror with the settings and keyring of `mirror`
// (its name, input fields and keyring_fingerprints; output fields are
// ignored), with no packages, and returns it as stored (without its
// keyring). The caller holds the name and has checked that it is free.
absl::StatusOr<v1::Mirror> InsertMirror(Transaction& tx,
                                        const v1::Mirror& mirror);

// ReplaceMirrorSettings sets the name, settings and keyring of the mirror
// called `name` to those of `mirror`, keeping its packages and what its
// last sync recorded (but the Release's Date, Suite and Codename only when
// archive_url and distribution stay the same), and returns it as stored
// (without its keyring).
absl::StatusOr<v1::Mirror> ReplaceMirrorSettings(Transaction& tx,
                                                 absl::string_view name,
                                                 const v1::Mirror& mirror);

// DeleteMirror removes the mirror called `name`. Source entries of
// snapshots naming it must have been marked dropped (MarkSourceDropped;
// the foreign key refuses otherwise).
absl::Status DeleteMirror(Transaction& tx, absl::string_view name);

// MirrorRelease is what a sync read in the Release it applied.
struct MirrorRelease {
  std::string date;
  std::string suite;
  std::string codename;
};

// MirrorPackagesChange is how a sync changed a mirror's package list.
struct MirrorPackagesChange {
  // Packages in the new list.
  int64_t package_count = 0;
  // Packages in the new list and not the old one, and the other way round.
  int64_t added_count = 0;
  int64_t removed_count = 0;
};

// ReplaceMirrorPackages is a sync's write, in its transaction: the package
// list of mirror `name` becomes the stored packages with `keys` (in any
// order, duplicates allowed; store new ones first with InsertPackages),
// and its last_sync_time (now), release date, suite and codename are
// set. FAILED_PRECONDITION naming some of them when keys are not stored;
// NOT_FOUND when the mirror is gone.
absl::StatusOr<MirrorPackagesChange> ReplaceMirrorPackages(
    Transaction& tx, absl::string_view name,
    const std::vector<std::string>& keys, const MirrorRelease& release);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_MIRROR_STORE_H_
