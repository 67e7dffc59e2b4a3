#include "storage/snapshot_sets.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "deb/package_sets.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"
#include "storage/query_sql.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

// The package ids of the snapshots named $1 (text[]), in that order; NULL
// for a name no snapshot has.
constexpr char kLoadIds[] = R"sql(
  SELECT n.name, s.package_ids
  FROM unnest($1::text[]) WITH ORDINALITY AS n (name, pos)
  LEFT JOIN snapshots s ON s.name = n.name
  ORDER BY n.pos)sql";

// For each of the ids $1 (bigint[]), the other stored packages of its name
// and architecture (by the packages_name index).
constexpr char kSamePair[] = R"sql(
  SELECT p.id, q.id
  FROM unnest($1::bigint[]) AS c (id)
  JOIN packages p ON p.id = c.id
  JOIN packages q ON q.name = p.name AND q.architecture = p.architecture
    AND q.id <> p.id)sql";

// What pairing and ordering read of the packages $1 (bigint[]).
constexpr char kHeads[] = R"sql(
  SELECT p.id, p.key, p.name, p.architecture, p.version
  FROM unnest($1::bigint[]) AS u (id) JOIN packages p ON p.id = u.id)sql";

// Members of snapshot $1, as packages p (whose columns a compiled query
// names unqualified).
constexpr char kSnapshotMembers[] = R"sql(
  FROM (SELECT unnest(package_ids) AS id FROM snapshots WHERE name = $1) u
  JOIN packages p ON p.id = u.id)sql";

// The fields LoadSnapshotMembers reads, by their stored (lower-case) names.
constexpr const char* kRelationFields[] = {"Provides", "Pre-Depends", "Depends",
                                           "Recommends", "Suggests"};

// CheckSnapshotExists is NOT_FOUND when no snapshot is called `name`.
absl::Status CheckSnapshotExists(pqxx::transaction_base& tx,
                                 absl::string_view name) {
  if (tx.exec_params("SELECT 1 FROM snapshots WHERE name = $1",
                     std::string(name))
          .empty()) {
    return SnapshotNotFound(name);
  }
  return absl::OkStatus();
}

// PgIdArray renders ids as a bigint[] literal.
std::string PgIdArray(const std::vector<int64_t>& ids) {
  return absl::StrCat("{", absl::StrJoin(ids, ","), "}");
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

// LoadIds returns the package ids of the snapshots `names`, in order;
// NOT_FOUND naming the first that does not exist.
absl::StatusOr<std::vector<deb::SortedIds>> LoadIds(
    pqxx::transaction_base& tx, const std::vector<std::string>& names) {
  std::vector<deb::SortedIds> ids;
  for (const pqxx::row& row :
       tx.exec_params(kLoadIds, internal::PgTextArray(names))) {
    if (row[1].is_null()) return SnapshotNotFound(row[0].c_str());
    ids.push_back(ParseIdArray(row[1]));
  }
  return ids;
}

std::vector<deb::PackageHead> LoadHeads(pqxx::transaction_base& tx,
                                        const deb::SortedIds& ids) {
  std::vector<deb::PackageHead> heads;
  heads.reserve(ids.size());
  for (const pqxx::row& row : tx.exec_params(kHeads, PgIdArray(ids))) {
    heads.push_back({row[0].as<int64_t>(), row[1].c_str(), row[2].c_str(),
                     row[3].c_str(), row[4].c_str()});
  }
  return heads;
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> MergeSnapshotPackages(
    Transaction& tx, const std::vector<std::string>& sources, MergeRule rule) {
  return Guard(
      "merging snapshots", [&]() -> absl::StatusOr<std::vector<int64_t>> {
        ASSIGN_OR_RETURN(std::vector<deb::SortedIds> ids,
                         LoadIds(tx.pqxx(), sources));
        switch (rule) {
          case MergeRule::kKeepAll:
            return deb::SortedUnion(ids);
          case MergeRule::kLatest:
            return deb::MergeLatest(
                ids, LoadHeads(tx.pqxx(), deb::SortedUnion(ids)));
          case MergeRule::kLastSourceWins:
            break;
        }
        const deb::SortedIds overridable = deb::OverridableIds(ids);
        std::vector<std::pair<int64_t, int64_t>> same_pair;
        if (!overridable.empty()) {
          for (const pqxx::row& row :
               tx.pqxx().exec_params(kSamePair, PgIdArray(overridable))) {
            same_pair.emplace_back(row[0].as<int64_t>(), row[1].as<int64_t>());
          }
        }
        return deb::MergeLastSourceWins(ids, same_pair);
      });
}

SnapshotPackageIds SnapshotPackageIdsOf(const std::vector<int64_t>& ids) {
  if (ids.empty()) return {"NULL", {}};
  return {"$1::bigint[]", {PgIdArray(ids)}};
}

absl::StatusOr<std::vector<int64_t>> SelectSnapshotPackageIds(
    Transaction& tx, absl::string_view name, const deb::Query& query) {
  return Guard(
      "selecting a snapshot's packages",
      [&]() -> absl::StatusOr<std::vector<int64_t>> {
        RETURN_IF_ERROR(CheckSnapshotExists(tx.pqxx(), name));
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
  // One jsonb_to_record a package reads the fields out of `fields` with one
  // detoasting of it, where a ->> each detoasted it again: 63,440 packages
  // in 856-1,548 ms that way.
  std::string columns = "SELECT p.id, p.key, p.name, p.version, p.architecture";
  std::string record;
  for (const char* field : kRelationFields) {
    const std::string stored = CanonicalFieldName(field);
    absl::StrAppend(&columns, ", r.\"", stored, "\"");
    absl::StrAppend(&record, record.empty() ? "" : ", ", "\"", stored,
                    "\" text");
  }
  return Guard(
      "reading a snapshot's packages",
      [&]() -> absl::StatusOr<std::vector<deb::StoredPackage>> {
        RETURN_IF_ERROR(CheckSnapshotExists(tx.pqxx(), name));
        std::vector<deb::StoredPackage> members;
        for (const pqxx::row& row : tx.pqxx().exec_params(
                 absl::StrCat(columns, kSnapshotMembers,
                              " CROSS JOIN LATERAL jsonb_to_record(p.fields) "
                              "AS r (",
                              record, ") ORDER BY p.id"),
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
      ASSIGN_OR_RETURN(
          std::vector<deb::SortedIds> ids,
          LoadIds(tx.pqxx(), {std::string(left), std::string(right)}));
      const deb::SortedIds left_only = deb::SortedDifference(ids[0], ids[1]);
      const deb::SortedIds right_only = deb::SortedDifference(ids[1], ids[0]);
      // Both sides' heads in one statement.
      std::vector<deb::PackageHead> left_heads;
      std::vector<deb::PackageHead> right_heads;
      for (deb::PackageHead& head :
           LoadHeads(tx.pqxx(), deb::SortedUnion({left_only, right_only}))) {
        (std::binary_search(left_only.begin(), left_only.end(), head.id)
             ? left_heads
             : right_heads)
            .push_back(std::move(head));
      }
      ASSIGN_OR_RETURN(
          std::vector<deb::PackageChangeLine> lines,
          deb::PairChanges(std::move(left_heads), std::move(right_heads)));
      auto position = [](const v1::PackageChange& change) {
        return std::make_tuple(change.name(), change.architecture(),
                               change.left_key(), change.right_key());
      };
      for (const deb::PackageChangeLine& line : lines) {
        if (static_cast<int>(changes.size()) >= limit) break;
        if (only_matching &&
            (!line.left.has_value() || !line.right.has_value())) {
          continue;
        }
        v1::PackageChange change;
        change.set_name(line.name);
        change.set_architecture(line.architecture);
        if (line.left.has_value()) {
          change.set_left_key(line.left->key);
          change.set_left_version(line.left->version);
        }
        if (line.right.has_value()) {
          change.set_right_key(line.right->key);
          change.set_right_version(line.right->version);
        }
        if (after != nullptr && position(change) <= position(*after)) continue;
        changes.push_back(std::move(change));
      }
      return absl::OkStatus();
    });
  }));
  return changes;
}

}  // namespace debrepo::storage
