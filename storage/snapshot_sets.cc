#include "storage/snapshot_sets.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"
#include "storage/query_sql.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

// The sources $1 (text[]) with their positions, as src (package_ids, pos).
constexpr char kSources[] = R"sql(
  src AS (
    SELECT s.package_ids, n.pos
    FROM unnest($1::text[]) WITH ORDINALITY AS n (name, pos)
    JOIN snapshots s ON s.name = n.name))sql";

// Each pair's packages from the last source holding the pair: an anti-join
// on (name, architecture) against later sources, hashed, so the 127,000
// memberships of two 63,440-package snapshots are never sorted but once
// for the result.
constexpr char kMergeLastSourceWins[] = R"sql(
  , m AS MATERIALIZED (
    SELECT u.id, src.pos, p.name, p.architecture
    FROM src CROSS JOIN unnest(src.package_ids) AS u (id)
    JOIN packages p ON p.id = u.id)
  SELECT ARRAY(SELECT DISTINCT m.id FROM m WHERE NOT EXISTS (
    SELECT 1 FROM m later WHERE later.name = m.name
      AND later.architecture = m.architecture AND later.pos > m.pos)
    ORDER BY 1))sql";

// Each pair's highest version; only pairs held in several versions are
// compared (debversion_cmp is a function call per comparison).
constexpr char kMergeLatest[] = R"sql(
  , u AS (
    SELECT u.id, max(src.pos) AS pos
    FROM src CROSS JOIN unnest(src.package_ids) AS u (id) GROUP BY u.id),
  m AS MATERIALIZED (
    SELECT u.id, u.pos, p.key, p.name, p.architecture, p.version
    FROM u JOIN packages p ON p.id = u.id)
  SELECT ARRAY(SELECT m.id FROM m WHERE NOT EXISTS (
    SELECT 1 FROM m b WHERE b.name = m.name
      AND b.architecture = m.architecture AND b.id <> m.id
      AND (debversion_cmp(b.version, m.version) > 0
        OR (debversion_cmp(b.version, m.version) = 0
          AND (b.pos, b.key) > (m.pos, m.key))))
    ORDER BY 1))sql";

constexpr char kMergeKeepAll[] = R"sql(
  SELECT ARRAY(SELECT DISTINCT u.id
    FROM src CROSS JOIN unnest(src.package_ids) AS u (id) ORDER BY 1))sql";

// The first of the names $1 (text[]) that no snapshot has.
constexpr char kFirstMissing[] = R"sql(
  SELECT n.name FROM unnest($1::text[]) WITH ORDINALITY AS n (name, pos)
  WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.name = n.name)
  ORDER BY n.pos LIMIT 1)sql";

// Members of snapshot $1, as packages p (whose columns a compiled query
// names unqualified).
constexpr char kSnapshotMembers[] = R"sql(
  FROM (SELECT unnest(package_ids) AS id FROM snapshots WHERE name = $1) u
  JOIN packages p ON p.id = u.id)sql";

// The fields LoadSnapshotMembers reads, by their stored (lower-case) names.
constexpr const char* kRelationFields[] = {"Provides", "Pre-Depends", "Depends",
                                           "Recommends", "Suggests"};

// The diff of snapshots $1 and $2: the packages only one holds, paired per
// (name, architecture) by rank (dpkg order, then key) among them.
constexpr char kDiff[] = R"sql(
  WITH l AS (SELECT unnest(package_ids) AS id FROM snapshots WHERE name = $1),
  r AS (SELECT unnest(package_ids) AS id FROM snapshots WHERE name = $2),
  differing AS (
    SELECT coalesce(l.id, r.id) AS id, l.id IS NOT NULL AS is_left
    FROM l FULL JOIN r ON r.id = l.id
    WHERE l.id IS NULL OR r.id IS NULL),
  op AS MATERIALIZED (
    SELECT o.is_left, p.name, p.architecture, p.key, p.version,
           count(*) OVER (PARTITION BY o.is_left, p.name, p.architecture) AS n
    FROM differing o JOIN packages p ON p.id = o.id),
  ranked AS (
    SELECT a.is_left, a.name, a.architecture, a.key, a.version,
           1 + count(b.key) AS rank
    FROM op a LEFT JOIN op b ON a.n > 1 AND b.is_left = a.is_left
      AND b.name = a.name AND b.architecture = a.architecture
      AND (debversion_cmp(b.version, a.version) < 0
        OR (debversion_cmp(b.version, a.version) = 0 AND b.key < a.key))
    GROUP BY a.is_left, a.name, a.architecture, a.key, a.version),
  lr AS (SELECT * FROM ranked WHERE is_left),
  rr AS (SELECT * FROM ranked WHERE NOT is_left),
  d AS (
    SELECT coalesce(lr.name, rr.name) COLLATE "C" AS name,
           coalesce(lr.architecture, rr.architecture) COLLATE "C" AS arch,
           coalesce(lr.key, '') COLLATE "C" AS left_key, lr.version AS lv,
           coalesce(rr.key, '') COLLATE "C" AS right_key, rr.version AS rv
    FROM lr FULL JOIN rr ON rr.name = lr.name
      AND rr.architecture = lr.architecture AND rr.rank = lr.rank)
  SELECT name, arch, left_key, lv, right_key, rv FROM d
  WHERE (NOT $3 OR (left_key <> '' AND right_key <> ''))
    AND (name, arch, left_key, right_key) > ($4, $5, $6, $7)
  ORDER BY name, arch, left_key, right_key
  LIMIT $8)sql";

absl::Status SnapshotNotFound(absl::string_view name) {
  return absl::NotFoundError(
      absl::StrCat("snapshot \"", name,
                   "\" does not exist; `debrepo snapshot list` lists them"));
}

// NotFoundIfMissing is NOT_FOUND naming the first of `names` that no
// snapshot has, OK when all exist.
absl::Status NotFoundIfMissing(pqxx::transaction_base& tx,
                               const std::vector<std::string>& names) {
  pqxx::result missing =
      tx.exec_params(kFirstMissing, internal::PgTextArray(names));
  if (missing.empty()) return absl::OkStatus();
  return SnapshotNotFound(missing[0][0].c_str());
}

// ParseIdArray reads a bigint[] field.
std::vector<int64_t> ParseIdArray(const pqxx::field& field) {
  std::vector<int64_t> ids;
  absl::string_view text = field.c_str();
  if (text.size() <= 2) return ids;
  text = text.substr(1, text.size() - 2);
  ids.reserve(text.size() / 6);
  for (absl::string_view element : absl::StrSplit(text, ',')) {
    int64_t id = 0;
    if (absl::SimpleAtoi(element, &id)) ids.push_back(id);
  }
  return ids;
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> MergeSnapshotPackages(
    Transaction& tx, const std::vector<std::string>& sources, MergeRule rule) {
  return Guard(
      "merging snapshots", [&]() -> absl::StatusOr<std::vector<int64_t>> {
        RETURN_IF_ERROR(NotFoundIfMissing(tx.pqxx(), sources));
        const char* select = rule == MergeRule::kLastSourceWins
                                 ? kMergeLastSourceWins
                             : rule == MergeRule::kLatest ? kMergeLatest
                                                          : kMergeKeepAll;
        pqxx::result rows =
            tx.pqxx().exec_params(absl::StrCat("WITH ", kSources, select),
                                  internal::PgTextArray(sources));
        return ParseIdArray(rows[0][0]);
      });
}

absl::StatusOr<std::vector<int64_t>> SelectSnapshotPackageIds(
    Transaction& tx, absl::string_view name, const deb::Query& query) {
  return Guard(
      "selecting a snapshot's packages",
      [&]() -> absl::StatusOr<std::vector<int64_t>> {
        RETURN_IF_ERROR(NotFoundIfMissing(tx.pqxx(), {std::string(name)}));
        SqlCondition condition = QueryToSql(query, /*first_parameter=*/2);
        std::vector<std::string> parameters = {std::string(name)};
        parameters.insert(parameters.end(), condition.parameters.begin(),
                          condition.parameters.end());
        std::vector<int64_t> ids;
        for (const pqxx::row& row : tx.pqxx().exec_params(
                 absl::StrCat("SELECT p.id ", kSnapshotMembers, " WHERE (",
                              condition.sql, ") ORDER BY p.id"),
                 pqxx::prepare::make_dynamic_params(parameters))) {
          ids.push_back(row[0].as<int64_t>());
        }
        return ids;
      });
}

absl::StatusOr<std::vector<deb::StoredPackage>> LoadSnapshotMembers(
    Transaction& tx, absl::string_view name) {
  std::string columns = "SELECT p.id, p.key, p.name, p.version, p.architecture";
  for (const char* field : kRelationFields) {
    absl::StrAppend(&columns, ", p.fields->>'", CanonicalFieldName(field), "'");
  }
  return Guard(
      "reading a snapshot's packages",
      [&]() -> absl::StatusOr<std::vector<deb::StoredPackage>> {
        RETURN_IF_ERROR(NotFoundIfMissing(tx.pqxx(), {std::string(name)}));
        std::vector<deb::StoredPackage> members;
        for (const pqxx::row& row : tx.pqxx().exec_params(
                 absl::StrCat(columns, kSnapshotMembers, " ORDER BY p.id"),
                 std::string(name))) {
          deb::StoredPackage member;
          member.id = row[0].as<int64_t>();
          member.key = row[1].c_str();
          RETURN_IF_ERROR(member.control.Set("Package", row[2].c_str()));
          RETURN_IF_ERROR(member.control.Set("Version", row[3].c_str()));
          RETURN_IF_ERROR(member.control.Set("Architecture", row[4].c_str()));
          for (int i = 0; i < static_cast<int>(std::size(kRelationFields));
               ++i) {
            const pqxx::field value = row[5 + i];
            if (value.is_null()) continue;
            RETURN_IF_ERROR(
                member.control.Set(kRelationFields[i], value.c_str()));
          }
          members.push_back(std::move(member));
        }
        return members;
      });
}

absl::Status ReadSnapshots(
    Database& db, const std::function<absl::Status(Transaction&)>& fn) {
  return db.Run("reading snapshots", [&](pqxx::connection& connection) {
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(connection);
    Transaction wrapped(tx);
    return fn(wrapped);
  });
}

absl::StatusOr<std::vector<v1::PackageChange>> DiffSnapshots(
    Database& db, absl::string_view left, absl::string_view right,
    bool only_matching, const v1::PackageChange* after, int limit) {
  std::vector<v1::PackageChange> changes;
  RETURN_IF_ERROR(ReadSnapshots(db, [&](Transaction& tx) -> absl::Status {
    return Guard("comparing snapshots", [&]() -> absl::Status {
      RETURN_IF_ERROR(NotFoundIfMissing(
          tx.pqxx(), {std::string(left), std::string(right)}));
      v1::PackageChange start;
      if (after != nullptr) start = *after;
      for (const pqxx::row& row : tx.pqxx().exec_params(
               kDiff, std::string(left), std::string(right), only_matching,
               start.name(), start.architecture(), start.left_key(),
               start.right_key(), limit)) {
        v1::PackageChange& change = changes.emplace_back();
        change.set_name(row[0].c_str());
        change.set_architecture(row[1].c_str());
        change.set_left_key(row[2].c_str());
        if (!row[3].is_null()) change.set_left_version(row[3].c_str());
        change.set_right_key(row[4].c_str());
        if (!row[5].is_null()) change.set_right_version(row[5].c_str());
      }
      return absl::OkStatus();
    });
  }));
  return changes;
}

}  // namespace debrepo::storage
