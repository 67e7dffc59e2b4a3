#include "storage/publication_store.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "pqxx/pqxx"
#include "storage/advisory_lock.h"
#include "storage/internal_pg.h"
#include "storage/package_file_fields.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

#define DEBREPO_PUBLICATION_COLUMNS                                         \
  "id, storage, prefix, distribution, architectures, settings, "            \
  "generation, " DEBREPO_SQL_MICROS("create_time") ", " DEBREPO_SQL_MICROS( \
      "update_time")

constexpr char kPublicationColumns[] = DEBREPO_PUBLICATION_COLUMNS;

// Pages of publications: after ($1, $2, $3), on storage $4 unless empty.
constexpr char kListPublications[] =
    "SELECT " DEBREPO_PUBLICATION_COLUMNS
    " FROM publications WHERE (storage, prefix, distribution) > ($1, $2, $3) "
    "AND ($4 = '' OR storage = $4) "
    "ORDER BY storage, prefix, distribution LIMIT $5";

// The (component, id) of each package the publications of the storage and
// prefix in the parameters named list.
std::string ListedIdsSql(absl::string_view storage_parameter,
                         absl::string_view prefix_parameter) {
  return absl::StrCat(
      "SELECT pc.component, u.id FROM publications pub "
      "JOIN publication_components pc ON pc.publication_id = pub.id "
      "CROSS JOIN LATERAL unnest(pc.package_ids) AS u(id) "
      "WHERE pub.storage = ",
      storage_parameter, " AND pub.prefix = ", prefix_parameter);
}

// The (component, id) of each package in the `column` (added_ids or
// removed_ids) of the pool changes of the job whose id is `job_parameter`.
std::string ChangedIdsSql(absl::string_view column,
                          absl::string_view job_parameter) {
  return absl::StrCat(
      "SELECT c.component, u.id FROM publication_pool_changes c "
      "CROSS JOIN LATERAL unnest(c.",
      column, ") AS u(id) WHERE c.job_id = ", job_parameter);
}

// The pool queries filter one set of (component, id) rows by another with
// NOT IN and with IN wrapped in IS TRUE, which PostgreSQL evaluates as a
// hashed subplan, one pass over each: as joins, which it plans from its
// estimate of 10 rows for each unnest, they became nested loops over
// 57,096 x 6,344 rows (minutes) where the subplans take 0.4 s. None of
// these columns is ever NULL.

// "WITH <column> AS (...), listed AS (...)": the (component, id) of the
// packages in the `column` (added_ids or removed_ids) of job $3's pool
// changes, and of those the publications of storage $1 and prefix $2 list.
std::string ChangedAndListedIdsSql(absl::string_view column) {
  return absl::StrCat("WITH ", column, " AS (", ChangedIdsSql(column, "$3"),
                      "), listed AS (", ListedIdsSql("$1", "$2"), ")");
}

// A query of the distinct component, source and name (and, when
// `with_sha256`, sha256) of each file `f` of each package `p` of the
// relation `ids` (component, id), aliased `alias`; `where` may follow.
std::string PoolFilesSql(absl::string_view ids, absl::string_view alias,
                         bool with_sha256) {
  return absl::StrCat("SELECT DISTINCT ", alias,
                      ".component, p.source, f->>'name' AS name",
                      with_sha256 ? ", f->>'sha256' AS sha256" : "", " FROM ",
                      ids, " ", alias, " JOIN packages p ON p.id = ", alias,
                      ".id CROSS JOIN LATERAL jsonb_array_elements(p.files) f");
}

// A query of the distinct component, source and name (and, when
// `with_sha256`, sha256) of each file `f` of each package `p` the prefix
// lists (`listed`) in a component and source package of the relation
// `sources` (component, source), aliased `s`; more conditions may follow
// with AND. The packages come from packages_source (migration 18), a
// probe per source package: finding the sources of all the listed
// packages instead took a probe of packages per listed package, 56,880
// for a switch of 63,440, two thirds of the 0.3 s each of the conflict
// check and of the pruning's read.
std::string ListedFilesOfSourcesSql(absl::string_view sources,
                                    bool with_sha256) {
  return absl::StrCat(
      "SELECT DISTINCT s.component, p.source, f->>'name' AS name",
      with_sha256 ? ", f->>'sha256' AS sha256" : "",
      " FROM (SELECT DISTINCT component, source FROM ", sources,
      ") s JOIN packages p ON p.source = s.source "
      "CROSS JOIN LATERAL jsonb_array_elements(p.files) f "
      "WHERE ((s.component, p.id) IN (SELECT component, id FROM listed)) "
      "IS TRUE");
}

// Positions join storage, prefix and distribution with a character none of
// them may hold.
constexpr char kPositionSeparator = '\n';

// How the tables refer to a component's source.
struct SourceSql {
  // The publication_components column and the table it refers to.
  const char* column;
  const char* table;
  // An expression of the source's sorted package ids ($1: its name).
  const char* package_ids;
  std::string name;
};

absl::StatusOr<SourceSql> SqlOfSource(const v1::PublishedComponent& source) {
  switch (source.source_case()) {
    case v1::PublishedComponent::kSnapshot:
      return SourceSql{"snapshot_id", "snapshots",
                       "(SELECT package_ids FROM snapshots WHERE name = $1)",
                       source.snapshot()};
    case v1::PublishedComponent::kRepo:
      // Through the primary key (repo_id, package_id) the ids come sorted.
      return SourceSql{
          "repo_id", "repos",
          "(SELECT coalesce(array_agg(package_id ORDER BY package_id), "
          "'{}'::bigint[]) FROM repo_packages WHERE repo_id = "
          "(SELECT id FROM repos WHERE name = $1))",
          source.repo()};
    case v1::PublishedComponent::SOURCE_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "component \"", source.component(), "\" names no snapshot or repo"));
}

absl::Status SourceNotFound(const v1::PublishedComponent& source) {
  const bool snapshot =
      source.source_case() == v1::PublishedComponent::kSnapshot;
  return absl::NotFoundError(absl::StrCat(
      snapshot ? "snapshot \"" : "repo \"",
      snapshot ? source.snapshot() : source.repo(),
      "\" does not exist (it may have been renamed or dropped meanwhile); `",
      snapshot ? "debrepo snapshot list" : "debrepo repo list",
      "` shows what there is"));
}

// A publication row and its id, which reads of its components need.
struct PublicationRow {
  int64_t id;
  StoredPublication stored;
};

absl::StatusOr<PublicationRow> PublicationFromRow(const pqxx::row& row) {
  PublicationRow read;
  read.id = row[0].as<int64_t>();
  v1::Publication& publication = read.stored.publication;
  RETURN_IF_ERROR(internal::FromJson(row[5].c_str(), &publication));
  publication.set_storage(row[1].c_str());
  publication.set_prefix(row[2].c_str());
  publication.set_distribution(row[3].c_str());
  for (std::string& architecture : internal::ParseTextArray(row[4])) {
    publication.add_architectures(std::move(architecture));
  }
  read.stored.generation = row[6].as<int64_t>();
  if (auto time = internal::TimestampFrom(row[7])) {
    *publication.mutable_create_time() = *time;
  }
  if (auto time = internal::TimestampFrom(row[8])) {
    *publication.mutable_update_time() = *time;
  }
  return read;
}

// Adds the components of the publications `ids` to `publications` (the
// same length: the components of ids[i] go to *publications[i]), their
// sources under their current names, in one statement for the lot.
void ReadComponents(pqxx::transaction_base& tx, const std::vector<int64_t>& ids,
                    const std::vector<v1::Publication*>& publications) {
  if (ids.empty()) return;
  absl::flat_hash_map<int64_t, v1::Publication*> by_id;
  for (size_t i = 0; i < ids.size(); ++i) by_id[ids[i]] = publications[i];
  for (const pqxx::row& row : internal::ExecPrepared(
           tx, "get_publication_components",
           "SELECT pc.publication_id, pc.component, s.name, r.name, "
           "cardinality(pc.package_ids) FROM publication_components pc "
           "LEFT JOIN snapshots s ON s.id = pc.snapshot_id "
           "LEFT JOIN repos r ON r.id = pc.repo_id "
           "WHERE pc.publication_id = ANY($1::bigint[]) "
           "ORDER BY pc.publication_id, pc.position",
           absl::StrCat("{", absl::StrJoin(ids, ","), "}"))) {
    v1::PublishedComponent& component =
        *by_id.at(row[0].as<int64_t>())->add_components();
    component.set_component(row[1].c_str());
    if (!row[2].is_null()) component.set_snapshot(row[2].c_str());
    if (!row[3].is_null()) component.set_repo(row[3].c_str());
    component.set_package_count(row[4].as<int64_t>());
  }
}

absl::StatusOr<std::optional<StoredPublication>> ReadPublication(
    pqxx::transaction_base& tx, const v1::PublicationRef& ref) {
  pqxx::result rows = internal::ExecPrepared(
      tx, "get_publication",
      absl::StrCat("SELECT ", kPublicationColumns,
                   " FROM publications WHERE storage = $1 AND prefix = $2 "
                   "AND distribution = $3"),
      ref.storage(), ref.prefix(), ref.distribution());
  if (rows.empty()) return std::nullopt;
  ASSIGN_OR_RETURN(PublicationRow row, PublicationFromRow(rows[0]));
  ReadComponents(tx, {row.id}, {&row.stored.publication});
  return std::move(row.stored);
}

// The options of `publication` kept in the settings column: what is not a
// column of its own.
std::string SettingsJson(const v1::Publication& publication) {
  v1::Publication settings = publication;
  settings.clear_storage();
  settings.clear_prefix();
  settings.clear_distribution();
  settings.clear_components();
  settings.clear_architectures();
  settings.clear_create_time();
  settings.clear_update_time();
  return internal::ToJson(settings);
}

}  // namespace

v1::PublicationRef MakePublicationRef(absl::string_view storage,
                                      absl::string_view prefix,
                                      absl::string_view distribution) {
  v1::PublicationRef ref;
  ref.set_storage(std::string(storage));
  ref.set_prefix(std::string(prefix));
  ref.set_distribution(std::string(distribution));
  return ref;
}

std::string PublicationName(absl::string_view storage, absl::string_view prefix,
                            absl::string_view distribution) {
  std::string name = absl::StrCat(prefix, "/", distribution);
  if (storage.empty() || storage == kDefaultPublishStorage) return name;
  return absl::StrCat(storage, ":", name);
}

absl::Status PublicationNotFound(const v1::PublicationRef& ref) {
  return absl::NotFoundError(absl::StrCat(
      "publication ",
      PublicationName(ref.storage(), ref.prefix(), ref.distribution()),
      " does not exist; `debrepo publish list` shows the publications"));
}

absl::Status PublicationAlreadyExists(const v1::PublicationRef& ref) {
  return absl::AlreadyExistsError(absl::StrCat(
      "publication ",
      PublicationName(ref.storage(), ref.prefix(), ref.distribution()),
      " already exists; drop it first, or publish another distribution or "
      "prefix"));
}

absl::StatusOr<v1::Publication> GetPublication(Database& db,
                                               const v1::PublicationRef& ref) {
  absl::StatusOr<v1::Publication> publication;
  RETURN_IF_ERROR(
      db.Run("reading a publication", [&](pqxx::connection& connection) {
        // Read-only, so the row and its components are of one moment.
        pqxx::read_transaction tx(connection);
        ASSIGN_OR_RETURN(std::optional<StoredPublication> found,
                         ReadPublication(tx, ref));
        if (found.has_value()) {
          publication = std::move(found->publication);
        } else {
          publication = PublicationNotFound(ref);
        }
        return absl::OkStatus();
      }));
  return publication;
}

std::string PublicationPosition(const v1::Publication& publication) {
  return absl::StrCat(publication.storage(), std::string(1, kPositionSeparator),
                      publication.prefix(), std::string(1, kPositionSeparator),
                      publication.distribution());
}

absl::StatusOr<std::vector<v1::Publication>> ListPublications(
    Database& db, absl::string_view storage, absl::string_view after,
    int limit) {
  std::vector<std::string> position;
  if (!after.empty()) {
    position = absl::StrSplit(after, kPositionSeparator);
    if (position.size() != 3) {
      return absl::InvalidArgumentError(
          "page_token does not come from a publication listing; start again "
          "without it");
    }
  } else {
    position = {"", "", ""};
  }
  std::vector<v1::Publication> publications;
  RETURN_IF_ERROR(
      db.Run("listing publications", [&](pqxx::connection& connection) {
        pqxx::read_transaction tx(connection);
        std::vector<int64_t> ids;
        for (const pqxx::row& row :
             tx.exec_params(kListPublications, position[0], position[1],
                            position[2], std::string(storage), limit)) {
          ASSIGN_OR_RETURN(PublicationRow read, PublicationFromRow(row));
          ids.push_back(read.id);
          publications.push_back(std::move(read.stored.publication));
        }
        std::vector<v1::Publication*> listed;
        for (v1::Publication& publication : publications) {
          listed.push_back(&publication);
        }
        ReadComponents(tx, ids, listed);
        return absl::OkStatus();
      }));
  return publications;
}

absl::StatusOr<std::optional<StoredPublication>> FindPublication(
    Transaction& tx, const v1::PublicationRef& ref) {
  return Guard("reading a publication",
               [&]() { return ReadPublication(tx.pqxx(), ref); });
}

absl::StatusOr<StoredPublication> LoadPublication(
    Transaction& tx, const v1::PublicationRef& ref) {
  ASSIGN_OR_RETURN(std::optional<StoredPublication> found,
                   FindPublication(tx, ref));
  if (!found.has_value()) return PublicationNotFound(ref);
  return *std::move(found);
}

absl::StatusOr<v1::Publication> SavePublication(
    Transaction& tx, const v1::Publication& publication, int64_t generation) {
  return Guard(
      "recording a publication", [&]() -> absl::StatusOr<v1::Publication> {
        pqxx::transaction_base& pg = tx.pqxx();
        const std::vector<std::string> architectures(
            publication.architectures().begin(),
            publication.architectures().end());
        const int64_t id =
            pg.exec_params1(
                  "INSERT INTO publications (storage, prefix, distribution, "
                  "architectures, settings, generation) "
                  "VALUES ($1, $2, $3, $4::text[], $5::jsonb, $6) "
                  "ON CONFLICT (storage, prefix, distribution) DO UPDATE SET "
                  "architectures = EXCLUDED.architectures, "
                  "settings = EXCLUDED.settings, "
                  "generation = EXCLUDED.generation, update_time = now() "
                  "RETURNING id",
                  publication.storage(), publication.prefix(),
                  publication.distribution(),
                  internal::PgTextArray(architectures),
                  SettingsJson(publication), generation)[0]
                .as<int64_t>();
        // What the tree before this one listed, for the pool changes.
        pg.exec_params0(
            "INSERT INTO publication_pool_changes (job_id, component, "
            "added_ids, removed_ids) SELECT $2, component, '{}', package_ids "
            "FROM publication_components WHERE publication_id = $1",
            id, generation);
        pg.exec_params0(
            "DELETE FROM publication_components WHERE publication_id = $1", id);
        int position = 0;
        for (const v1::PublishedComponent& component :
             publication.components()) {
          ASSIGN_OR_RETURN(const SourceSql source, SqlOfSource(component));
          // The source's own parameter is $1 in its package_ids expression.
          const pqxx::result inserted = pg.exec_params(
              absl::StrCat(
                  "INSERT INTO publication_components (publication_id, "
                  "position, component, ",
                  source.column,
                  ", package_ids) SELECT $2, $3, $4, src.id, "
                  "coalesce(",
                  source.package_ids, ", '{}'::bigint[]) FROM ", source.table,
                  " src WHERE src.name = $1"),
              source.name, id, position++, component.component());
          if (inserted.affected_rows() == 0) return SourceNotFound(component);
        }
        // Each component's packages against the tree before's: sorted
        // differences of two id arrays.
        pg.exec_params0(
            "INSERT INTO publication_pool_changes AS c (job_id, component, "
            "added_ids, removed_ids) SELECT $2, component, package_ids, '{}' "
            "FROM publication_components WHERE publication_id = $1 "
            "ON CONFLICT (job_id, component) DO UPDATE SET "
            "added_ids = ARRAY(SELECT unnest(EXCLUDED.added_ids) EXCEPT "
            "SELECT unnest(c.removed_ids) ORDER BY 1), "
            "removed_ids = ARRAY(SELECT unnest(c.removed_ids) EXCEPT "
            "SELECT unnest(EXCLUDED.added_ids) ORDER BY 1)",
            id, generation);
        ASSIGN_OR_RETURN(
            std::optional<StoredPublication> saved,
            ReadPublication(pg, MakePublicationRef(
                                    publication.storage(), publication.prefix(),
                                    publication.distribution())));
        return std::move(saved->publication);
      });
}

absl::StatusOr<std::vector<std::string>> ConflictingPoolFiles(
    Transaction& tx, absl::string_view storage, absl::string_view prefix,
    int64_t generation) {
  // The files of the packages the job added, and those of every other
  // package of the prefix with a component and source package of theirs:
  // a pool path with two digests among them is a conflict. Two files of
  // packages the job did not add cannot conflict (the job that recorded
  // the later of them checked it). When the prefix lists nothing but what
  // the job added (its first publication), nothing is read: the job's own
  // packages are its long phase's to check (PoolPathCheck), which saw them
  // all; reading their files here took 0.85 s of a first publish of
  // 63,440.
  const std::string kConflictsSql =
      absl::StrCat(ChangedAndListedIdsSql("added_ids"), ", added AS (",
                   PoolFilesSql("added_ids", "a", true), "), others AS (",
                   ListedFilesOfSourcesSql("added", true),
                   " AND (s.component, p.id) NOT IN (SELECT component, id FROM "
                   "added_ids)) "
                   "SELECT component, source, name FROM "
                   "(SELECT * FROM added UNION SELECT * FROM others) files "
                   "WHERE EXISTS (SELECT FROM listed WHERE (component, id) "
                   "NOT IN (SELECT component, id FROM added_ids)) "
                   "GROUP BY component, source, name HAVING count(*) > 1 "
                   "ORDER BY component, source, name LIMIT 20");
  return Guard(
      "checking the pool files of a prefix",
      [&]() -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> conflicts;
        for (const pqxx::row& row :
             tx.pqxx().exec_params(kConflictsSql, std::string(storage),
                                   std::string(prefix), generation)) {
          conflicts.push_back(absl::StrCat(row[0].c_str(), "/", row[1].c_str(),
                                           "/", row[2].c_str()));
        }
        return conflicts;
      });
}

absl::Status DeletePublication(Transaction& tx, const v1::PublicationRef& ref,
                               int64_t job_id) {
  return Guard("deleting a publication", [&]() -> absl::Status {
    // Its packages leave the pool (unless listed by another publication).
    tx.pqxx().exec_params0(
        "INSERT INTO publication_pool_changes (job_id, component, added_ids, "
        "removed_ids) SELECT $4, pc.component, '{}', pc.package_ids "
        "FROM publications pub JOIN publication_components pc "
        "ON pc.publication_id = pub.id WHERE pub.storage = $1 AND "
        "pub.prefix = $2 AND pub.distribution = $3",
        ref.storage(), ref.prefix(), ref.distribution(), job_id);
    tx.pqxx().exec_params0(
        "DELETE FROM publications WHERE storage = $1 AND prefix = $2 AND "
        "distribution = $3",
        ref.storage(), ref.prefix(), ref.distribution());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> PublicationsOfSource(
    Transaction& tx, const v1::PublishedComponent& source) {
  ASSIGN_OR_RETURN(const SourceSql sql, SqlOfSource(source));
  return Guard(
      "finding the publications of a source",
      [&]() -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> names;
        for (const pqxx::row& row : tx.pqxx().exec_params(
                 absl::StrCat(
                     "SELECT DISTINCT p.storage, p.prefix, p.distribution "
                     "FROM publication_components pc JOIN publications p ON "
                     "p.id = pc.publication_id WHERE pc.",
                     sql.column, " = (SELECT id FROM ", sql.table,
                     " WHERE name = $1) "
                     "ORDER BY p.storage, p.prefix, p.distribution"),
                 sql.name)) {
          names.push_back(
              PublicationName(row[0].c_str(), row[1].c_str(), row[2].c_str()));
        }
        return names;
      });
}

absl::StatusOr<SourceArchitectures> ReadSourceArchitectures(
    Transaction& tx, const v1::PublishedComponent& source) {
  ASSIGN_OR_RETURN(const SourceSql sql, SqlOfSource(source));
  return Guard(
      "reading the architectures of a source",
      [&]() -> absl::StatusOr<SourceArchitectures> {
        const pqxx::result rows = tx.pqxx().exec_params(
            absl::StrCat("SELECT ids IS NOT NULL, coalesce(cardinality(ids), "
                         "0), ARRAY(SELECT DISTINCT p.architecture FROM "
                         "packages p WHERE p.id = ANY(ids) ORDER BY 1) "
                         "FROM (SELECT ",
                         sql.package_ids, " AS ids, EXISTS (SELECT 1 FROM ",
                         sql.table,
                         " WHERE name = $1) AS found) s WHERE found"),
            sql.name);
        if (rows.empty()) return SourceNotFound(source);
        SourceArchitectures read;
        read.package_count = rows[0][1].as<int64_t>();
        read.architectures = internal::ParseTextArray(rows[0][2]);
        return read;
      });
}

absl::Status ReadApart(Database& db, absl::string_view what,
                       const std::function<absl::Status(Transaction&)>& fn) {
  return db.Run(what, [&](pqxx::connection& connection) -> absl::Status {
    pqxx::read_transaction tx(connection);
    Transaction transaction(tx);
    RETURN_IF_ERROR(fn(transaction));
    tx.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<SourcePackageIds> ReadSourcePackageIds(
    Transaction& tx, const v1::PublishedComponent& source) {
  ASSIGN_OR_RETURN(const SourceSql sql, SqlOfSource(source));
  return Guard(
      "reading the packages of a source",
      [&]() -> absl::StatusOr<SourcePackageIds> {
        const pqxx::row row = tx.pqxx().exec_params1(
            absl::StrCat("SELECT array_to_string(ids, ','), EXISTS (SELECT 1 "
                         "FROM unnest(ids) AS u(id) JOIN packages p ON p.id = "
                         "u.id WHERE p.package_type = 'udeb') FROM (SELECT "
                         "coalesce(",
                         sql.package_ids, ", '{}'::bigint[]) AS ids) s"),
            sql.name);
        SourcePackageIds read;
        for (absl::string_view id :
             absl::StrSplit(row[0].c_str(), ',', absl::SkipEmpty())) {
          if (!absl::SimpleAtoi(id, &read.ids.emplace_back())) {
            return absl::InternalError(
                absl::StrCat("a package id that is no number: ", id));
          }
        }
        read.udebs = row[1].as<bool>();
        return read;
      });
}

absl::Status ForEachSourcePackage(
    Transaction& tx, const v1::PublishedComponent& source, int batch_size,
    const std::function<absl::Status(std::vector<PublishedPackage>&)>& fn) {
  ASSIGN_OR_RETURN(const SourceSql sql, SqlOfSource(source));
  // One pass through a server-side cursor: the source's ids are read once
  // and each package row once, `batch_size` rows held at a time (pages by
  // id would read the whole id array again for every page).
  return Guard("reading the packages to publish", [&]() -> absl::Status {
    tx.pqxx().exec_params0(
        absl::StrCat("DECLARE published_packages NO SCROLL CURSOR FOR "
                     "SELECT p.id, p.name, p.architecture, p.package_type, "
                     "p.source, p.stanza, "
                     "coalesce(p.file_fields, package_file_fields(p.files)) "
                     "FROM unnest(",
                     sql.package_ids,
                     ") AS u(id) JOIN packages p ON p.id = u.id"),
        sql.name);
    std::vector<PublishedPackage> batch;
    RETURN_IF_ERROR(internal::FetchAll(
        tx.pqxx(), "published_packages", batch_size,
        [&](const pqxx::row& row) -> absl::Status {
          PublishedPackage& package = batch.emplace_back();
          package.id = row[0].as<int64_t>();
          package.name = row[1].c_str();
          package.architecture = row[2].c_str();
          package.package_type = row[3].c_str();
          package.source = row[4].c_str();
          package.stanza = row[5].c_str();
          RETURN_IF_ERROR(ParsePackageFileFields(
              absl::string_view(row[6].c_str(), row[6].size()), package.files));
          if (batch.size() < static_cast<size_t>(batch_size)) {
            return absl::OkStatus();
          }
          const absl::Status handled = fn(batch);
          batch.clear();
          return handled;
        }));
    return batch.empty() ? absl::OkStatus() : fn(batch);
  });
}

absl::Status WithPoolLock(
    Database& db, absl::string_view storage, absl::string_view prefix,
    int64_t job_id, const std::function<absl::Status(const PoolChanges&)>& fn) {
  // The packages the job added, with their files as publishing reads them
  // (migration 18's text), taken apart and made distinct here: PostgreSQL
  // taking each package's files jsonb apart and sorting the rows to drop
  // repeats was most of this read, which the after-commit step waits for.
  const std::string kAddedPackagesSql = absl::StrCat(
      "SELECT a.component, p.source, "
      "coalesce(p.file_fields, package_file_fields(p.files)) FROM (",
      ChangedIdsSql("added_ids", "$1"), ") a JOIN packages p ON p.id = a.id");
  // The pool paths of the packages the job removed that no package the
  // prefix lists now has: neither the same package (in the same
  // component) nor another of the same component and source package with
  // a file of that name (e.g. the next build of a package, or the next
  // revision of a source package sharing its .orig.tar).
  const std::string kUnlistedFilesSql = absl::StrCat(
      ChangedAndListedIdsSql("removed_ids"), ", removed AS (",
      PoolFilesSql("removed_ids", "r", false),
      " WHERE (r.component, r.id) NOT IN (SELECT component, id FROM "
      "listed)) SELECT component, source, name FROM removed EXCEPT ",
      ListedFilesOfSourcesSql("removed", false));
  const int64_t key =
      AdvisoryLockKey(absl::StrCat("pool/", storage, "/", prefix));
  return db.Run("holding the pool lock", [&](pqxx::connection& connection) {
    {
      pqxx::nontransaction lock(connection);
      lock.exec_params("SELECT pg_advisory_lock($1)", key);
    }
    // Unlocks however `fn` ends; a broken connection lost the lock anyway.
    struct Unlock {
      pqxx::connection& connection;
      int64_t key;
      ~Unlock() {
        try {
          pqxx::nontransaction unlock(connection);
          unlock.exec_params("SELECT pg_advisory_unlock($1)", key);
        } catch (const std::exception&) {
        }
      }
    } unlock{connection, key};
    PoolChanges changes;
    {
      // Read after the lock is granted: a snapshot taken before it would
      // predate the previous holder's commit.
      pqxx::read_transaction tx(connection);
      std::vector<v1::PackageFile> files;
      for (const pqxx::row& row : tx.exec_params(kAddedPackagesSql, job_id)) {
        files.clear();
        RETURN_IF_ERROR(ParsePackageFileFields(
            absl::string_view(row[2].c_str(), row[2].size()), files));
        for (v1::PackageFile& file : files) {
          changes.added.push_back({row[0].c_str(), row[1].c_str(),
                                   std::move(*file.mutable_name()),
                                   std::move(*file.mutable_sha256())});
        }
      }
      // Each file once (packages of one source package may share one).
      auto fields = [](const PoolFile& file) {
        return std::tie(file.component, file.source, file.name, file.sha256);
      };
      std::sort(changes.added.begin(), changes.added.end(),
                [&](const PoolFile& a, const PoolFile& b) {
                  return fields(a) < fields(b);
                });
      changes.added.erase(
          std::unique(changes.added.begin(), changes.added.end(),
                      [&](const PoolFile& a, const PoolFile& b) {
                        return fields(a) == fields(b);
                      }),
          changes.added.end());
      for (const pqxx::row& row :
           tx.exec_params(kUnlistedFilesSql, std::string(storage),
                          std::string(prefix), job_id)) {
        changes.unlisted.push_back(
            {row[0].c_str(), row[1].c_str(), row[2].c_str(), ""});
      }
    }
    return fn(changes);
  });
}

}  // namespace debrepo::storage
