// storage/publication_store against a real PostgreSQL, without processes:
// a publication is recorded with the packages of its sources as the
// transaction sees them, replaced whole, read, listed in pages, named for
// its sources; the packages of a source come in bounded batches; the pool
// lock of a prefix is held by one caller at a time, who reads the pool
// changes of a job: the files it added, and those it removed that nothing
// lists; and a job's added files are checked against the prefix's. A
// source's package ids (what its Contents indices are read from) are read
// apart from a job's session.
#include "storage/publication_store.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
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
        "package_type, provides, stanza, fields, files, file_fields, "
        "pair_id) "
        "SELECT 'P' || architecture || ' ' || name || ' 1.0 h', name, '1.0', "
        "architecture, 'src' || substr(name, 2), 'deb', '{}', "
        "'Package: ' || name, '{}', files, package_file_fields(files), id "
        "FROM pairs CROSS JOIN LATERAL (SELECT "
        "jsonb_build_array(jsonb_build_object('name', name || '.deb', "
        "'size', '1', 'sha256', 'h' || substr(name, 2))) AS files) f "
        "ORDER BY id");
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
  int64_t job = 0;
  for (const char* dist : {"c", "a", "b"}) {
    v1::Publication publication = At("debian", dist);
    *publication.add_components() = FromSnapshot("main", "s");
    // One publication with two components: each listed publication gets
    // its own components, in their order, from the page's one read.
    if (std::string(dist) == "b") {
      *publication.add_components() = FromRepo("contrib", "r");
    }
    ASSERT_THAT(Save(publication, ++job).status(), IsOk());
  }
  v1::Publication elsewhere = At("x", "d");
  elsewhere.set_storage("filesystem:mirror");
  *elsewhere.add_components() = FromSnapshot("main", "s");
  ASSERT_THAT(Save(elsewhere, ++job).status(), IsOk());

  std::vector<std::string> seen;
  std::string after;
  for (;;) {
    absl::StatusOr<std::vector<v1::Publication>> page =
        storage::ListPublications(pool_, "", after, 2);
    ASSERT_THAT(page.status(), IsOk());
    for (const v1::Publication& publication : *page) {
      std::string components;
      for (const v1::PublishedComponent& component : publication.components()) {
        absl::StrAppend(&components, " ", component.component(), "=",
                        component.snapshot(), component.repo());
      }
      seen.push_back(absl::StrCat(
          storage::PublicationName(publication.storage(), publication.prefix(),
                                   publication.distribution()),
          components));
      after = storage::PublicationPosition(publication);
    }
    if (page->size() < 2) break;
  }
  EXPECT_THAT(seen,
              ElementsAre("debian/a main=s", "debian/b main=s contrib=r",
                          "debian/c main=s", "filesystem:mirror:x/d main=s"));
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
    EXPECT_THAT(*names, ElementsAre("debian/b"));
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

// What a component's Contents indices are read from: its source's package
// ids, sorted, and whether a udeb is among them; read apart from any job's
// session, on a connection of the pool.
TEST_F(PublicationStoreTest, ReadsTheSourcePackageIdsApart) {
  db_.QueryValue("UPDATE packages SET package_type = 'udeb' WHERE id = 5");
  auto read = [&](const v1::PublishedComponent& source) {
    absl::StatusOr<storage::SourcePackageIds> ids;
    EXPECT_THAT(storage::ReadApart(pool_, "reading a test source",
                                   [&](storage::Transaction& tx) {
                                     ids = storage::ReadSourcePackageIds(
                                         tx, source);
                                     return ids.status();
                                   }),
                IsOk());
    return ids;
  };
  absl::StatusOr<storage::SourcePackageIds> repo = read(FromRepo("", "r"));
  ASSERT_THAT(repo.status(), IsOk());
  EXPECT_THAT(repo->ids, ElementsAre(1, 2, 4));
  EXPECT_FALSE(repo->udebs);
  absl::StatusOr<storage::SourcePackageIds> snapshot =
      read(FromSnapshot("", "s"));
  ASSERT_THAT(snapshot.status(), IsOk());
  EXPECT_THAT(snapshot->ids, ElementsAre(1, 3, 5));
  EXPECT_TRUE(snapshot->udebs);
  absl::StatusOr<storage::SourcePackageIds> gone =
      read(FromSnapshot("", "gone"));
  ASSERT_THAT(gone.status(), IsOk());
  EXPECT_THAT(gone->ids, ::testing::IsEmpty());
  EXPECT_FALSE(gone->udebs);
  // An error of the function read apart is its outcome.
  EXPECT_THAT(storage::ReadApart(pool_, "failing",
                                 [](storage::Transaction&) {
                                   return absl::DataLossError("stop");
                                 }),
              StatusIs(absl::StatusCode::kDataLoss));
}

// A package inserted by a worker of the release before migration 18 (a
// rolling upgrade) has no file_fields: publishing reads its files anyway.
TEST_F(PublicationStoreTest, ReadsTheFilesOfAPackageStoredWithoutFileFields) {
  db_.QueryValue("UPDATE packages SET file_fields = NULL WHERE id = 3");
  ASSERT_THAT(db_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
    std::vector<std::string> sha256s;
    EXPECT_THAT(storage::ForEachSourcePackage(
                    tx, FromSnapshot("", "s"), 10,
                    [&](const std::vector<storage::PublishedPackage>& batch) {
                      for (const storage::PublishedPackage& package : batch) {
                        EXPECT_EQ(package.files.size(), 1) << package.name;
                        for (const auto& file : package.files) {
                          sha256s.push_back(file.sha256());
                        }
                      }
                      return absl::OkStatus();
                    }),
                IsOk());
    EXPECT_THAT(sha256s, UnorderedElementsAre("h1", "h3", "h5"));
    return absl::OkStatus();
  }),
              IsOk());
}

TEST_F(PublicationStoreTest, PoolLockIsHeldByOneAndReadsTheJobsPoolChanges) {
  v1::Publication a = At("shared", "a");
  *a.add_components() = FromSnapshot("main", "s");
  v1::Publication b = At("shared", "b");
  *b.add_components() = FromRepo("main", "r");
  ASSERT_THAT(Save(a, 1).status(), IsOk());
  ASSERT_THAT(Save(b, 2).status(), IsOk());

  std::atomic<bool> first_inside{false};
  std::atomic<bool> first_done{false};
  std::vector<std::string> added;
  std::thread first([&] {
    EXPECT_THAT(
        storage::WithPoolLock(
            pool_, "filesystem:default", "shared", 1,
            [&](const storage::PoolChanges& changes) {
              for (const storage::PoolFile& file : changes.added) {
                added.push_back(absl::StrCat(file.component, "/", file.source,
                                             "/", file.name, " ", file.sha256));
              }
              EXPECT_THAT(changes.unlisted, ::testing::IsEmpty());
              first_inside = true;
              absl::SleepFor(absl::Milliseconds(300));
              first_done = true;
              return absl::OkStatus();
            }),
        IsOk());
  });
  while (!first_inside.load()) absl::SleepFor(absl::Milliseconds(5));
  bool waited = false;
  EXPECT_THAT(storage::WithPoolLock(pool_, "filesystem:default", "shared", 2,
                                    [&](const storage::PoolChanges&) {
                                      waited = first_done.load();
                                      return absl::OkStatus();
                                    }),
              IsOk());
  first.join();
  EXPECT_TRUE(waited);
  // Job 1 published packages 1, 3 and 5 of s.
  EXPECT_THAT(added,
              UnorderedElementsAre("main/src1/p1.deb h1", "main/src3/p3.deb h3",
                                   "main/src5/p5.deb h5"));
}

// The names (component/source/file) of the files job `job` added and of
// those it removed that nothing in prefix "shared" lists.
struct ChangedNames {
  std::vector<std::string> added;
  std::vector<std::string> unlisted;
};

// A file two added packages share is linked once; a package stored
// without file_fields (as a worker of the release before migration 18
// inserts it) is read from its files.
TEST_F(PublicationStoreTest, AddedPoolFilesAreEachListedOnce) {
  // Package 7: p1's file under another package of p1's source package.
  db_.QueryValue(
      "INSERT INTO packages (id, key, name, version, architecture, source, "
      "package_type, provides, stanza, fields, files, file_fields, pair_id) "
      "SELECT 7, 'Pamd64 p1-extra 1.0 h', 'p1-extra', '1.0', 'amd64', "
      "'src1', 'deb', '{}', 'Package: p1-extra', '{}', files, NULL, pair_id "
      "FROM packages WHERE id = 1");
  db_.QueryValue(
      "INSERT INTO snapshots (name, package_ids, package_pairs) SELECT "
      "'shared', array_agg(id ORDER BY id), array_agg(pair_id ORDER BY id) "
      "FROM packages WHERE id IN (1, 2, 7)");
  v1::Publication fresh = At("fresh", "d");
  *fresh.add_components() = FromSnapshot("main", "shared");
  ASSERT_THAT(Save(fresh, 11).status(), IsOk());
  std::vector<std::string> added;
  EXPECT_THAT(
      storage::WithPoolLock(
          pool_, "filesystem:default", "fresh", 11,
          [&](const storage::PoolChanges& changes) {
            for (const storage::PoolFile& file : changes.added) {
              added.push_back(absl::StrCat(file.component, "/", file.source,
                                           "/", file.name, " ", file.sha256));
            }
            return absl::OkStatus();
          }),
      IsOk());
  EXPECT_THAT(added, UnorderedElementsAre("main/src1/p1.deb h1",
                                          "main/src2/p2.deb h2"));
}

TEST_F(PublicationStoreTest, PoolChangesAreWhatEachJobAddedAndLeftUnlisted) {
  auto changed = [&](int64_t job) {
    ChangedNames names;
    EXPECT_THAT(storage::WithPoolLock(
                    pool_, "filesystem:default", "shared", job,
                    [&](const storage::PoolChanges& changes) {
                      for (const storage::PoolFile& file : changes.added) {
                        names.added.push_back(absl::StrCat(
                            file.component, "/", file.source, "/", file.name));
                      }
                      for (const storage::PoolFile& file : changes.unlisted) {
                        names.unlisted.push_back(absl::StrCat(
                            file.component, "/", file.source, "/", file.name));
                      }
                      return absl::OkStatus();
                    }),
                IsOk());
    return names;
  };
  // Package 6: another build of package 3 (its file name, other bytes).
  db_.QueryValue(
      "INSERT INTO packages (id, key, name, version, architecture, source, "
      "package_type, provides, stanza, fields, files, file_fields, pair_id) "
      "SELECT 6, 'Pamd64 p3 1.0 other', 'p3', '1.0', 'amd64', 'src3', "
      "'deb', '{}', 'Package: p3', '{}', f.other, "
      "package_file_fields(f.other), "
      "pair_id FROM packages, (SELECT jsonb_build_array(jsonb_build_object("
      "'name', 'p3.deb', 'size', '1', 'sha256', 'other')) AS other) f "
      "WHERE id = 3");
  db_.QueryValue(
      "INSERT INTO snapshots (name, package_ids, package_pairs) SELECT "
      "'rebuilt', array_agg(id ORDER BY id), array_agg(pair_id ORDER BY id) "
      "FROM packages WHERE id IN (1, 6)");

  v1::Publication a = At("shared", "a");
  *a.add_components() = FromSnapshot("main", "s");  // 1, 3, 5
  v1::Publication b = At("shared", "b");
  *b.add_components() = FromRepo("main", "r");  // 1, 2, 4
  ASSERT_THAT(Save(b, 2).status(), IsOk());
  ASSERT_THAT(Save(a, 1).status(), IsOk());
  EXPECT_THAT(changed(2).added,
              UnorderedElementsAre("main/src1/p1.deb", "main/src2/p2.deb",
                                   "main/src4/p4.deb"));

  // a to r: 2 and 4 added; 3 and 5 removed, which b does not list.
  v1::Publication a_from_r = At("shared", "a");
  *a_from_r.add_components() = FromRepo("main", "r");
  ASSERT_THAT(Save(a_from_r, 3).status(), IsOk());
  ChangedNames names = changed(3);
  EXPECT_THAT(names.added,
              UnorderedElementsAre("main/src2/p2.deb", "main/src4/p4.deb"));
  EXPECT_THAT(names.unlisted,
              UnorderedElementsAre("main/src3/p3.deb", "main/src5/p5.deb"));

  // b to s: 2 and 4 removed, but a lists them now.
  v1::Publication b_from_s = At("shared", "b");
  *b_from_s.add_components() = FromSnapshot("main", "s");
  ASSERT_THAT(Save(b_from_s, 4).status(), IsOk());
  names = changed(4);
  EXPECT_THAT(names.added,
              UnorderedElementsAre("main/src3/p3.deb", "main/src5/p5.deb"));
  EXPECT_THAT(names.unlisted, ::testing::IsEmpty());

  // Another component is another pool directory: b's main removed whole.
  v1::Publication b_contrib = At("shared", "b");
  *b_contrib.add_components() = FromSnapshot("contrib", "s");
  ASSERT_THAT(Save(b_contrib, 5).status(), IsOk());
  names = changed(5);
  EXPECT_THAT(names.added,
              UnorderedElementsAre("contrib/src1/p1.deb", "contrib/src3/p3.deb",
                                   "contrib/src5/p5.deb"));
  EXPECT_THAT(names.unlisted,
              UnorderedElementsAre("main/src3/p3.deb", "main/src5/p5.deb"));

  // The rebuild of 3 conflicts with contrib's 3, not with anything in
  // main, nor in another prefix.
  auto conflicts = [&](const v1::Publication& publication, int64_t job) {
    std::vector<std::string> found;
    EXPECT_THAT(
        db_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
          RETURN_IF_ERROR(
              storage::SavePublication(tx, publication, job).status());
          ASSIGN_OR_RETURN(
              found, storage::ConflictingPoolFiles(tx, publication.storage(),
                                                   publication.prefix(), job));
          return absl::AbortedError("rolled back");
        }),
        StatusIs(absl::StatusCode::kAborted));
    return found;
  };
  v1::Publication rebuilt_main = At("shared", "c");
  *rebuilt_main.add_components() = FromSnapshot("main", "rebuilt");
  EXPECT_THAT(conflicts(rebuilt_main, 6), ::testing::IsEmpty());
  v1::Publication rebuilt_contrib = At("shared", "c");
  *rebuilt_contrib.add_components() = FromSnapshot("contrib", "rebuilt");
  EXPECT_THAT(conflicts(rebuilt_contrib, 6),
              ElementsAre("contrib/src3/p3.deb"));
  v1::Publication both = At("elsewhere", "c");
  *both.add_components() = FromSnapshot("main", "rebuilt");
  *both.add_components() = FromSnapshot("contrib", "s");
  EXPECT_THAT(conflicts(both, 6), ::testing::IsEmpty());
  // A publication's own packages against each other are its job's to
  // check (PoolPathCheck) when the prefix lists nothing else; with others
  // listed, the transaction's check sees them too.
  db_.QueryValue(
      "INSERT INTO snapshots (name, package_ids, package_pairs) SELECT "
      "'both-builds', array_agg(id ORDER BY id), array_agg(pair_id ORDER BY "
      "id) FROM packages WHERE id IN (3, 6)");
  v1::Publication two_builds = At("elsewhere", "c");
  *two_builds.add_components() = FromSnapshot("main", "both-builds");
  EXPECT_THAT(conflicts(two_builds, 6), ::testing::IsEmpty());
  v1::Publication two_builds_shared = At("shared", "c");
  *two_builds_shared.add_components() = FromSnapshot("main", "both-builds");
  EXPECT_THAT(conflicts(two_builds_shared, 6), ElementsAre("main/src3/p3.deb"));
  v1::Publication b_rebuilt = At("shared", "b");
  *b_rebuilt.add_components() = FromSnapshot("contrib", "rebuilt");
  // b itself switched to the rebuild: its old 3 leaves, no conflict.
  EXPECT_THAT(conflicts(b_rebuilt, 6), ::testing::IsEmpty());

  // b's contrib to the rebuild for real: its 3 is removed, but its pool
  // path is the rebuild's, which b lists now; 5 is unlisted.
  ASSERT_THAT(Save(b_rebuilt, 7).status(), IsOk());
  names = changed(7);
  EXPECT_THAT(names.added, UnorderedElementsAre("contrib/src3/p3.deb"));
  EXPECT_THAT(names.unlisted, UnorderedElementsAre("contrib/src5/p5.deb"));

  // Dropped: a's packages leave main, which nothing else lists now.
  ASSERT_THAT(db_.InTransaction([&](storage::Transaction& tx) {
    return storage::DeletePublication(
        tx, storage::MakePublicationRef("filesystem:default", "shared", "a"),
        8);
  }),
              IsOk());
  names = changed(8);
  EXPECT_THAT(names.added, ::testing::IsEmpty());
  EXPECT_THAT(names.unlisted,
              UnorderedElementsAre("main/src1/p1.deb", "main/src2/p2.deb",
                                   "main/src4/p4.deb"));
}

}  // namespace
}  // namespace debrepo::testing
