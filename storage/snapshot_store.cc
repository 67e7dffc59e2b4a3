#include "storage/snapshot_store.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"

namespace debrepo::storage {
namespace {

constexpr char kSnapshotColumns[] =
    "id, name, description, package_count, " DEBREPO_SQL_MICROS("create_time");

// A snapshot row and its id, which reads of its sources need.
struct SnapshotRow {
  int64_t id;
  v1::Snapshot snapshot;
};

SnapshotRow SnapshotFromRow(const pqxx::row& row) {
  SnapshotRow read;
  read.id = row[0].as<int64_t>();
  read.snapshot.set_name(row[1].c_str());
  read.snapshot.set_description(row[2].c_str());
  read.snapshot.set_package_count(row[3].as<int64_t>());
  if (auto time = internal::TimestampFrom(row[4])) {
    *read.snapshot.mutable_create_time() = *time;
  }
  return read;
}

v1::SnapshotSource::Kind SourceKind(absl::string_view kind) {
  if (kind == "repo") return v1::SnapshotSource::REPO;
  if (kind == "snapshot") return v1::SnapshotSource::SNAPSHOT;
  if (kind == "mirror") return v1::SnapshotSource::MIRROR;
  return v1::SnapshotSource::KIND_UNSPECIFIED;
}

// Adds the sources of snapshot `id` to `snapshot`. A source that still
// exists is shown under its current name (it may have been renamed since).
void ReadSources(pqxx::transaction_base& tx, int64_t id,
                 v1::Snapshot& snapshot) {
  for (const pqxx::row& row : internal::ExecPrepared(
           tx, "get_snapshot_sources",
           "SELECT ss.kind, coalesce(r.name, s.name, ss.name), ss.dropped "
           "FROM snapshot_sources ss "
           "LEFT JOIN repos r ON r.id = ss.repo_id "
           "LEFT JOIN snapshots s ON s.id = ss.source_snapshot_id "
           "WHERE ss.snapshot_id = $1 ORDER BY ss.position",
           id)) {
    v1::SnapshotSource& source = *snapshot.add_sources();
    source.set_kind(SourceKind(row[0].c_str()));
    source.set_name(row[1].c_str());
    source.set_dropped(row[2].as<bool>());
  }
}

std::optional<SnapshotRow> FindSnapshotRow(pqxx::transaction_base& tx,
                                           absl::string_view name) {
  pqxx::result rows =
      internal::ExecPrepared(tx, "get_snapshot",
                             absl::StrCat("SELECT ", kSnapshotColumns,
                                          " FROM snapshots WHERE name = $1"),
                             std::string(name));
  if (rows.empty()) return std::nullopt;
  return SnapshotFromRow(rows[0]);
}

absl::Status SnapshotNotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(
      "snapshot \"", name,
      "\" does not exist; `debrepo snapshot list` shows the snapshots"));
}

}  // namespace

absl::StatusOr<v1::Snapshot> GetSnapshot(Database& db, absl::string_view name) {
  absl::StatusOr<v1::Snapshot> snapshot;
  absl::Status status =
      db.Run("reading a snapshot", [&](pqxx::connection& connection) {
        // One snapshot of the database for the row and its sources.
        pqxx::read_transaction tx(connection);
        std::optional<SnapshotRow> row = FindSnapshotRow(tx, name);
        if (!row.has_value()) {
          snapshot = SnapshotNotFound(name);
          return absl::OkStatus();
        }
        ReadSources(tx, row->id, row->snapshot);
        snapshot = std::move(row->snapshot);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return snapshot;
}

absl::Status SnapshotAlreadyExists(absl::string_view name) {
  return absl::AlreadyExistsError(
      absl::StrCat("snapshot \"", name,
                   "\" already exists; choose another name or drop it first"));
}

}  // namespace debrepo::storage
