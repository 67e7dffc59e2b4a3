#include "storage/snapshot_sets.h"

#include <algorithm>
#include <charconv>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "deb/package_sets.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"
#include "storage/query_sql.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

// The package ids of the snapshots named $1 (text[]), in that order, and
// their pairs when $2; NULL for a name no snapshot has. Read as text: 63,440
// ids take 4 ms to read and parse that way, against 10 ms as array_send's
// bytea (hex, three times the bytes).
constexpr char kLoadIds[] = R"sql(
  SELECT n.name, s.package_ids, CASE WHEN $2 THEN s.package_pairs END
  FROM unnest($1::text[]) WITH ORDINALITY AS n (name, pos)
  LEFT JOIN snapshots s ON s.name = n.name
  ORDER BY n.pos)sql";

// What pairing and ordering read of the packages $1 (bigint[]).
constexpr char kHeads[] = R"sql(
  SELECT p.id, p.key, p.name, p.architecture, p.version
  FROM unnest($1::bigint[]) AS u (id) JOIN packages p ON p.id = u.id)sql";

// Members of snapshot $1, as packages p (whose columns a compiled query
// names unqualified).
constexpr char kSnapshotMembers[] = R"sql(
  FROM (SELECT unnest(package_ids) AS id FROM snapshots WHERE name = $1) u
  JOIN packages p ON p.id = u.id)sql";

// The packages $1 (bigint[]), as packages p.
constexpr char kListedPackages[] = R"sql(
  FROM unnest($1::bigint[]) AS u (id) JOIN packages p ON p.id = u.id)sql";

// The fields LoadSnapshotMembers reads, by their stored (lower-case) names.
constexpr const char* kRelationFields[] = {"Provides", "Pre-Depends", "Depends",
                                           "Recommends", "Suggests"};

// The pairs called $1 (text[]) and the packages providing one of those
// names (through the index packages_provides, whose condition the second
// half repeats): the packages of a name that a snapshot holds are those
// of its members whose pair is one of these, the providers among them
// those it holds.
constexpr char kNamedCandidates[] = R"sql(
  SELECT true, id FROM package_pairs WHERE name = ANY($1::text[])
  UNION ALL
  SELECT false, id FROM packages
  WHERE provides && $1::text[] AND provides <> '{}')sql";

// The names of the packages $1 (bigint[]).
constexpr char kNamesOf[] = R"sql(
  SELECT DISTINCT p.name FROM unnest($1::bigint[]) AS u (id)
  JOIN packages p ON p.id = u.id ORDER BY 1)sql";

// The architectures of the pairs of snapshot $1 but "all" and "source".
constexpr char kBuiltArchitectures[] = R"sql(
  SELECT DISTINCT pp.architecture
  FROM package_pairs pp
  WHERE pp.id IN (SELECT unnest(package_pairs) FROM snapshots
                  WHERE name = $1)
    AND pp.architecture NOT IN ('all', 'source')
  ORDER BY 1)sql";

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

// ParseIntegerArray reads a one-dimensional array of integers without
// NULLs (bigint[] or integer[]) from its text form; DATA_LOSS if it is not
// one.
template <typename Integer>
absl::StatusOr<std::vector<Integer>> ParseIntegerArray(
    const pqxx::field& field) {
  std::vector<Integer> values;
  const char* const end = field.c_str() + field.size();
  const char* at = field.c_str() + 1;  // past '{'
  values.reserve(field.size() / 6);
  while (at < end - 1) {
    Integer value = 0;
    const std::from_chars_result parsed = std::from_chars(at, end, value);
    if (parsed.ec != std::errc() || parsed.ptr == end ||
        (*parsed.ptr != ',' && *parsed.ptr != '}')) {
      return absl::DataLossError(
          absl::StrCat("a stored integer array does not parse at offset ",
                       at - field.c_str()));
    }
    values.push_back(value);
    at = parsed.ptr + 1;  // past ',' (or the closing '}')
  }
  return values;
}

// PgBinaryArray renders `values` in PostgreSQL's binary format of a
// one-dimensional array of `element_type` (an int8 or int4 oid) without
// NULLs: array_recv reads 63,440 ids in 2 ms where array_in parses their
// text in 10 ms.
template <typename Integer>
std::string PgBinaryArray(const std::vector<Integer>& values,
                          uint32_t element_type) {
  std::string out;
  out.reserve(20 + values.size() * (4 + sizeof(Integer)));
  auto put = [&out](auto value) {
    for (int shift = 8 * (sizeof(value) - 1); shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((value >> shift) & 0xff));
    }
  };
  if (values.empty()) {
    put(uint32_t{0});  // no dimensions
    put(uint32_t{0});  // no NULLs
    put(element_type);
    return out;
  }
  put(uint32_t{1});  // dimensions
  put(uint32_t{0});  // no NULLs
  put(element_type);
  put(static_cast<uint32_t>(values.size()));
  put(uint32_t{1});  // lower bound
  for (Integer value : values) {
    put(static_cast<uint32_t>(sizeof(Integer)));
    put(static_cast<std::make_unsigned_t<Integer>>(value));
  }
  return out;
}

// The oids of int8 and int4, the element types of bigint[] and integer[].
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kInt4Oid = 23;

// LoadIds returns the packages of the snapshots `names`, in order, with
// their pairs when `with_pairs`; NOT_FOUND naming the first that does not
// exist.
absl::StatusOr<std::vector<deb::PairedIds>> LoadIds(
    pqxx::transaction_base& tx, const std::vector<std::string>& names,
    bool with_pairs) {
  std::vector<deb::PairedIds> members;
  for (const pqxx::row& row :
       tx.exec_params(kLoadIds, internal::PgTextArray(names), with_pairs)) {
    if (row[1].is_null()) return SnapshotNotFound(row[0].c_str());
    deb::PairedIds& source = members.emplace_back();
    ASSIGN_OR_RETURN(source.ids, ParseIntegerArray<int64_t>(row[1]));
    if (with_pairs) {
      ASSIGN_OR_RETURN(source.pairs, ParseIntegerArray<int32_t>(row[2]));
      if (source.pairs.size() != source.ids.size()) {
        return absl::DataLossError(absl::StrCat(
            "snapshot \"", row[0].c_str(), "\" lists ", source.ids.size(),
            " packages but ", source.pairs.size(), " pairs"));
      }
    }
  }
  return members;
}

// IdsOf returns the ids of each of `members`.
std::vector<deb::SortedIds> IdsOf(const std::vector<deb::PairedIds>& members) {
  std::vector<deb::SortedIds> ids;
  ids.reserve(members.size());
  for (const deb::PairedIds& source : members) ids.push_back(source.ids);
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

// LoadRelationFields returns the packages `from` (a FROM clause naming
// them p, with the one parameter `parameter`) in id order, with the fields
// dependency resolution reads (see LoadSnapshotMembers).
absl::StatusOr<std::vector<deb::StoredPackage>> LoadRelationFields(
    pqxx::transaction_base& tx, absl::string_view from,
    const std::string& parameter) {
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
  std::vector<deb::StoredPackage> packages;
  for (const pqxx::row& row : tx.exec_params(
           absl::StrCat(columns, from,
                        " CROSS JOIN LATERAL jsonb_to_record(p.fields) AS r (",
                        record, ") ORDER BY p.id"),
           parameter)) {
    deb::StoredPackage package;
    package.id = row[0].as<int64_t>();
    package.key = row[1].c_str();
    RETURN_IF_ERROR(package.control.Set("Package", row[2].c_str()));
    RETURN_IF_ERROR(package.control.Set("Version", row[3].c_str()));
    RETURN_IF_ERROR(package.control.Set("Architecture", row[4].c_str()));
    for (int i = 0; i < static_cast<int>(std::size(kRelationFields)); ++i) {
      const pqxx::field value = row[5 + i];
      if (value.is_null()) continue;
      RETURN_IF_ERROR(package.control.Set(kRelationFields[i], value.c_str()));
    }
    packages.push_back(std::move(package));
  }
  return packages;
}

}  // namespace

absl::StatusOr<deb::PairedIds> MergeSnapshotPackages(
    Transaction& tx, const std::vector<std::string>& sources, MergeRule rule) {
  return Guard("merging snapshots", [&]() -> absl::StatusOr<deb::PairedIds> {
    ASSIGN_OR_RETURN(std::vector<deb::PairedIds> members,
                     LoadIds(tx.pqxx(), sources, /*with_pairs=*/true));
    switch (rule) {
      case MergeRule::kKeepAll:
        return deb::PairedUnion(members);
      case MergeRule::kLatest: {
        const std::vector<deb::SortedIds> ids = IdsOf(members);
        ASSIGN_OR_RETURN(
            const deb::SortedIds latest,
            deb::MergeLatest(ids, LoadHeads(tx.pqxx(), deb::SortedUnion(ids))));
        return deb::PairsOf(members, latest);
      }
      case MergeRule::kLastSourceWins:
        break;
    }
    return deb::MergeLastSourceWins(members);
  });
}

absl::StatusOr<deb::PairedIds> PairSnapshotPackages(
    Transaction& tx, const std::vector<std::string>& sources,
    const std::vector<int64_t>& ids) {
  return Guard(
      "reading snapshots' packages", [&]() -> absl::StatusOr<deb::PairedIds> {
        ASSIGN_OR_RETURN(std::vector<deb::PairedIds> members,
                         LoadIds(tx.pqxx(), sources, /*with_pairs=*/true));
        return deb::PairsOf(members, ids);
      });
}

SnapshotPackageIds SnapshotPackageIdsOf(const deb::PairedIds& packages) {
  return {"SELECT $1::bigint[] AS ids, $2::integer[] AS pairs",
          {},
          {PgBinaryArray(packages.ids, kInt8Oid),
           PgBinaryArray(packages.pairs, kInt4Oid)}};
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
  return Guard("reading a snapshot's packages",
               [&]() -> absl::StatusOr<std::vector<deb::StoredPackage>> {
                 RETURN_IF_ERROR(CheckSnapshotExists(tx.pqxx(), name));
                 return LoadRelationFields(tx.pqxx(), kSnapshotMembers,
                                           std::string(name));
               });
}

SnapshotPackagesByName::SnapshotPackagesByName(
    Transaction& tx, std::vector<std::string> snapshots,
    std::vector<deb::PairedIds> members)
    : tx_(&tx), snapshots_(std::move(snapshots)), members_(std::move(members)) {
  by_pair_.reserve(members_.size());
  for (const deb::PairedIds& source : members_) {
    std::vector<std::pair<int32_t, int64_t>>& pairs = by_pair_.emplace_back();
    pairs.reserve(source.ids.size());
    for (size_t i = 0; i < source.ids.size(); ++i) {
      pairs.emplace_back(source.pairs[i], source.ids[i]);
    }
    std::sort(pairs.begin(), pairs.end());
  }
}

absl::StatusOr<SnapshotPackagesByName> SnapshotPackagesByName::Open(
    Transaction& tx, const std::vector<std::string>& snapshots) {
  return Guard(
      "reading snapshots' packages",
      [&]() -> absl::StatusOr<SnapshotPackagesByName> {
        ASSIGN_OR_RETURN(std::vector<deb::PairedIds> members,
                         LoadIds(tx.pqxx(), snapshots, /*with_pairs=*/true));
        return SnapshotPackagesByName(tx, snapshots, std::move(members));
      });
}

absl::StatusOr<std::vector<std::vector<deb::StoredPackage>>>
SnapshotPackagesByName::Read(const std::vector<std::string>& names) {
  using Packages = std::vector<std::vector<deb::StoredPackage>>;
  return Guard(
      "reading snapshots' packages by name", [&]() -> absl::StatusOr<Packages> {
        std::vector<int32_t> pairs;
        std::vector<int64_t> providers;
        for (const pqxx::row& row : tx_->pqxx().exec_params(
                 kNamedCandidates, internal::PgTextArray(names))) {
          if (row[0].as<bool>()) {
            pairs.push_back(row[1].as<int32_t>());
          } else {
            providers.push_back(row[1].as<int64_t>());
          }
        }
        // Each snapshot's packages of those pairs and those providers.
        std::vector<deb::SortedIds> held(members_.size());
        for (size_t position = 0; position < members_.size(); ++position) {
          const std::vector<std::pair<int32_t, int64_t>>& by_pair =
              by_pair_[position];
          for (int32_t pair : pairs) {
            for (auto it = std::lower_bound(by_pair.begin(), by_pair.end(),
                                            std::make_pair(pair, int64_t{0}));
                 it != by_pair.end() && it->first == pair; ++it) {
              held[position].push_back(it->second);
            }
          }
          const deb::SortedIds& ids = members_[position].ids;
          for (int64_t id : providers) {
            if (std::binary_search(ids.begin(), ids.end(), id)) {
              held[position].push_back(id);
            }
          }
          std::sort(held[position].begin(), held[position].end());
          held[position].erase(
              std::unique(held[position].begin(), held[position].end()),
              held[position].end());
        }
        Packages packages(members_.size());
        const deb::SortedIds all = deb::SortedUnion(held);
        if (all.empty()) return packages;
        ASSIGN_OR_RETURN(
            std::vector<deb::StoredPackage> loaded,
            LoadRelationFields(tx_->pqxx(), kListedPackages, PgIdArray(all)));
        for (deb::StoredPackage& package : loaded) {
          for (size_t position = 0; position < held.size(); ++position) {
            if (std::binary_search(held[position].begin(), held[position].end(),
                                   package.id)) {
              packages[position].push_back(package);
            }
          }
        }
        return packages;
      });
}

absl::StatusOr<std::vector<std::string>> SnapshotPackagesByName::NamesOf(
    const std::vector<int64_t>& ids) {
  return Guard("reading package names",
               [&]() -> absl::StatusOr<std::vector<std::string>> {
                 std::vector<std::string> names;
                 for (const pqxx::row& row :
                      tx_->pqxx().exec_params(kNamesOf, PgIdArray(ids))) {
                   names.emplace_back(row[0].c_str());
                 }
                 return names;
               });
}

absl::StatusOr<std::vector<std::string>>
SnapshotPackagesByName::BuiltArchitectures(size_t position) {
  return Guard("reading a snapshot's architectures",
               [&]() -> absl::StatusOr<std::vector<std::string>> {
                 std::vector<std::string> architectures;
                 for (const pqxx::row& row : tx_->pqxx().exec_params(
                          kBuiltArchitectures, snapshots_[position])) {
                   architectures.emplace_back(row[0].c_str());
                 }
                 return architectures;
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
          const std::vector<deb::PairedIds> members,
          LoadIds(tx.pqxx(), {std::string(left), std::string(right)},
                  /*with_pairs=*/false));
      const std::vector<deb::SortedIds> ids = IdsOf(members);
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
