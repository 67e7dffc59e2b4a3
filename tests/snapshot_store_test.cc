// storage/snapshot_store against a real PostgreSQL, without processes: a
// snapshot made from snapshots (as merge, pull and filter make them, with
// InsertSnapshot) keeps its sources in order, and a source is dropped only
// once the entries naming it say so.
#include "storage/snapshot_store.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/database.h"
#include "storage/transaction.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;

v1::SnapshotSource Source(v1::SnapshotSource::Kind kind,
                          const std::string& name) {
  v1::SnapshotSource source;
  source.set_kind(kind);
  source.set_name(name);
  return source;
}

v1::Snapshot Named(const std::string& name) {
  v1::Snapshot snapshot;
  snapshot.set_name(name);
  return snapshot;
}

class SnapshotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Three stored packages, ids 1 to 3.
    db_.StoreFakePackages(3);
  }

  absl::Status Insert(const std::string& name,
                      const std::vector<v1::SnapshotSource>& sources,
                      const storage::SnapshotPackageIds& package_ids) {
    return db_.InTransaction([&](storage::Transaction& tx) {
      return storage::InsertSnapshot(tx, Named(name), sources, package_ids)
          .status();
    });
  }

  // The stored packages with ids `ids` ("1, 2").
  static storage::SnapshotPackageIds PackagesWithIds(const std::string& ids) {
    return {
        "SELECT array_agg(id ORDER BY id) AS ids, "
        "array_agg(pair_id ORDER BY id) AS pairs FROM packages WHERE id "
        "IN (" +
            ids + ")",
        {}};
  }

  TestDatabase db_{TestDatabase::Schema::kMigrated};
  storage::Database pool_{db_.url()};
};

TEST_F(SnapshotStoreTest,
       SnapshotOfSnapshotsKeepsItsSourcesUntilTheyAreDropped) {
  ASSERT_TRUE(Insert("a", {}, PackagesWithIds("1, 2")).ok());
  ASSERT_TRUE(Insert("b", {}, PackagesWithIds("3")).ok());
  // Computed inside PostgreSQL, from the sources.
  const storage::SnapshotPackageIds merged = {
      "SELECT array_agg(m.id ORDER BY m.id) AS ids, "
      "array_agg(m.pair ORDER BY m.id) AS pairs FROM (SELECT DISTINCT m.id, "
      "m.pair FROM snapshots s, unnest(s.package_ids, s.package_pairs) AS m "
      "(id, pair) WHERE s.name = ANY($1::text[])) m",
      {"{b,a}"}};
  const absl::Status inserted =
      Insert("m",
             {Source(v1::SnapshotSource::SNAPSHOT, "b"),
              Source(v1::SnapshotSource::SNAPSHOT, "a")},
             merged);
  ASSERT_TRUE(inserted.ok()) << inserted;
  absl::StatusOr<v1::Snapshot> m = storage::GetSnapshot(pool_, "m");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->package_count(), 3);
  ASSERT_EQ(m->sources_size(), 2);
  EXPECT_EQ(m->sources(0).name(), "b");
  EXPECT_EQ(m->sources(1).name(), "a");
  EXPECT_EQ(m->sources(1).kind(), v1::SnapshotSource::SNAPSHOT);
  EXPECT_EQ(db_.QueryValue("SELECT package_ids::text FROM snapshots "
                           "WHERE name = 'm'"),
            "{1,2,3}");

  std::vector<std::string> dependants;
  ASSERT_TRUE(db_.InTransaction([&](storage::Transaction& tx) {
                   absl::StatusOr<std::vector<std::string>> made =
                       storage::SnapshotsMadeFrom(
                           tx, v1::SnapshotSource::SNAPSHOT, "a");
                   if (!made.ok()) return made.status();
                   dependants = *made;
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_THAT(dependants, ElementsAre("m"));

  // The foreign key keeps a source from vanishing under its dependants.
  EXPECT_EQ(db_.InTransaction([](storage::Transaction& tx) {
                 return storage::DeleteSnapshot(tx, "a");
               })
                .code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(db_.InTransaction([](storage::Transaction& tx) {
                   absl::Status marked = storage::MarkSourceDropped(
                       tx, v1::SnapshotSource::SNAPSHOT, "a");
                   if (!marked.ok()) return marked;
                   return storage::DeleteSnapshot(tx, "a");
                 })
                  .ok());
  m = storage::GetSnapshot(pool_, "m");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->sources_size(), 2);
  EXPECT_FALSE(m->sources(0).dropped());
  EXPECT_EQ(m->sources(1).name(), "a");
  EXPECT_TRUE(m->sources(1).dropped());
  EXPECT_EQ(m->package_count(), 3);
}

TEST_F(SnapshotStoreTest, SourcesMustExistAndHaveAKind) {
  EXPECT_EQ(Insert("x", {Source(v1::SnapshotSource::SNAPSHOT, "absent")},
                   storage::NoSnapshotPackages())
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Insert("x", {Source(v1::SnapshotSource::MIRROR, "absent")},
                   storage::NoSnapshotPackages())
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Insert("x", {Source(v1::SnapshotSource::KIND_UNSPECIFIED, "m")},
                   storage::NoSnapshotPackages())
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM snapshots"), "0");
}

}  // namespace
}  // namespace debrepo::testing
