#include "storage/mirror_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "jobs/mirror_update.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"
#include "storage/snapshot_store.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

// Whether a mirror.sync job (jobs/mirror_kinds.h) that has not ended holds
// mirror m's key (jobs::MirrorKey): its keys stay in job_keys until it
// ends. Named here, not included: jobs/ depends on storage/.
#define DEBREPO_SQL_MIRROR_SYNCING                                   \
  "EXISTS (SELECT 1 FROM job_keys k JOIN jobs j ON j.id = k.job_id " \
  "WHERE k.key = 'mirror/' || m.name AND k.exclusive "               \
  "AND j.kind = 'mirror.sync')"

#define DEBREPO_MIRROR_COLUMNS \
  "m.name, m.settings, " DEBREPO_SQL_MICROS("m.create_time") ", "       \
  DEBREPO_SQL_MICROS("m.last_sync_time") ", m.release_date, "           \
  "m.release_suite, m.release_codename, m.package_count"

// The columns MirrorFromRow reads, then the keyring or the syncing flag.
constexpr char kWithSyncing[] =
    "SELECT " DEBREPO_MIRROR_COLUMNS ", " DEBREPO_SQL_MIRROR_SYNCING
    " FROM mirrors m";
constexpr char kWithKeyring[] =
    "SELECT " DEBREPO_MIRROR_COLUMNS ", m.keyring FROM mirrors m";
constexpr int kExtraColumn = 8;

// The most package keys a "not stored" error names.
constexpr int kMaxNamedKeys = 20;

// Settings as stored: the input fields, and the keyring's fingerprints
// (computed once, when the keyring was checked), without the name and
// the keyring, which have columns of their own.
v1::Mirror SettingsOf(const v1::Mirror& mirror) {
  v1::Mirror settings = jobs::MirrorInputFields(mirror);
  settings.clear_name();
  settings.clear_keyring();
  *settings.mutable_keyring_fingerprints() = mirror.keyring_fingerprints();
  return settings;
}

// Reads a row of DEBREPO_MIRROR_COLUMNS. Status is IDLE or NEVER_SYNCED;
// callers that read the syncing flag refine it.
absl::StatusOr<v1::Mirror> MirrorFromRow(const pqxx::row& row) {
  v1::Mirror mirror;
  RETURN_IF_ERROR(internal::FromJson(row[1].c_str(), &mirror));
  mirror.set_name(row[0].c_str());
  if (auto time = internal::TimestampFrom(row[2])) {
    *mirror.mutable_create_time() = *time;
  }
  if (auto time = internal::TimestampFrom(row[3])) {
    *mirror.mutable_last_sync_time() = *time;
    mirror.set_status(v1::IDLE);
  } else {
    mirror.set_status(v1::NEVER_SYNCED);
  }
  mirror.set_release_date(row[4].c_str());
  mirror.set_release_suite(row[5].c_str());
  mirror.set_release_codename(row[6].c_str());
  mirror.set_package_count(row[7].as<int64_t>());
  return mirror;
}

// MirrorFromRow for a row of kWithSyncing.
absl::StatusOr<v1::Mirror> MirrorWithStatusFromRow(const pqxx::row& row) {
  ASSIGN_OR_RETURN(v1::Mirror mirror, MirrorFromRow(row));
  if (row[kExtraColumn].as<bool>()) mirror.set_status(v1::SYNCING);
  return mirror;
}

// MirrorFromRow for a row of kWithKeyring.
absl::StatusOr<v1::Mirror> MirrorWithKeyringFromRow(const pqxx::row& row) {
  ASSIGN_OR_RETURN(v1::Mirror mirror, MirrorFromRow(row));
  mirror.set_keyring(pqxx::binarystring(row[kExtraColumn]).str());
  return mirror;
}

}  // namespace

absl::Status MirrorNotFound(absl::string_view name, bool meanwhile) {
  return absl::NotFoundError(absl::StrCat(
      "mirror \"", name, "\" does not exist",
      meanwhile ? " (it may have been renamed or dropped meanwhile)" : "",
      "; `debrepo mirror list` shows the mirrors"));
}

absl::Status MirrorAlreadyExists(absl::string_view name) {
  return absl::AlreadyExistsError(
      absl::StrCat("mirror \"", name,
                   "\" already exists; choose another name or drop it first"));
}

absl::StatusOr<v1::Mirror> GetMirror(Database& db, absl::string_view name) {
  absl::StatusOr<v1::Mirror> mirror;
  absl::Status status =
      db.Run("reading a mirror", [&](pqxx::connection& connection) {
        // Read-only, so the mirror and its snapshots are read as of one
        // moment.
        pqxx::read_transaction tx(connection);
        pqxx::result rows = internal::ExecPrepared(
            tx, "get_mirror", absl::StrCat(kWithSyncing, " WHERE m.name = $1"),
            std::string(name));
        if (rows.empty()) {
          mirror = MirrorNotFound(name);
          return absl::OkStatus();
        }
        mirror = MirrorWithStatusFromRow(rows[0]);
        if (!mirror.ok()) return absl::OkStatus();
        Transaction transaction(tx);
        ASSIGN_OR_RETURN(
            std::vector<std::string> snapshots,
            SnapshotsMadeFrom(transaction, v1::SnapshotSource::MIRROR, name));
        for (std::string& snapshot : snapshots) {
          mirror->add_snapshots(std::move(snapshot));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return mirror;
}

absl::StatusOr<std::vector<v1::Mirror>> ListMirrors(
    Database& db, absl::string_view after_name, int limit) {
  std::vector<v1::Mirror> mirrors;
  absl::Status status =
      db.Run("listing mirrors", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        for (const pqxx::row& row : tx.exec_params(
                 absl::StrCat(kWithSyncing,
                              " WHERE m.name > $1 ORDER BY m.name LIMIT $2"),
                 std::string(after_name), limit)) {
          ASSIGN_OR_RETURN(v1::Mirror mirror, MirrorWithStatusFromRow(row));
          mirrors.push_back(std::move(mirror));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return mirrors;
}

absl::StatusOr<std::optional<v1::Mirror>> FindMirror(Transaction& tx,
                                                     absl::string_view name) {
  return Guard("reading a mirror",
               [&]() -> absl::StatusOr<std::optional<v1::Mirror>> {
                 pqxx::result rows = internal::ExecPrepared(
                     tx.pqxx(), "find_mirror",
                     absl::StrCat(kWithKeyring, " WHERE m.name = $1"),
                     std::string(name));
                 if (rows.empty()) return std::nullopt;
                 return MirrorWithKeyringFromRow(rows[0]);
               });
}

absl::StatusOr<v1::Mirror> LoadMirror(Transaction& tx, absl::string_view name) {
  ASSIGN_OR_RETURN(std::optional<v1::Mirror> mirror, FindMirror(tx, name));
  if (!mirror.has_value()) return MirrorNotFound(name, /*meanwhile=*/true);
  return *std::move(mirror);
}

absl::StatusOr<v1::Mirror> InsertMirror(Transaction& tx,
                                        const v1::Mirror& mirror) {
  return Guard("creating a mirror", [&]() -> absl::StatusOr<v1::Mirror> {
    return MirrorFromRow(tx.pqxx().exec_params1(
        "INSERT INTO mirrors AS m (name, settings, keyring) "
        "VALUES ($1, $2::jsonb, $3) RETURNING " DEBREPO_MIRROR_COLUMNS,
        mirror.name(), internal::ToJson(SettingsOf(mirror)),
        pqxx::binarystring(mirror.keyring())));
  });
}

absl::StatusOr<v1::Mirror> ReplaceMirrorSettings(Transaction& tx,
                                                 absl::string_view name,
                                                 const v1::Mirror& mirror) {
  return Guard("updating a mirror", [&]() -> absl::StatusOr<v1::Mirror> {
    // The recorded Release belongs to the archive and distribution it came
    // from: a sync compares the next one's Date with it (an older one is a
    // replay), which must not hold a mirror moved elsewhere.
    return MirrorFromRow(tx.pqxx().exec_params1(
        "UPDATE mirrors AS m SET name = $2, settings = $3::jsonb, "
        "keyring = $4, "
        "release_date = CASE WHEN same THEN release_date ELSE '' END, "
        "release_suite = CASE WHEN same THEN release_suite ELSE '' END, "
        "release_codename = CASE WHEN same THEN release_codename ELSE '' END "
        "FROM (SELECT settings->'archive_url' IS NOT DISTINCT FROM "
        "$3::jsonb->'archive_url' AND settings->'distribution' IS NOT "
        "DISTINCT FROM $3::jsonb->'distribution' AS same "
        "FROM mirrors WHERE name = $1) AS source "
        "WHERE m.name = $1 RETURNING " DEBREPO_MIRROR_COLUMNS,
        std::string(name), mirror.name(), internal::ToJson(SettingsOf(mirror)),
        pqxx::binarystring(mirror.keyring())));
  });
}

absl::Status DeleteMirror(Transaction& tx, absl::string_view name) {
  return Guard("deleting a mirror", [&]() -> absl::Status {
    tx.pqxx().exec_params0("DELETE FROM mirrors WHERE name = $1",
                           std::string(name));
    return absl::OkStatus();
  });
}

absl::StatusOr<MirrorPackagesChange> ReplaceMirrorPackages(
    Transaction& tx, absl::string_view name,
    const std::vector<std::string>& keys, const MirrorRelease& release) {
  std::vector<std::string> distinct = keys;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  // One statement: the new ids are looked up by key and sorted where they
  // are, written only when every key was found, and compared with the old
  // list (a hashed EXCEPT each way: 63,000 ids take milliseconds).
  constexpr char kReplace[] = R"sql(
    WITH new AS MATERIALIZED (
      SELECT coalesce(array_agg(id ORDER BY id), '{}'::bigint[]) AS ids,
             coalesce(array_agg(pair_id ORDER BY id), '{}'::integer[])
               AS pairs
      FROM packages WHERE key = ANY($2::text[])),
    old AS MATERIALIZED (SELECT package_ids FROM mirrors WHERE name = $1),
    updated AS (
      UPDATE mirrors m SET package_ids = new.ids, package_pairs = new.pairs,
          last_sync_time = now(),
          release_date = $3, release_suite = $4, release_codename = $5
      FROM new WHERE m.name = $1 AND cardinality(new.ids) = $6
      RETURNING m.id)
    SELECT EXISTS (SELECT 1 FROM old), EXISTS (SELECT 1 FROM updated),
      cardinality(new.ids),
      (SELECT count(*) FROM (SELECT unnest(new.ids)
                             EXCEPT SELECT unnest(package_ids) FROM old) a),
      (SELECT count(*) FROM (SELECT unnest(package_ids) FROM old
                             EXCEPT SELECT unnest(new.ids)) r)
    FROM new)sql";
  return Guard(
      "replacing a mirror's packages",
      [&]() -> absl::StatusOr<MirrorPackagesChange> {
        const pqxx::row row = tx.pqxx().exec_params1(
            kReplace, std::string(name), internal::PgTextArray(distinct),
            release.date, release.suite, release.codename,
            static_cast<int64_t>(distinct.size()));
        if (!row[0].as<bool>()) {
          return absl::NotFoundError(absl::StrCat(
              "mirror \"", name,
              "\" does not exist (it was renamed or dropped meanwhile); "
              "nothing was recorded"));
        }
        if (!row[1].as<bool>()) {
          std::vector<std::string> missing;
          for (const pqxx::row& key : tx.pqxx().exec_params(
                   "SELECT k FROM unnest($1::text[]) AS k WHERE NOT EXISTS "
                   "(SELECT 1 FROM packages p WHERE p.key = k) ORDER BY k "
                   "LIMIT $2",
                   internal::PgTextArray(distinct), kMaxNamedKeys)) {
            missing.push_back(key[0].c_str());
          }
          return absl::FailedPreconditionError(
              absl::StrCat(distinct.size() - row[2].as<int64_t>(),
                           " packages of the new list of mirror \"", name,
                           "\" are not stored (store them first), e.g. ",
                           absl::StrJoin(missing, ", ")));
        }
        return MirrorPackagesChange{
            .package_count = row[2].as<int64_t>(),
            .added_count = row[3].as<int64_t>(),
            .removed_count = row[4].as<int64_t>(),
        };
      });
}

}  // namespace debrepo::storage
