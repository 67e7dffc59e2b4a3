#include "storage/package_store.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "deb/control.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"
#include "storage/query_sql.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

// Stores the packages of a spool batch that are new, and the file lists of
// the binary ones (`paths` is NULL for source packages) that have none:
// the new ones, and those stored before file lists were recorded (schema
// version 13), which adding the same files again fills in. `inserted`
// has the new packages' ids; the stored ones are looked up only for keys
// it lacks, one index probe each: a join with packages instead was planned
// as a scan of the whole table per batch, and made adding 63,440 packages
// cost 1.7 s more. As it is, storing 63,440 one-path lists costs 0.3-0.5 s
// (2.1-2.4 s against 1.5-2.2 s for the packages alone, in the add job's
// batches of 1,000). Each package takes the pair of its name and
// architecture (migration 15), interned here if new: in the job's
// serializable transaction, a pair another job is interning meanwhile
// fails one of them with a serialization failure, retried, and never
// leaves a package without its pair (pair_id is NOT NULL).
constexpr char kInsertPackages[] = R"sql(
  WITH batch AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x (
      key text, name text, version text, architecture text, source text,
      package_type text, provides jsonb, stanza text, fields jsonb,
      files jsonb, file_fields text, paths text)),
  new_pairs AS (
    INSERT INTO package_pairs (name, architecture)
    SELECT DISTINCT name, architecture FROM batch b
    WHERE NOT EXISTS (SELECT 1 FROM package_pairs pp
                      WHERE pp.name = b.name
                        AND pp.architecture = b.architecture)
    ON CONFLICT DO NOTHING
    RETURNING id, name, architecture),
  pairs AS (
    SELECT id, name, architecture FROM new_pairs
    UNION ALL
    SELECT pp.id, pp.name, pp.architecture FROM package_pairs pp
    WHERE (pp.name, pp.architecture) IN (SELECT name, architecture
                                         FROM batch)),
  inserted AS (
    INSERT INTO packages (key, name, version, architecture, source,
                          package_type, provides, stanza, fields, files,
                          file_fields, pair_id)
    SELECT b.key, b.name, b.version, b.architecture, b.source,
           b.package_type,
           ARRAY(SELECT jsonb_array_elements_text(b.provides)), b.stanza,
           b.fields, b.files, b.file_fields, pairs.id
    FROM batch b
    LEFT JOIN pairs ON pairs.name = b.name
      AND pairs.architecture = b.architecture
    ORDER BY b.key
    ON CONFLICT (key) DO NOTHING
    RETURNING id, key)
  INSERT INTO package_contents (package_id, paths, qualified_name,
                                architecture, package_type)
  SELECT id, paths, qualified_name, architecture, package_type FROM (
    SELECT coalesce(inserted.id,
                    (SELECT stored.id FROM packages stored
                     WHERE stored.key = batch.key)) AS id,
           batch.paths, contents_name(batch.fields, batch.name)
             AS qualified_name,
           batch.architecture, batch.package_type
    FROM batch LEFT JOIN inserted ON inserted.key = batch.key
    WHERE batch.paths IS NOT NULL) AS lists
  WHERE id IS NOT NULL
  ON CONFLICT (package_id) DO NOTHING)sql";

// Members of repo $1, as packages p.
constexpr char kRepoMembers[] = R"sql(
  FROM packages p
  JOIN repo_packages rp ON rp.package_id = p.id
  WHERE rp.repo_id = (SELECT id FROM repos WHERE name = $1))sql";

// Members of mirror $1, as packages p: tested against one hash of its
// ids (see ListSnapshotPackages).
constexpr char kMirrorMembers[] = R"sql(
  FROM packages p WHERE (p.id IN (
    SELECT unnest(package_ids) FROM mirrors WHERE name = $1)) IS TRUE)sql";

// QueryCondition compiles `query` (all packages when null) to a condition
// over packages p whose values go to the end of `parameters`.
std::string QueryCondition(const deb::Query* query,
                           std::vector<std::string>& parameters) {
  if (query == nullptr) return "TRUE";
  SqlCondition compiled =
      QueryToSql(*query, static_cast<int>(parameters.size()) + 1);
  parameters.insert(parameters.end(), compiled.parameters.begin(),
                    compiled.parameters.end());
  return compiled.sql;
}

// StoredStanza parses the control stanza stored for package `key`;
// DATA_LOSS when it does not parse (the row was changed behind debrepo).
absl::StatusOr<deb::Paragraph> StoredStanza(const char* key,
                                            const char* stanza) {
  absl::StatusOr<std::vector<deb::Paragraph>> parsed =
      deb::ParseParagraphs(stanza);
  if (!parsed.ok() || parsed->size() != 1) {
    return absl::DataLossError(absl::StrCat(
        "the stored control stanza of ", key,
        " does not parse; restore the packages table from a backup"));
  }
  return std::move(parsed->front());
}

absl::StatusOr<v1::Package> PackageFromRow(const pqxx::row& row, bool details) {
  v1::Package package;
  package.set_key(row[0].c_str());
  package.set_name(row[1].c_str());
  package.set_version(row[2].c_str());
  package.set_architecture(row[3].c_str());
  package.set_source(row[4].c_str());
  package.set_package_type(row[5].c_str());
  if (!details) return package;
  ASSIGN_OR_RETURN(const deb::Paragraph stanza,
                   StoredStanza(row[0].c_str(), row[6].c_str()));
  for (const deb::Field& field : stanza.fields()) {
    v1::ControlField* out = package.add_fields();
    out->set_name(field.name);
    out->set_value(field.value);
  }
  v1::Package files;
  if (!internal::FromJson(absl::StrCat("{\"files\":", row[7].c_str(), "}"),
                          &files)
           .ok()) {
    return absl::DataLossError(absl::StrCat(
        "the stored files of ", row[0].c_str(),
        " do not parse; restore the packages table from a backup"));
  }
  *package.mutable_files() = files.files();
  return package;
}

}  // namespace

absl::Status InsertPackages(Transaction& tx, PackageSpool& spool,
                            const std::vector<bool>& take) {
  // Batches keep the JSON (and PostgreSQL's parse of it) small however many
  // packages a job adds.
  constexpr size_t kBatch = 1000;
  return Guard("storing packages", [&]() -> absl::Status {
    return spool.ForEachBatch(take, kBatch, [&](const std::string& batch) {
      tx.pqxx().exec_params0(kInsertPackages, batch);
      return absl::OkStatus();
    });
  });
}

absl::StatusOr<std::vector<KeyConflict>> FindRepoConflicts(
    Transaction& tx, absl::string_view repo,
    const std::vector<std::string>& keys) {
  // Pairs with the same name, version and architecture but different keys:
  // a new package against a member of the repo, or two new packages.
  constexpr char kConflicts[] = R"sql(
    WITH new AS (SELECT * FROM packages WHERE key = ANY($2::text[])),
    members AS (
      SELECT p.* FROM packages p JOIN repo_packages rp ON rp.package_id = p.id
      WHERE rp.repo_id = (SELECT id FROM repos WHERE name = $1))
    SELECT n.key, m.key FROM new n JOIN members m
      ON m.name = n.name AND m.version = n.version
      AND m.architecture = n.architecture AND m.key <> n.key
    UNION
    SELECT a.key, b.key FROM new a JOIN new b
      ON a.name = b.name AND a.version = b.version
      AND a.architecture = b.architecture AND a.key > b.key
    ORDER BY 1, 2)sql";
  return Guard(
      "checking for conflicting packages",
      [&]() -> absl::StatusOr<std::vector<KeyConflict>> {
        std::vector<KeyConflict> conflicts;
        for (const pqxx::row& row : tx.pqxx().exec_params(
                 kConflicts, std::string(repo), internal::PgTextArray(keys))) {
          conflicts.push_back({row[0].c_str(), row[1].c_str()});
        }
        return conflicts;
      });
}

absl::StatusOr<std::vector<std::string>> MissingPackages(
    Transaction& tx, const std::vector<std::string>& keys) {
  return Guard("looking up packages",
               [&]() -> absl::StatusOr<std::vector<std::string>> {
                 std::vector<std::string> missing;
                 for (const pqxx::row& row : tx.pqxx().exec_params(
                          "SELECT k FROM unnest($1::text[]) AS k WHERE NOT "
                          "EXISTS (SELECT 1 FROM packages p WHERE p.key = k) "
                          "ORDER BY k",
                          internal::PgTextArray(keys))) {
                   missing.push_back(row[0].c_str());
                 }
                 return missing;
               });
}

absl::Status AddToRepo(Transaction& tx, absl::string_view repo,
                       const std::vector<std::string>& keys) {
  return Guard("adding packages to a repo", [&]() -> absl::Status {
    tx.pqxx().exec_params0(
        "INSERT INTO repo_packages (repo_id, package_id, pair_id) "
        "SELECT r.id, p.id, p.pair_id FROM repos r, packages p "
        "WHERE r.name = $1 AND p.key = ANY($2::text[]) "
        "ORDER BY p.id ON CONFLICT DO NOTHING",
        std::string(repo), internal::PgTextArray(keys));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> RemoveFromRepo(
    Transaction& tx, absl::string_view repo,
    const std::vector<std::string>& keys, const deb::Query* query) {
  return Guard(
      "removing packages from a repo",
      [&]() -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> parameters = {std::string(repo),
                                               internal::PgTextArray(keys)};
        std::string condition = "p.key = ANY($2::text[])";
        if (query != nullptr) {
          absl::StrAppend(&condition, " OR (",
                          QueryCondition(query, parameters), ")");
        }
        std::vector<std::string> removed;
        for (const pqxx::row& row : tx.pqxx().exec_params(
                 absl::StrCat("DELETE FROM repo_packages d USING packages p "
                              "WHERE d.package_id = p.id AND d.repo_id = "
                              "(SELECT id FROM repos WHERE name = $1) AND (",
                              condition, ") RETURNING p.key"),
                 pqxx::prepare::make_dynamic_params(parameters))) {
          removed.push_back(row[0].c_str());
        }
        return removed;
      });
}

namespace {

// Lists packages in `scope` (a FROM ... WHERE fragment over packages p
// whose only placeholder is $1 = `scope_parameter`), matching `query`, with
// keys after `after_key`, by key; `in_no_repo` is the SQL of each one's
// in_no_repo.
absl::StatusOr<std::vector<v1::Package>> ListPackagesIn(
    Database& db, absl::string_view what, absl::string_view scope,
    absl::string_view scope_parameter, absl::string_view in_no_repo,
    const deb::Query* query, absl::string_view after_key, int limit,
    bool details) {
  std::vector<v1::Package> packages;
  absl::Status status = db.Run(what, [&](pqxx::connection& connection) {
    std::vector<std::string> parameters = {std::string(scope_parameter),
                                           std::string(after_key),
                                           absl::StrCat(limit)};
    const std::string condition = QueryCondition(query, parameters);
    // A cursor, read in batches that are all asked for at once: PostgreSQL
    // computes the next batch while we turn this one into packages (a plain
    // SELECT hands over no row before the last), and it plans for the
    // first rows, here the key-ordered scan of packages_listing that stops
    // at the page's end rather than a hash join and sort of every match
    // left (12 ms instead of 24 for the second page of `Name (~ ^lib)` in
    // 63,440 packages). Batches of 500 to 2,500 rows did about as well end
    // to end; 5,000 worse.
    pqxx::read_transaction tx(connection);
    tx.exec_params(
        absl::StrCat("DECLARE listing NO SCROLL CURSOR FOR "
                     "SELECT p.key, p.name, p.version, p.architecture, "
                     "p.source, p.package_type, ",
                     // Stanzas are most of a row: fetch them only when
                     // asked for.
                     details ? "p.stanza, p.files, " : "NULL, NULL, ",
                     in_no_repo, " ", scope, " AND p.key > $2 AND (", condition,
                     ") ORDER BY p.key LIMIT $3::int"),
        pqxx::prepare::make_dynamic_params(parameters));
    constexpr int kBatch = 1000;
    {
      // Closed before the commit: libpqxx refuses to commit under it.
      pqxx::pipeline pipeline(tx);
      pipeline.retain(limit / kBatch + 1);
      std::vector<pqxx::pipeline::query_id> fetches;
      for (int asked = 0; asked < limit; asked += kBatch) {
        fetches.push_back(
            pipeline.insert(absl::StrCat("FETCH ", kBatch, " FROM listing")));
      }
      pipeline.resume();
      for (pqxx::pipeline::query_id fetch : fetches) {
        for (const pqxx::row& row : pipeline.retrieve(fetch)) {
          ASSIGN_OR_RETURN(v1::Package package, PackageFromRow(row, details));
          package.set_in_no_repo(row[8].as<bool>());
          packages.push_back(std::move(package));
        }
      }
    }
    tx.commit();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return packages;
}

}  // namespace

absl::StatusOr<std::vector<v1::Package>> ListRepoPackages(
    Database& db, absl::string_view repo, const deb::Query* query,
    absl::string_view after_key, int limit, bool details) {
  // Every member is in a repo.
  return ListPackagesIn(db, "listing a repo's packages", kRepoMembers, repo,
                        "FALSE", query, after_key, limit, details);
}

absl::StatusOr<std::vector<v1::Package>> ListSnapshotPackages(
    Database& db, absl::string_view snapshot, const deb::Query* query,
    absl::string_view after_key, int limit, bool details) {
  // Members are tested against one hash of the snapshot's ids while the
  // listing walks packages_listing in key order: a join with the ids is
  // planned as a nested loop and a sort of them all (200 ms for the first
  // page of 63,440 packages, against 27 ms), and `= ANY(package_ids)` would
  // scan the array for each package. IS TRUE keeps the IN from becoming
  // that join.
  return ListPackagesIn(db, "listing a snapshot's packages",
                        "FROM packages p WHERE (p.id IN (SELECT "
                        "unnest(package_ids) FROM snapshots WHERE name = $1)) "
                        "IS TRUE",
                        snapshot, "FALSE", query, after_key, limit, details);
}

absl::StatusOr<std::vector<v1::Package>> ListMirrorPackages(
    Database& db, absl::string_view mirror, const deb::Query* query,
    absl::string_view after_key, int limit, bool details) {
  return ListPackagesIn(db, "listing a mirror's packages", kMirrorMembers,
                        mirror, "FALSE", query, after_key, limit, details);
}

absl::StatusOr<std::vector<v1::SnapshotPackage>> SearchSnapshots(
    Database& db, const deb::Query* query,
    const std::vector<std::string>& snapshots, absl::string_view after_key,
    int limit, bool details) {
  std::vector<v1::SnapshotPackage> found;
  absl::Status status =
      db.Run("searching snapshots", [&](pqxx::connection& connection) {
        std::vector<std::string> parameters = {internal::PgTextArray(snapshots),
                                               std::string(after_key),
                                               absl::StrCat(limit)};
        const std::string condition = QueryCondition(query, parameters);
        pqxx::read_transaction tx(connection);
        // The page first, in key order, checking membership against one
        // hash of the searched snapshots' ids; then which of them hold each
        // package of the page. (Grouping every id of every snapshot by
        // package before paging took 612 ms for a page of 101 over five
        // snapshots of 63,440 packages.)
        for (const pqxx::row& row : tx.exec_params(
                 absl::StrCat(
                     "WITH searched AS MATERIALIZED (SELECT name, package_ids "
                     "FROM snapshots WHERE cardinality($1::text[]) = 0 OR "
                     "name = ANY($1::text[])), "
                     "page AS MATERIALIZED (SELECT p.id, p.key, p.name, "
                     "p.version, p.architecture, p.source, p.package_type, ",
                     // Stanzas are most of a row: fetch them only when
                     // asked for.
                     details ? "p.stanza, p.files "
                             : "NULL AS stanza, NULL AS files ",
                     "FROM packages p WHERE p.key > $2 AND (", condition,
                     // IS TRUE keeps the IN a hashed test rather than a
                     // join, which is planned as a nested loop.
                     ") AND (p.id IN (SELECT unnest(package_ids) FROM "
                     "searched)) IS TRUE ORDER BY p.key LIMIT $3::int), "
                     "held AS (SELECT m.id, array_agg(s.name ORDER BY s.name) "
                     "AS snapshots FROM searched s, unnest(s.package_ids) AS "
                     "m (id) WHERE m.id IN (SELECT id FROM page) GROUP BY "
                     "m.id) "
                     "SELECT p.key, p.name, p.version, p.architecture, "
                     "p.source, p.package_type, p.stanza, p.files, "
                     "held.snapshots FROM page p JOIN held ON held.id = p.id "
                     "ORDER BY p.key"),
                 pqxx::prepare::make_dynamic_params(parameters))) {
          v1::SnapshotPackage& hit = found.emplace_back();
          ASSIGN_OR_RETURN(*hit.mutable_package(),
                           PackageFromRow(row, details));
          for (std::string& name : internal::ParseTextArray(row[8])) {
            hit.add_snapshots(std::move(name));
          }
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::vector<v1::Package>> SearchPackages(
    Database& db, const deb::Query* query, absl::string_view after_key,
    int limit, bool details) {
  // $1 is unused here; "($1::text IS NULL OR TRUE)" keeps the numbering
  // shared. One probe of repo_packages_package_id a package, and for those
  // in no repo one of a hash of the ids snapshots hold and one of those
  // mirrors hold, each built once (a join with those ids is planned as a
  // nested loop: 385 ms for a page with two snapshots of 63,440 packages,
  // against 21 ms).
  return ListPackagesIn(
      db, "searching packages",
      "FROM packages p WHERE ($1::text IS NULL OR TRUE)", "",
      "NOT EXISTS (SELECT 1 FROM repo_packages rp WHERE rp.package_id = p.id) "
      "AND p.id NOT IN (SELECT unnest(package_ids) FROM snapshots) "
      "AND p.id NOT IN (SELECT unnest(package_ids) FROM mirrors)",
      query, after_key, limit, details);
}

absl::StatusOr<v1::Package> GetPackage(Database& db, absl::string_view key) {
  absl::StatusOr<v1::Package> package;
  absl::Status status =
      db.Run("reading a package", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        pqxx::result rows = tx.exec_params(
            "SELECT p.key, p.name, p.version, p.architecture, p.source, "
            "p.package_type, p.stanza, p.files, ARRAY(SELECT r.name FROM "
            "repo_packages rp JOIN repos r ON r.id = rp.repo_id WHERE "
            "rp.package_id = p.id ORDER BY r.name), ARRAY(SELECT s.name FROM "
            "snapshots s WHERE p.id = ANY(s.package_ids) ORDER BY s.name), "
            "EXISTS (SELECT 1 FROM mirrors m WHERE p.id = ANY(m.package_ids)) "
            "FROM packages p WHERE p.key = $1",
            std::string(key));
        if (rows.empty()) {
          package = absl::NotFoundError(absl::StrCat(
              "package \"", key,
              "\" does not exist; `debrepo package search` finds packages"));
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(v1::Package found,
                         PackageFromRow(rows[0], /*details=*/true));
        for (std::string& repo : internal::ParseTextArray(rows[0][8])) {
          found.add_repos(std::move(repo));
        }
        for (std::string& snapshot : internal::ParseTextArray(rows[0][9])) {
          found.add_snapshots(std::move(snapshot));
        }
        found.set_in_no_repo(found.repos().empty() &&
                             found.snapshots().empty() &&
                             !rows[0][10].as<bool>());
        package = std::move(found);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return package;
}

namespace {

// The binary packages in `members` (a FROM ... WHERE fragment over packages
// p whose only placeholder is $1 = `name`), with their stanzas, by key.
absl::StatusOr<std::vector<RepoStanza>> LoadBinaryStanzasIn(
    Transaction& tx, absl::string_view what, absl::string_view members,
    absl::string_view name) {
  return Guard(what, [&]() -> absl::StatusOr<std::vector<RepoStanza>> {
    std::vector<RepoStanza> stanzas;
    for (const pqxx::row& row : tx.pqxx().exec_params(
             absl::StrCat("SELECT p.key, p.stanza ", members,
                          " AND p.package_type <> 'source' ORDER BY p.key"),
             std::string(name))) {
      ASSIGN_OR_RETURN(deb::Paragraph stanza,
                       StoredStanza(row[0].c_str(), row[1].c_str()));
      stanzas.push_back({row[0].c_str(), std::move(stanza)});
    }
    return stanzas;
  });
}

// The keys of the packages in `members` (as for LoadBinaryStanzasIn)
// matching `query` (all when null), by key.
absl::StatusOr<std::vector<std::string>> SelectPackageKeysIn(
    Transaction& tx, absl::string_view what, absl::string_view members,
    absl::string_view name, const deb::Query* query) {
  return Guard(what, [&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> parameters = {std::string(name)};
    const std::string condition = QueryCondition(query, parameters);
    std::vector<std::string> keys;
    for (const pqxx::row& row : tx.pqxx().exec_params(
             absl::StrCat("SELECT p.key ", members, " AND (", condition,
                          ") ORDER BY p.key"),
             pqxx::prepare::make_dynamic_params(parameters))) {
      keys.push_back(row[0].c_str());
    }
    return keys;
  });
}

}  // namespace

absl::StatusOr<std::vector<RepoStanza>> LoadRepoBinaryStanzas(
    Transaction& tx, absl::string_view repo) {
  return LoadBinaryStanzasIn(tx, "reading a repo's packages", kRepoMembers,
                             repo);
}

absl::StatusOr<std::vector<std::string>> SelectRepoPackageKeys(
    Transaction& tx, absl::string_view repo, const deb::Query* query) {
  return SelectPackageKeysIn(tx, "selecting a repo's packages", kRepoMembers,
                             repo, query);
}

absl::StatusOr<std::vector<RepoStanza>> LoadMirrorBinaryStanzas(
    Transaction& tx, absl::string_view mirror) {
  return LoadBinaryStanzasIn(tx, "reading a mirror's packages", kMirrorMembers,
                             mirror);
}

absl::StatusOr<std::vector<std::string>> SelectMirrorPackageKeys(
    Transaction& tx, absl::string_view mirror, const deb::Query* query) {
  return SelectPackageKeysIn(tx, "selecting a mirror's packages",
                             kMirrorMembers, mirror, query);
}

}  // namespace debrepo::storage
