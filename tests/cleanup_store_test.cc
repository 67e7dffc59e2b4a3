// storage/cleanup_store against PostgreSQL: which packages garbage
// collection deletes and which blob-store files stay referenced.
#include "storage/cleanup_store.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/transaction.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;

// Digest is a fake SHA-256: `c` 64 times.
std::string Digest(char c) { return std::string(64, c); }

class CleanupStoreTest : public ::testing::Test {
 protected:
  CleanupStoreTest()
      : database_(TestDatabase::Schema::kMigrated),
        connection_(database_.url()) {}

  // Stores package `name` whose files have the digests `digests`, with a
  // file list; returns its id.
  int64_t Package(const std::string& name,
                  const std::vector<std::string>& digests) {
    std::string files = "[";
    for (size_t i = 0; i < digests.size(); ++i) {
      absl::StrAppend(&files, i > 0 ? "," : "", "{\"name\":\"", name, i,
                      "\",\"sha256\":\"", digests[i], "\"}");
    }
    files += "]";
    pqxx::work tx(connection_);
    const int64_t id =
        tx.exec_params1(
              "WITH pair AS (INSERT INTO package_pairs (name, architecture) "
              "VALUES ($2, 'all') RETURNING id) "
              "INSERT INTO packages (key, name, version, architecture, "
              "source, package_type, provides, stanza, fields, files, "
              "file_fields, pair_id) SELECT $1, $2, '1', 'all', $2, 'deb', "
              "'{}', '', '{}', $3::jsonb, package_file_fields($3::jsonb), id "
              "FROM pair RETURNING id",
              "Pall " + name + " 1 h", name, files)[0]
            .as<int64_t>();
    tx.exec_params0(
        "INSERT INTO package_contents (package_id, paths) VALUES ($1, 'x')",
        id);
    tx.commit();
    return id;
  }

  void Exec(const std::string& sql) {
    pqxx::work tx(connection_);
    tx.exec0(sql);
    tx.commit();
  }

  std::vector<std::string> Referenced(storage::BlobReferrers referrers) {
    std::vector<std::string> digests;
    EXPECT_TRUE(database_
                    .InTransaction([&](storage::Transaction& tx) {
                      return storage::ForEachReferencedBlob(
                          tx, referrers, [&](absl::string_view sha256) {
                            digests.emplace_back(sha256);
                            return absl::OkStatus();
                          });
                    })
                    .ok());
    return digests;
  }

  TestDatabase database_;
  pqxx::connection connection_;
};

TEST_F(CleanupStoreTest, DeletesWhatNoRepoSnapshotMirrorOrPublicationHolds) {
  const int64_t in_repo = Package("in-repo", {Digest('1')});
  const int64_t in_snapshot = Package("in-snapshot", {Digest('2')});
  const int64_t published = Package("published", {Digest('3')});
  const int64_t mirrored = Package("mirrored", {Digest('7')});
  // Orphans; one shares its file with a held package.
  Package("orphan-b", {Digest('4'), Digest('1')});
  Package("orphan-a", {Digest('5')});
  Exec(absl::StrCat(
      "INSERT INTO repos (name) VALUES ('r');"
      "INSERT INTO repo_packages SELECT (SELECT id FROM repos), id, pair_id "
      "FROM packages WHERE id = ",
      in_repo,
      ";"
      "INSERT INTO snapshots (name, package_ids, package_pairs) "
      "SELECT 's', ARRAY[id], ARRAY[pair_id] FROM packages WHERE id = ",
      in_snapshot,
      ";"
      "INSERT INTO mirrors (name, settings, package_ids, package_pairs) "
      "SELECT 'm', '{}', ARRAY[id], ARRAY[pair_id] FROM packages WHERE id = ",
      mirrored,
      ";"
      "INSERT INTO publications (storage, prefix, distribution, "
      "architectures, settings, generation) VALUES ('', '.', 'd', '{}', "
      "'{}', 1);"
      "INSERT INTO publication_components (publication_id, position, "
      "component, snapshot_id, package_ids) VALUES ((SELECT id FROM "
      "publications), 0, 'main', (SELECT id FROM snapshots), '{",
      published,
      "}');"
      "INSERT INTO upload_files (directory, filename, size, sha256) VALUES "
      "('up', 'f.deb', 1, '",
      Digest('6'), "')"));

  EXPECT_THAT(Referenced(storage::BlobReferrers::kHeldPackages),
              ElementsAre(Digest('1'), Digest('2'), Digest('3'), Digest('6'),
                          Digest('7')));
  EXPECT_THAT(Referenced(storage::BlobReferrers::kAllPackages),
              ElementsAre(Digest('1'), Digest('2'), Digest('3'), Digest('4'),
                          Digest('5'), Digest('6'), Digest('7')));

  storage::DeletedPackages deleted;
  ASSERT_TRUE(database_
                  .InTransaction([&](storage::Transaction& tx) {
                    ASSIGN_OR_RETURN(deleted, storage::DeleteUnheldPackages(
                                                  tx, /*max_keys=*/1));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(deleted.count, 2);
  EXPECT_THAT(deleted.keys, ElementsAre("Pall orphan-a 1 h"));
  pqxx::work tx(connection_);
  EXPECT_EQ(tx.exec1("SELECT string_agg(name, ',' ORDER BY name) FROM "
                     "packages")[0]
                .as<std::string>(),
            "in-repo,in-snapshot,mirrored,published");
  // Their file lists went with them.
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM package_contents")[0].as<int>(), 4);
  tx.commit();
  EXPECT_THAT(Referenced(storage::BlobReferrers::kAllPackages),
              ElementsAre(Digest('1'), Digest('2'), Digest('3'), Digest('6'),
                          Digest('7')));
}

TEST_F(CleanupStoreTest, NothingToDelete) {
  Package("kept", {Digest('a')});
  Exec(
      "INSERT INTO snapshots (name, package_ids, package_pairs) SELECT 's', "
      "array_agg(id ORDER BY id), array_agg(pair_id ORDER BY id) "
      "FROM packages");
  storage::DeletedPackages deleted;
  ASSERT_TRUE(database_
                  .InTransaction([&](storage::Transaction& tx) {
                    ASSIGN_OR_RETURN(deleted,
                                     storage::DeleteUnheldPackages(tx, 10));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(deleted.count, 0);
  EXPECT_TRUE(deleted.keys.empty());
}

}  // namespace
}  // namespace debrepo::testing
