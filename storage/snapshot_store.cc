#include "storage/snapshot_store.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"
#include "storage/publication_store.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

#define DEBREPO_SNAPSHOT_COLUMNS \
  "id, name, description, package_count, " DEBREPO_SQL_MICROS("create_time")

constexpr char kSnapshotColumns[] = DEBREPO_SNAPSHOT_COLUMNS;

// Pages of snapshots by name, and by time: after ($2 microseconds, $1).
constexpr char kListByName[] = "SELECT " DEBREPO_SNAPSHOT_COLUMNS
                               " FROM snapshots WHERE name > $1 "
                               "ORDER BY name LIMIT $2";
constexpr char kListByTime[] =
    "SELECT " DEBREPO_SNAPSHOT_COLUMNS " FROM snapshots WHERE "
    "(" DEBREPO_SQL_MICROS("create_time") ", name) > ($2, $1) "
    "ORDER BY create_time, name LIMIT $3";

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

// How snapshot_sources stores a source kind, and where sources of that
// kind live.
struct SourceKindSql {
  const char* kind;
  // The snapshot_sources column referring to the source, and its table.
  const char* column;
  const char* table;
};

absl::StatusOr<SourceKindSql> SqlOfKind(v1::SnapshotSource::Kind kind) {
  switch (kind) {
    case v1::SnapshotSource::REPO:
      return SourceKindSql{"repo", "repo_id", "repos"};
    case v1::SnapshotSource::SNAPSHOT:
      return SourceKindSql{"snapshot", "source_snapshot_id", "snapshots"};
    case v1::SnapshotSource::MIRROR:
      return SourceKindSql{"mirror", "mirror_id", "mirrors"};
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("snapshots cannot be made from a source of kind ",
                       v1::SnapshotSource::Kind_Name(kind), " yet"));
  }
}

v1::SnapshotSource::Kind KindOfSql(absl::string_view kind) {
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
           "SELECT ss.kind, coalesce(r.name, s.name, m.name, ss.name), "
           "ss.dropped FROM snapshot_sources ss "
           "LEFT JOIN repos r ON r.id = ss.repo_id "
           "LEFT JOIN snapshots s ON s.id = ss.source_snapshot_id "
           "LEFT JOIN mirrors m ON m.id = ss.mirror_id "
           "WHERE ss.snapshot_id = $1 ORDER BY ss.position",
           id)) {
    v1::SnapshotSource& source = *snapshot.add_sources();
    source.set_kind(KindOfSql(row[0].c_str()));
    source.set_name(row[1].c_str());
    source.set_dropped(row[2].as<bool>());
  }
}

// Reads the snapshot called `name` with its sources; nullopt when absent.
std::optional<v1::Snapshot> ReadSnapshot(pqxx::transaction_base& tx,
                                         absl::string_view name) {
  pqxx::result rows =
      internal::ExecPrepared(tx, "get_snapshot",
                             absl::StrCat("SELECT ", kSnapshotColumns,
                                          " FROM snapshots WHERE name = $1"),
                             std::string(name));
  if (rows.empty()) return std::nullopt;
  SnapshotRow row = SnapshotFromRow(rows[0]);
  ReadSources(tx, row.id, row.snapshot);
  return std::move(row.snapshot);
}

}  // namespace

absl::Status SnapshotNotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(
      "snapshot \"", name,
      "\" does not exist; `debrepo snapshot list` shows the snapshots"));
}

absl::StatusOr<v1::Snapshot> GetSnapshot(Database& db, absl::string_view name) {
  absl::StatusOr<v1::Snapshot> snapshot;
  absl::Status status =
      db.Run("reading a snapshot", [&](pqxx::connection& connection) {
        // Read-only, so the row and its sources are read as of one moment.
        pqxx::read_transaction tx(connection);
        std::optional<v1::Snapshot> found = ReadSnapshot(tx, name);
        if (found.has_value()) {
          Transaction transaction(tx);
          v1::PublishedComponent source;
          source.set_snapshot(std::string(name));
          absl::StatusOr<std::vector<std::string>> publications =
              PublicationsOfSource(transaction, source);
          if (!publications.ok()) return publications.status();
          for (std::string& publication : *publications) {
            found->add_publications(std::move(publication));
          }
          snapshot = *std::move(found);
        } else {
          snapshot = SnapshotNotFound(name);
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return snapshot;
}

std::string SnapshotTimePosition(const v1::Snapshot& snapshot) {
  // Names never hold '/', so the first one ends the time.
  const google::protobuf::Timestamp& time = snapshot.create_time();
  return absl::StrCat(time.seconds() * 1000000 + time.nanos() / 1000, "/",
                      snapshot.name());
}

absl::StatusOr<std::vector<v1::Snapshot>> ListSnapshots(Database& db,
                                                        SnapshotOrder order,
                                                        absl::string_view after,
                                                        int limit) {
  std::string after_name(after);
  int64_t after_micros = -1;
  if (order == SnapshotOrder::kCreateTime && !after.empty()) {
    std::pair<std::string, std::string> parts =
        absl::StrSplit(after, absl::MaxSplits('/', 1));
    if (!absl::SimpleAtoi(parts.first, &after_micros)) {
      return absl::InvalidArgumentError(
          "page_token does not come from a listing by time; start again "
          "without it");
    }
    after_name = parts.second;
  }
  std::vector<v1::Snapshot> snapshots;
  absl::Status status =
      db.Run("listing snapshots", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        const pqxx::result rows =
            order == SnapshotOrder::kName
                ? tx.exec_params(kListByName, after_name, limit)
                : tx.exec_params(kListByTime, after_name, after_micros, limit);
        for (const pqxx::row& row : rows) {
          snapshots.push_back(std::move(SnapshotFromRow(row).snapshot));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return snapshots;
}

absl::StatusOr<std::optional<v1::Snapshot>> FindSnapshot(
    Transaction& tx, absl::string_view name) {
  return Guard("reading a snapshot",
               [&]() -> absl::StatusOr<std::optional<v1::Snapshot>> {
                 return ReadSnapshot(tx.pqxx(), name);
               });
}

absl::StatusOr<v1::Snapshot> LoadSnapshot(Transaction& tx,
                                          absl::string_view name) {
  absl::StatusOr<std::optional<v1::Snapshot>> snapshot = FindSnapshot(tx, name);
  if (!snapshot.ok()) return snapshot.status();
  if (!snapshot->has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "snapshot \"", name,
        "\" does not exist (it may have been renamed or dropped meanwhile); "
        "`debrepo snapshot list` shows the snapshots"));
  }
  return **std::move(snapshot);
}

absl::Status SnapshotAlreadyExists(absl::string_view name) {
  return absl::AlreadyExistsError(
      absl::StrCat("snapshot \"", name,
                   "\" already exists; choose another name or drop it first"));
}

SnapshotPackageIds NoSnapshotPackages() {
  return {"SELECT NULL::bigint[] AS ids, NULL::integer[] AS pairs", {}};
}

SnapshotPackageIds SnapshotPackageIdsOfRepo(absl::string_view repo) {
  // Two index-only scans of the primary key (repo_id, package_id), which
  // includes pair_id, each in id order: 63,440 ids and pairs in 24 ms on a
  // loaded machine, where array_agg(... ORDER BY package_id) of the ids
  // alone took 15 ms and with a second one for the pairs 48-54 ms (an
  // ordered aggregate sorts its input, even sorted, and the second sorts
  // whole tuples).
  return {
      "SELECT ARRAY(SELECT package_id FROM repo_packages "
      "WHERE repo_id = r.id ORDER BY package_id) AS ids, "
      "ARRAY(SELECT pair_id FROM repo_packages "
      "WHERE repo_id = r.id ORDER BY package_id) AS pairs "
      "FROM repos r WHERE r.name = $1",
      {std::string(repo)}};
}

SnapshotPackageIds SnapshotPackageIdsOfMirror(absl::string_view mirror) {
  // Stored sorted and distinct, as a snapshot's: taken as they are.
  return {
      "SELECT package_ids AS ids, package_pairs AS pairs FROM mirrors "
      "WHERE name = $1",
      {std::string(mirror)}};
}

SnapshotPackageIds SnapshotPackageIdsOfKeys(
    const std::vector<std::string>& keys) {
  // The packages looked up once, then read twice in id order (see
  // SnapshotPackageIdsOfRepo).
  return {
      "WITH found AS MATERIALIZED (SELECT id, pair_id FROM packages "
      "WHERE key = ANY($1::text[])) "
      "SELECT ARRAY(SELECT id FROM found ORDER BY id) AS ids, "
      "ARRAY(SELECT pair_id FROM found ORDER BY id) AS pairs",
      {internal::PgTextArray(keys)}};
}

absl::StatusOr<v1::Snapshot> InsertSnapshot(
    Transaction& tx, const v1::Snapshot& snapshot,
    const std::vector<v1::SnapshotSource>& sources,
    const SnapshotPackageIds& package_ids) {
  std::vector<std::string> kinds;
  std::vector<std::string> names;
  for (const v1::SnapshotSource& source : sources) {
    absl::StatusOr<SourceKindSql> kind = SqlOfKind(source.kind());
    if (!kind.ok()) return kind.status();
    kinds.push_back(kind->kind);
    names.push_back(source.name());
  }
  // Our parameters follow the package ids' own.
  std::vector<std::string> parameters;
  const size_t first =
      package_ids.parameters.size() + package_ids.binary_parameters.size() + 1;
  for (std::string value :
       {snapshot.name(), snapshot.description(), internal::PgTextArray(kinds),
        internal::PgTextArray(names)}) {
    parameters.push_back(std::move(value));
  }
  auto placeholder = [first](size_t index) {
    return absl::StrCat("$", first + index);
  };
  std::vector<pqxx::binarystring> binary_parameters;
  for (const std::string& value : package_ids.binary_parameters) {
    binary_parameters.emplace_back(value.data(), value.size());
  }
  // One statement: the row, its packages computed where they are (one row
  // whatever the packages' query returns), and its sources (their ids
  // looked up by name).
  const std::string sql = absl::StrCat(
      "WITH new AS (INSERT INTO snapshots (name, description, package_ids, "
      "package_pairs) SELECT ",
      placeholder(0), ", ", placeholder(1),
      ", coalesce(m.ids, '{}'::bigint[]), "
      "coalesce(m.pairs, '{}'::integer[]) FROM (VALUES (1)) AS one "
      "LEFT JOIN (",
      package_ids.sql, ") AS m ON true RETURNING ", kSnapshotColumns,
      "), sources AS (INSERT INTO snapshot_sources "
      "(snapshot_id, position, kind, name, repo_id, source_snapshot_id, "
      "mirror_id) "
      "SELECT new.id, s.position, s.kind, s.name, "
      "CASE s.kind WHEN 'repo' THEN "
      "(SELECT id FROM repos r WHERE r.name = s.name) END, "
      "CASE s.kind WHEN 'snapshot' THEN "
      "(SELECT id FROM snapshots o WHERE o.name = s.name) END, "
      "CASE s.kind WHEN 'mirror' THEN "
      "(SELECT id FROM mirrors m WHERE m.name = s.name) END "
      "FROM new, unnest(",
      placeholder(2), "::text[], ", placeholder(3),
      "::text[]) WITH ORDINALITY AS s (kind, name, position)) "
      "SELECT * FROM new");
  return Guard("creating a snapshot", [&]() -> absl::StatusOr<v1::Snapshot> {
    v1::Snapshot created =
        SnapshotFromRow(
            tx.pqxx().exec_params1(
                sql, pqxx::prepare::make_dynamic_params(package_ids.parameters),
                pqxx::prepare::make_dynamic_params(binary_parameters),
                pqxx::prepare::make_dynamic_params(parameters)))
            .snapshot;
    for (const v1::SnapshotSource& source : sources) {
      v1::SnapshotSource& added = *created.add_sources();
      added.set_kind(source.kind());
      added.set_name(source.name());
    }
    return created;
  });
}

absl::StatusOr<v1::Snapshot> ReplaceSnapshot(Transaction& tx,
                                             absl::string_view name,
                                             const v1::Snapshot& snapshot) {
  return Guard("updating a snapshot", [&]() -> absl::StatusOr<v1::Snapshot> {
    SnapshotRow row = SnapshotFromRow(tx.pqxx().exec_params1(
        absl::StrCat("UPDATE snapshots SET name = $2, description = $3 "
                     "WHERE name = $1 RETURNING ",
                     kSnapshotColumns),
        std::string(name), snapshot.name(), snapshot.description()));
    ReadSources(tx.pqxx(), row.id, row.snapshot);
    return std::move(row.snapshot);
  });
}

absl::StatusOr<std::vector<std::string>> SnapshotsMadeFrom(
    Transaction& tx, v1::SnapshotSource::Kind kind, absl::string_view name) {
  absl::StatusOr<SourceKindSql> source = SqlOfKind(kind);
  if (!source.ok()) return source.status();
  return Guard(
      "finding the snapshots made from a source",
      [&]() -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> names;
        for (const pqxx::row& row : tx.pqxx().exec_params(
                 absl::StrCat("SELECT DISTINCT s.name FROM snapshot_sources ss "
                              "JOIN snapshots s ON s.id = ss.snapshot_id "
                              "WHERE ss.",
                              source->column, " = (SELECT id FROM ",
                              source->table,
                              " WHERE name = $1) ORDER BY s.name"),
                 std::string(name))) {
          names.push_back(row[0].c_str());
        }
        return names;
      });
}

absl::Status MarkSourceDropped(Transaction& tx, v1::SnapshotSource::Kind kind,
                               absl::string_view name) {
  absl::StatusOr<SourceKindSql> source = SqlOfKind(kind);
  if (!source.ok()) return source.status();
  return Guard("marking a dropped source", [&]() -> absl::Status {
    tx.pqxx().exec_params0(
        absl::StrCat(
            "UPDATE snapshot_sources SET dropped = true, name = $1, "
            "repo_id = NULL, source_snapshot_id = NULL, mirror_id = NULL "
            "WHERE ",
            source->column, " = (SELECT id FROM ", source->table,
            " WHERE name = $1)"),
        std::string(name));
    return absl::OkStatus();
  });
}

absl::Status DeleteSnapshot(Transaction& tx, absl::string_view name) {
  return Guard("deleting a snapshot", [&]() -> absl::Status {
    tx.pqxx().exec_params0("DELETE FROM snapshots WHERE name = $1",
                           std::string(name));
    return absl::OkStatus();
  });
}

}  // namespace debrepo::storage
