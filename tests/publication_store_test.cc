// storage/publication_store against a real PostgreSQL, without processes:
// a publication is recorded with the packages of its sources as the
// transaction sees them, replaced whole, read, listed in pages, named for
// its sources; the packages of a source come in bounded batches; and the
// pool lock of a prefix is held by one caller at a time, who reads every
// pool file the prefix's publications list.
#include "storage/publication_store.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/database.h"
#include "storage/transaction.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

v1::PublishedComponent FromSnapshot(const std::string& component,
                                    const std::string& snapshot) {
  v1::PublishedComponent published;
  published.set_component(component);
  published.set_snapshot(snapshot);
  return published;
}

v1::PublishedComponent FromRepo(const std::string& component,
                                const std::string& repo) {
  v1::PublishedComponent published;
  published.set_component(component);
  published.set_repo(repo);
  return published;
}

v1::Publication At(const std::string& prefix, const std::string& dist) {
  v1::Publication publication;
  publication.set_storage("filesystem:default");
  publication.set_prefix(prefix);
  publication.set_distribution(dist);
  publication.add_architectures("amd64");
  return publication;
}

class PublicationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Packages 1 to 5: amd64 but 4 (all) and 5 (i386), one file each.
    db_.QueryValue(
        "WITH pairs AS (INSERT INTO package_pairs (name, architecture) "
        "SELECT 'p' || g, CASE g WHEN 4 THEN 'all' WHEN 5 THEN 'i386' ELSE "
        "'amd64' END FROM generate_series(1, 5) g RETURNING id, name, "
        "architecture) "
        "INSERT INTO packages (key, name, version, architecture, source, "
        "package_type, provides, stanza, fields, files, pair_id) "
        "SELECT 'P' || architecture || ' ' || name || ' 1.0 h', name, '1.0', "
        "architecture, 'src' || substr(name, 2), 'deb', '{}', "
        "'Package: ' || name, '{}', "
        "jsonb_build_array(jsonb_build_object('name', name || '.deb', "
        "'size', '1', 'sha256', 'h' || substr(name, 2))), id "
        "FROM pairs ORDER BY id");
    db_.QueryValue(
        "WITH r AS (INSERT INTO repos (name) VALUES ('r') RETURNING id) "
        "INSERT INTO repo_packages SELECT r.id, p.id, p.pair_id FROM r, "
        "packages p WHERE p.id IN (1, 2, 4)");
    db_.QueryValue(
        "INSERT INTO snapshots (name, package_ids, package_pairs) SELECT "
        "'s', array_agg(id ORDER BY id), array_agg(pair_id ORDER BY id) "
        "FROM packages WHERE id IN (1, 3, 5)");
  }

  absl::StatusOr<v1::Publication> Save(const v1::Publication& publication,
                                       int64_t generation) {
    absl::StatusOr<v1::Publication> saved;
    absl::Status status = db_.InTransaction([&](storage::Transaction& tx) {
      saved = storage::SavePublication(tx, publication, generation);
      return saved.status();
    });
    if (!status.ok()) return status;
    return saved;
  }

  TestDatabase db_{TestDatabase::Schema::kMigrated};
  storage::Database pool_{db_.url()};
};

TEST_F(PublicationStoreTest, RecordsSourcesPackagesAndSettingsAndReplaces) {
  v1::Publication publication = At(".", "stable");
  *publication.add_components() = FromSnapshot("main", "s");
  *publication.add_components() = FromRepo("contrib", "r");
  publication.set_origin("origin");
  publication.add_compressions(v1::XZ);
  absl::StatusOr<v1::Publication> saved = Save(publication, 7);
  ASSERT_THAT(saved.status(), IsOk());
  ASSERT_EQ(saved->components_size(), 2);
  EXPECT_EQ(saved->components(0).snapshot(), "s");
  EXPECT_EQ(saved->components(0).package_count(), 3);
  EXPECT_EQ(saved->components(1).repo(), "r");
  EXPECT_EQ(saved->components(1).package_count(), 3);
  EXPECT_EQ(saved->origin(), "origin");
  EXPECT_THAT(saved->compressions(), ElementsAre(v1::XZ));
  EXPECT_EQ(db_.QueryValue("SELECT package_ids::text FROM "
                           "publication_components ORDER BY position"),
            "{1,3,5}");

  // Replaced whole: settings, components and generation.
  v1::Publication switched = At(".", "stable");
  *switched.add_components() = FromRepo("main", "r");
  ASSERT_THAT(Save(switched, 8).status(), IsOk());
  absl::StatusOr<v1::Publication> read = storage::GetPublication(
      pool_, storage::MakePublicationRef("filesystem:default", ".", "stable"));
  ASSERT_THAT(read.status(), IsOk());
  ASSERT_EQ(read->components_size(), 1);
  EXPECT_EQ(read->components(0).repo(), "r");
  EXPECT_EQ(read->origin(), "");
  EXPECT_EQ(db_.QueryValue("SELECT generation::text FROM publications"), "8");
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM publication_components"), "1");

  // A missing source is NOT_FOUND and records nothing.
  v1::Publication missing = At(".", "other");
  *missing.add_components() = FromSnapshot("main", "gone");
  EXPECT_THAT(Save(missing, 9).status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM publications"), "1");
}

TEST_F(PublicationStoreTest, ListsInPagesAndNamesPublicationsOfASource) {
  for (const char* dist : {"c", "a", "b"}) {
    v1::Publication publication = At("debian", dist);
    *publication.add_components() = FromSnapshot("main", "s");
    ASSERT_THAT(Save(publication, 1).status(), IsOk());
  }
  v1::Publication elsewhere = At("x", "d");
  elsewhere.set_storage("filesystem:mirror");
  *elsewhere.add_components() = FromSnapshot("main", "s");
  ASSERT_THAT(Save(elsewhere, 1).status(), IsOk());

  std::vector<std::string> seen;
  std::string after;
  for (;;) {
    absl::StatusOr<std::vector<v1::Publication>> page =
        storage::ListPublications(pool_, "", after, 2);
    ASSERT_THAT(page.status(), IsOk());
    for (const v1::Publication& publication : *page) {
      seen.push_back(storage::PublicationName(publication.storage(),
                                              publication.prefix(),
                                              publication.distribution()));
      after = storage::PublicationPosition(publication);
    }
    if (page->size() < 2) break;
  }
  EXPECT_THAT(seen, ElementsAre("debian/a", "debian/b", "debian/c",
                                "filesystem:mirror:x/d"));
  absl::StatusOr<std::vector<v1::Publication>> mirror =
      storage::ListPublications(pool_, "filesystem:mirror", "", 10);
  ASSERT_THAT(mirror.status(), IsOk());
  EXPECT_EQ(mirror->size(), 1);

  ASSERT_THAT(db_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<std::string>> names =
        storage::PublicationsOfSource(tx, FromSnapshot("", "s"));
    EXPECT_THAT(names.status(), IsOk());
    EXPECT_THAT(*names, ElementsAre("debian/a", "debian/b", "debian/c",
                                    "filesystem:mirror:x/d"));
    names = storage::PublicationsOfSource(tx, FromRepo("", "r"));
    EXPECT_THAT(*names, ::testing::IsEmpty());
    return absl::OkStatus();
  }),
              IsOk());
}

TEST_F(PublicationStoreTest, ReadsArchitecturesAndPackagesInBatches) {
  ASSERT_THAT(db_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
    absl::StatusOr<storage::SourceArchitectures> read =
        storage::ReadSourceArchitectures(tx, FromRepo("", "r"));
    EXPECT_THAT(read.status(), IsOk());
    EXPECT_EQ(read->package_count, 3);
    EXPECT_THAT(read->architectures, ElementsAre("all", "amd64"));
    EXPECT_THAT(
        storage::ReadSourceArchitectures(tx, FromSnapshot("", "gone")).status(),
        StatusIs(absl::StatusCode::kNotFound));

    std::vector<size_t> batches;
    std::vector<std::string> names;
    EXPECT_THAT(storage::ForEachSourcePackage(
                    tx, FromSnapshot("", "s"), 2,
                    [&](const std::vector<storage::PublishedPackage>& batch) {
                      batches.push_back(batch.size());
                      for (const storage::PublishedPackage& package : batch) {
                        names.push_back(package.name);
                        EXPECT_EQ(package.files.size(), 1);
                        EXPECT_EQ(package.files[0].sha256(),
                                  "h" + package.name.substr(1));
                      }
                      return absl::OkStatus();
                    }),
                IsOk());
    EXPECT_THAT(batches, ElementsAre(2, 1));
    EXPECT_THAT(names, UnorderedElementsAre("p1", "p3", "p5"));
    return absl::OkStatus();
  }),
              IsOk());
}

TEST_F(PublicationStoreTest, PoolLockIsHeldByOneAndReadsThePrefixFiles) {
  v1::Publication a = At("shared", "a");
  *a.add_components() = FromSnapshot("main", "s");
  v1::Publication b = At("shared", "b");
  *b.add_components() = FromRepo("main", "r");
  ASSERT_THAT(Save(a, 1).status(), IsOk());
  ASSERT_THAT(Save(b, 2).status(), IsOk());

  std::atomic<bool> first_inside{false};
  std::atomic<bool> first_done{false};
  std::vector<std::string> listed;
  std::thread first([&] {
    EXPECT_THAT(
        storage::WithPoolLock(pool_, "filesystem:default", "shared",
                              [&](const std::vector<storage::PoolFile>& files) {
                                for (const storage::PoolFile& file : files) {
                                  listed.push_back(file.name);
                                }
                                first_inside = true;
                                absl::SleepFor(absl::Milliseconds(300));
                                first_done = true;
                                return absl::OkStatus();
                              }),
        IsOk());
  });
  while (!first_inside.load()) absl::SleepFor(absl::Milliseconds(5));
  bool waited = false;
  EXPECT_THAT(storage::WithPoolLock(pool_, "filesystem:default", "shared",
                                    [&](const std::vector<storage::PoolFile>&) {
                                      waited = first_done.load();
                                      return absl::OkStatus();
                                    }),
              IsOk());
  first.join();
  EXPECT_TRUE(waited);
  // Packages 1, 3, 5 of s and 1, 2, 4 of r, each file once.
  EXPECT_THAT(listed, UnorderedElementsAre("p1.deb", "p2.deb", "p3.deb",
                                           "p4.deb", "p5.deb"));
}

}  // namespace
}  // namespace debrepo::testing
