// storage/snapshot_sets against PostgreSQL: merges, diffs and selections
// over hand-made snapshots whose right answers are worked out here.
#include "storage/snapshot_sets.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "deb/package_sets.h"
#include "deb/query.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/database.h"
#include "storage/transaction.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

class SnapshotSetsTest : public ::testing::Test {
 protected:
  SnapshotSetsTest()
      : database_(TestDatabase::Schema::kMigrated),
        connection_(database_.url()),
        db_(database_.url()) {}

  // Stores a package and returns its key ("P<arch> <name> <version> h").
  std::string Package(const std::string& name, const std::string& version,
                      const std::string& architecture,
                      const std::string& depends = "",
                      // Comma-separated names, without spaces.
                      const std::string& provides = "") {
    const std::string key =
        absl::StrCat("P", architecture, " ", name, " ", version, " h");
    pqxx::work tx(connection_);
    std::string fields = absl::StrCat("{\"package\":\"", name,
                                      "\",\"version\":\"", version, "\"");
    if (!depends.empty())
      absl::StrAppend(&fields, ",\"depends\":\"", depends, "\"");
    if (!provides.empty()) {
      absl::StrAppend(&fields, ",\"provides\":\"", provides, "\"");
    }
    fields += "}";
    tx.exec_params0(
        "INSERT INTO package_pairs (name, architecture) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING",
        name, architecture);
    pqxx::result row = tx.exec_params(
        "INSERT INTO packages (key, name, version, architecture, source, "
        "package_type, provides, stanza, fields, files, file_fields, pair_id) "
        "VALUES ($1, $2, $3, $4, $2, 'deb', $6::text[], '', $5::jsonb, '[]', "
        "'', (SELECT id "
        "FROM package_pairs WHERE name = $2 AND architecture = $4)) "
        "RETURNING id",
        key, name, version, architecture, fields,
        // The provided names, as the package store keeps them (plain
        // names only here).
        absl::StrCat("{", provides, "}"));
    ids_[key] = row[0][0].as<int64_t>();
    tx.commit();
    return key;
  }

  // Stores a snapshot holding the packages with `keys`.
  void Snapshot(const std::string& name, const std::vector<std::string>& keys) {
    std::vector<int64_t> ids;
    for (const std::string& key : keys) ids.push_back(ids_.at(key));
    std::sort(ids.begin(), ids.end());
    pqxx::work tx(connection_);
    tx.exec_params(
        "INSERT INTO snapshots (name, package_ids, package_pairs) SELECT $1, "
        "$2::bigint[], (SELECT coalesce(array_agg(pair_id ORDER BY id), "
        "'{}') FROM packages WHERE id = ANY($2::bigint[]))",
        name, absl::StrCat("{", absl::StrJoin(ids, ","), "}"));
    tx.commit();
  }

  // The keys of `ids`.
  std::vector<std::string> Keys(const std::vector<int64_t>& ids) {
    std::vector<std::string> keys;
    for (int64_t id : ids) {
      for (const auto& [key, known] : ids_) {
        if (known == id) keys.push_back(key);
      }
    }
    return keys;
  }

  absl::StatusOr<std::vector<std::string>> Merge(
      const std::vector<std::string>& sources, storage::MergeRule rule) {
    pqxx::work tx(connection_);
    storage::Transaction wrapped(tx);
    absl::StatusOr<deb::PairedIds> merged =
        storage::MergeSnapshotPackages(wrapped, sources, rule);
    if (!merged.ok()) return merged.status();
    EXPECT_TRUE(std::is_sorted(merged->ids.begin(), merged->ids.end()));
    // Each id with its own stored pair.
    EXPECT_EQ(merged->pairs.size(), merged->ids.size());
    for (size_t i = 0; i < merged->ids.size() && i < merged->pairs.size();
         ++i) {
      EXPECT_EQ(merged->pairs[i],
                tx.exec_params1("SELECT pair_id FROM packages WHERE id = $1",
                                merged->ids[i])[0]
                    .as<int32_t>());
    }
    return Keys(merged->ids);
  }

  // The diff as aptly-like lines: "! name arch lv rv", "+ ...", "- ...".
  std::vector<std::string> Diff(const std::string& left,
                                const std::string& right,
                                bool only_matching = false, int limit = 100) {
    std::vector<std::string> lines;
    std::optional<v1::PackageChange> after;
    while (true) {
      absl::StatusOr<std::vector<v1::PackageChange>> page =
          storage::DiffSnapshots(db_, left, right, only_matching,
                                 after.has_value() ? &*after : nullptr, limit);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok() || page->empty()) return lines;
      for (const v1::PackageChange& change : *page) {
        const char* sign = change.left_key().empty()    ? "+"
                           : change.right_key().empty() ? "-"
                                                        : "!";
        lines.push_back(absl::StrCat(
            sign, " ", change.name(), " ", change.architecture(), " ",
            change.left_version(), " ", change.right_version()));
      }
      after = page->back();
    }
  }

  TestDatabase database_;
  pqxx::connection connection_;
  storage::Database db_;
  std::map<std::string, int64_t> ids_;
};

TEST_F(SnapshotSetsTest, MergeRules) {
  const std::string a1 = Package("a", "1", "amd64");
  const std::string a1i = Package("a", "1", "i386");
  const std::string b1 = Package("b", "1", "amd64");
  const std::string b2 = Package("b", "2", "amd64");
  const std::string c1 = Package("c", "1", "all");
  const std::string a2 = Package("a", "2", "amd64");
  const std::string c2 = Package("c", "2", "all");
  const std::string d1 = Package("d", "1", "amd64");
  const std::string b0 = Package("b", "0.5", "amd64");
  Snapshot("s1", {a1, a1i, b1, b2, c1});
  Snapshot("s2", {a2, c2, d1});
  Snapshot("s3", {b0, a1});

  // The last source holding a (name, architecture) pair gives all its
  // versions of it; the others' are dropped.
  EXPECT_THAT(*Merge({"s1", "s2"}, storage::MergeRule::kLastSourceWins),
              UnorderedElementsAreArray({a2, a1i, b1, b2, c2, d1}));
  EXPECT_THAT(*Merge({"s2", "s1"}, storage::MergeRule::kLastSourceWins),
              UnorderedElementsAreArray({a1, a1i, b1, b2, c1, d1}));
  // s3's b 0.5 replaces both of s1's versions of b; its a 1 replaces s2's
  // a 2.
  EXPECT_THAT(*Merge({"s1", "s2", "s3"}, storage::MergeRule::kLastSourceWins),
              UnorderedElementsAreArray({a1, a1i, b0, c2, d1}));
  // latest: the highest version of each pair, wherever it comes from.
  EXPECT_THAT(*Merge({"s3", "s2", "s1"}, storage::MergeRule::kLatest),
              UnorderedElementsAreArray({a2, a1i, b2, c2, d1}));
  // no_remove: everything.
  EXPECT_THAT(*Merge({"s1", "s2", "s3"}, storage::MergeRule::kKeepAll),
              UnorderedElementsAreArray({a1, a1i, b1, b2, c1, a2, c2, d1, b0}));
  // One source: itself, under every rule.
  EXPECT_THAT(*Merge({"s1"}, storage::MergeRule::kLastSourceWins),
              UnorderedElementsAreArray({a1, a1i, b1, b2, c1}));
  EXPECT_THAT(*Merge({"s1", "s1"}, storage::MergeRule::kLatest),
              UnorderedElementsAreArray({a1, a1i, b2, c1}));

  absl::StatusOr<std::vector<std::string>> missing =
      Merge({"s1", "nope", "gone"}, storage::MergeRule::kKeepAll);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              ::testing::HasSubstr("\"nope\""));
}

TEST_F(SnapshotSetsTest, MergeLatestOrdersVersionsLikeDpkg) {
  // 1:0.9 > 2.0 (epoch); 1.0 > 1.0~rc1 (tilde sorts first); 1.0+b1 > 1.0;
  // 10 > 9 (numerically).
  const std::string e_old = Package("e", "2.0", "amd64");
  const std::string e_new = Package("e", "1:0.9", "amd64");
  const std::string t_rc = Package("t", "1.0~rc1", "amd64");
  const std::string t_final = Package("t", "1.0", "amd64");
  const std::string t_bin = Package("t", "1.0+b1", "amd64");
  const std::string n9 = Package("n", "9", "amd64");
  const std::string n10 = Package("n", "10", "amd64");
  Snapshot("x", {e_new, t_bin, n9});
  Snapshot("y", {e_old, t_rc, t_final, n10});
  EXPECT_THAT(*Merge({"x", "y"}, storage::MergeRule::kLatest),
              UnorderedElementsAreArray({e_new, t_bin, n10}));
  EXPECT_THAT(*Merge({"y", "x"}, storage::MergeRule::kLatest),
              UnorderedElementsAreArray({e_new, t_bin, n10}));
}

TEST_F(SnapshotSetsTest, MergeLatestBetweenEqualVersionsTakesTheLaterSource) {
  // "1.0" and "1.0-0" are equal versions (two builds).
  const std::string first = Package("q", "1.0", "amd64");
  const std::string second = Package("q", "1.0-0", "amd64");
  Snapshot("first", {first});
  Snapshot("second", {second});
  EXPECT_THAT(*Merge({"first", "second"}, storage::MergeRule::kLatest),
              ElementsAre(second));
  EXPECT_THAT(*Merge({"second", "first"}, storage::MergeRule::kLatest),
              ElementsAre(first));
}

TEST_F(SnapshotSetsTest, DiffPairsByNameAndArchitecture) {
  const std::string a1 = Package("a", "1", "amd64");
  const std::string a1i = Package("a", "1", "i386");
  const std::string a2 = Package("a", "2", "amd64");
  const std::string a2i = Package("a", "2", "i386");
  const std::string b1 = Package("b", "1", "amd64");
  const std::string gone = Package("gone", "1", "all");
  const std::string fresh = Package("new", "1", "amd64");
  // The last package in sort order, upgraded.
  const std::string z1 = Package("zz", "1", "amd64");
  const std::string z2 = Package("zz", "1.1", "amd64");
  Snapshot("left", {a1, a1i, b1, gone, z1});
  Snapshot("right", {a2, a1i, a2i, b1, fresh, z2});

  // a/i386 is in both, but right adds a second version of it.
  EXPECT_THAT(Diff("left", "right"),
              ElementsAre("! a amd64 1 2", "+ a i386  2", "- gone all 1 ",
                          "+ new amd64  1", "! zz amd64 1 1.1"));
  EXPECT_THAT(Diff("right", "left"),
              ElementsAre("! a amd64 2 1", "- a i386 2 ", "+ gone all  1",
                          "- new amd64 1 ", "! zz amd64 1.1 1"));
  EXPECT_THAT(Diff("left", "right", /*only_matching=*/true),
              ElementsAre("! a amd64 1 2", "! zz amd64 1 1.1"));
  // Page by page, one line a page: the same lines.
  EXPECT_EQ(Diff("left", "right", false, 1), Diff("left", "right"));
  EXPECT_THAT(Diff("left", "left"), ElementsAre());
}

TEST_F(SnapshotSetsTest, DiffMatchesSeveralVersionsInDpkgOrder) {
  // Left holds m 1 and m 2, right m 2, m 3 and m 4: m 2 is in both; m 1
  // changes to m 3 and m 4 is added (an added line, without a left key,
  // sorts first within its pair). For k, both sides' versions are
  // ordered by dpkg (1.0~rc1 < 1.0; 1.0+b1 < 1:0.5) and matched in order.
  const std::string m1 = Package("m", "1", "amd64");
  const std::string m2 = Package("m", "2", "amd64");
  const std::string m3 = Package("m", "3", "amd64");
  const std::string m4 = Package("m", "4", "amd64");
  const std::string k_rc = Package("k", "1.0~rc1", "amd64");
  const std::string k_final = Package("k", "1.0", "amd64");
  const std::string k_epoch = Package("k", "1:0.5", "amd64");
  const std::string k_bin = Package("k", "1.0+b1", "amd64");
  Snapshot("left", {m1, m2, k_final, k_rc});
  Snapshot("right", {m4, m3, m2, k_epoch, k_bin});
  EXPECT_THAT(Diff("left", "right"),
              ElementsAre("! k amd64 1.0 1:0.5", "! k amd64 1.0~rc1 1.0+b1",
                          "+ m amd64  4", "! m amd64 1 3"));
}

TEST_F(SnapshotSetsTest, DiffOfAMissingSnapshotIsNotFound) {
  Snapshot("here", {});
  absl::StatusOr<std::vector<v1::PackageChange>> diff =
      storage::DiffSnapshots(db_, "here", "there", false, nullptr, 10);
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(diff.status().message()),
              ::testing::HasSubstr("\"there\""));
}

TEST_F(SnapshotSetsTest, SelectsAndLoadsMembers) {
  const std::string app =
      Package("app", "1", "amd64", "libx (>= 2) | liby", "app-virtual");
  const std::string libx = Package("libx", "2", "amd64");
  const std::string other = Package("other", "1", "amd64");
  Snapshot("s", {app, libx});
  absl::StatusOr<deb::Query> query = deb::Query::Parse("Name (% lib*)");
  ASSERT_TRUE(query.ok());
  pqxx::work tx(connection_);
  storage::Transaction wrapped(tx);
  absl::StatusOr<std::vector<int64_t>> ids =
      storage::SelectSnapshotPackageIds(wrapped, "s", *query);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(Keys(*ids), ElementsAre(libx));

  absl::StatusOr<std::vector<deb::StoredPackage>> members =
      storage::LoadSnapshotMembers(wrapped, "s");
  ASSERT_TRUE(members.ok()) << members.status();
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].key, app);
  EXPECT_EQ((*members)[0].control.ToString(),
            "Package: app\nVersion: 1\nArchitecture: amd64\n"
            "Provides: app-virtual\nDepends: libx (>= 2) | liby\n");
  EXPECT_EQ(storage::LoadSnapshotMembers(wrapped, "t").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SnapshotSetsTest, ReadsMembersByTheNamesTheyHaveOrProvide) {
  const std::string app = Package("app", "1", "amd64", "libx", "app-virtual");
  const std::string libx_amd64 = Package("libx", "2", "amd64");
  const std::string libx_i386 = Package("libx", "2", "i386");
  const std::string old_libx = Package("libx", "1", "amd64");
  const std::string postfix =
      Package("postfix", "1", "amd64", "", "mail-transport-agent,smtp");
  const std::string doc = Package("doc", "1", "all");
  // In neither snapshot: never read.
  Package("libx", "3", "amd64");
  Package("exim", "1", "amd64", "", "mail-transport-agent");
  Snapshot("s", {app, libx_amd64, libx_i386, postfix, doc});
  Snapshot("t", {app, old_libx});

  pqxx::work tx(connection_);
  storage::Transaction wrapped(tx);
  absl::StatusOr<storage::SnapshotPackagesByName> snapshots =
      storage::SnapshotPackagesByName::Open(wrapped, {"s", "t"});
  ASSERT_TRUE(snapshots.ok()) << snapshots.status();
  EXPECT_THAT(Keys(snapshots->ids(1)), ElementsAre(app, old_libx));
  auto keys = [this](const std::vector<deb::StoredPackage>& packages) {
    std::vector<std::string> keys;
    for (const deb::StoredPackage& package : packages) {
      keys.push_back(package.key);
    }
    return keys;
  };
  absl::StatusOr<std::vector<std::vector<deb::StoredPackage>>> read =
      snapshots->Read({"libx", "mail-transport-agent", "nothing"});
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_THAT(keys((*read)[0]), ElementsAre(libx_amd64, libx_i386, postfix));
  EXPECT_THAT(keys((*read)[1]), ElementsAre(old_libx));
  read = snapshots->Read({"app-virtual"});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(keys((*read)[0]), ElementsAre(app));
  ASSERT_THAT(keys((*read)[1]), ElementsAre(app));
  EXPECT_EQ((*read)[1][0].control.ToString(),
            "Package: app\nVersion: 1\nArchitecture: amd64\n"
            "Provides: app-virtual\nDepends: libx\n");

  absl::StatusOr<std::vector<std::string>> names =
      snapshots->NamesOf({ids_.at(libx_i386), ids_.at(app), ids_.at(old_libx)});
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre("app", "libx"));
  absl::StatusOr<std::vector<std::string>> architectures =
      snapshots->BuiltArchitectures(0);
  ASSERT_TRUE(architectures.ok()) << architectures.status();
  EXPECT_THAT(*architectures, ElementsAre("amd64", "i386"));

  EXPECT_EQ(storage::SnapshotPackagesByName::Open(wrapped, {"s", "u"})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace debrepo::testing
