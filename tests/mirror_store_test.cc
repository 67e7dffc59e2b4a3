// storage/mirror_store against a real PostgreSQL, without processes: a
// mirror's settings and keyring round-trip (the keyring only where a sync
// reads it), a sync's ReplaceMirrorPackages swaps the whole list and
// counts the change or changes nothing, the status follows the sync jobs
// holding the mirror, and snapshots made from a mirror hold it until their
// source entries say it was dropped.
#include "storage/mirror_store.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "common/status_macros.h"
#include "deb/query.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/job_kinds.h"
#include "storage/database.h"
#include "storage/job_store.h"
#include "storage/package_store.h"
#include "storage/snapshot_store.h"
#include "storage/transaction.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

v1::Mirror BookwormMain() {
  v1::Mirror mirror;
  mirror.set_name("bookworm-main");
  mirror.set_archive_url("http://deb.debian.org/debian");
  mirror.set_distribution("bookworm");
  mirror.add_components("main");
  mirror.add_architectures("amd64");
  mirror.set_filter("Priority (required)");
  mirror.set_filter_with_deps(true);
  mirror.set_download_limit(1000);
  mirror.set_keyring(std::string("\x99\x01\x0d\x00binary", 10));
  mirror.add_keyring_fingerprints("ABCD");
  return mirror;
}

std::string Key(int i) { return "Pamd64 p" + std::to_string(i) + " 1.0 h"; }

class MirrorStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Four stored packages p1..p4.
    db_.StoreFakePackages(4);
    ASSERT_TRUE(db_.InTransaction([](storage::Transaction& tx) {
                     return storage::InsertMirror(tx, BookwormMain()).status();
                   })
                    .ok());
  }

  absl::StatusOr<storage::MirrorPackagesChange> Replace(
      const std::string& name, const std::vector<std::string>& keys) {
    storage::MirrorPackagesChange change;
    absl::Status status = db_.InTransaction([&](storage::Transaction& tx) {
      ASSIGN_OR_RETURN(change, storage::ReplaceMirrorPackages(
                                   tx, name, keys,
                                   {.date = "Sat, 10 Jun 2023 08:00:00 UTC",
                                    .suite = "stable",
                                    .codename = "bookworm"}));
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return change;
  }

  std::vector<std::string> PackageKeys(const std::string& mirror,
                                       const deb::Query* query = nullptr) {
    absl::StatusOr<std::vector<v1::Package>> packages =
        storage::ListMirrorPackages(pool_, mirror, query, "", 100,
                                    /*details=*/false);
    EXPECT_TRUE(packages.ok()) << packages.status();
    std::vector<std::string> keys;
    if (packages.ok()) {
      for (const v1::Package& package : *packages)
        keys.push_back(package.key());
    }
    return keys;
  }

  TestDatabase db_{TestDatabase::Schema::kMigrated};
  storage::Database pool_{db_.url()};
};

TEST_F(MirrorStoreTest, SettingsRoundTripAndTheKeyringStaysInJobs) {
  absl::StatusOr<v1::Mirror> got = storage::GetMirror(pool_, "bookworm-main");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->archive_url(), "http://deb.debian.org/debian");
  EXPECT_EQ(got->distribution(), "bookworm");
  EXPECT_THAT(got->components(), ElementsAre("main"));
  EXPECT_THAT(got->architectures(), ElementsAre("amd64"));
  EXPECT_EQ(got->filter(), "Priority (required)");
  EXPECT_TRUE(got->filter_with_deps());
  EXPECT_EQ(got->download_limit(), 1000);
  EXPECT_THAT(got->keyring_fingerprints(), ElementsAre("ABCD"));
  EXPECT_TRUE(got->keyring().empty());
  EXPECT_EQ(got->status(), v1::NEVER_SYNCED);
  EXPECT_FALSE(got->has_last_sync_time());
  EXPECT_TRUE(got->has_create_time());
  EXPECT_EQ(got->package_count(), 0);

  absl::StatusOr<std::vector<v1::Mirror>> listed =
      storage::ListMirrors(pool_, "", 10);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1);
  EXPECT_TRUE(listed->front().keyring().empty());
  EXPECT_EQ(listed->front().filter(), "Priority (required)");

  // Binary bytes, NUL included, come back whole for a sync.
  std::optional<v1::Mirror> found;
  ASSERT_TRUE(db_.InTransaction([&](storage::Transaction& tx) {
                   ASSIGN_OR_RETURN(found,
                                    storage::FindMirror(tx, "bookworm-main"));
                   return absl::OkStatus();
                 })
                  .ok());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->keyring(), BookwormMain().keyring());

  EXPECT_EQ(storage::GetMirror(pool_, "nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(db_.InTransaction([](storage::Transaction& tx) {
                 return storage::InsertMirror(tx, BookwormMain()).status();
               })
                .code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(MirrorStoreTest, SyncReplacesTheWholeListAndCountsTheChange) {
  absl::StatusOr<storage::MirrorPackagesChange> first =
      Replace("bookworm-main", {Key(2), Key(1), Key(2), Key(3)});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->package_count, 3);
  EXPECT_EQ(first->added_count, 3);
  EXPECT_EQ(first->removed_count, 0);
  EXPECT_EQ(db_.QueryValue("SELECT package_ids::text FROM mirrors WHERE name = "
                           "'bookworm-main'"),
            "{1,2,3}");
  absl::StatusOr<v1::Mirror> got = storage::GetMirror(pool_, "bookworm-main");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->status(), v1::IDLE);
  EXPECT_TRUE(got->has_last_sync_time());
  EXPECT_EQ(got->release_suite(), "stable");
  EXPECT_EQ(got->release_codename(), "bookworm");
  EXPECT_EQ(got->release_date(), "Sat, 10 Jun 2023 08:00:00 UTC");
  EXPECT_EQ(got->package_count(), 3);

  absl::StatusOr<storage::MirrorPackagesChange> second =
      Replace("bookworm-main", {Key(4), Key(3)});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->package_count, 2);
  EXPECT_EQ(second->added_count, 1);
  EXPECT_EQ(second->removed_count, 2);
  EXPECT_THAT(PackageKeys("bookworm-main"), ElementsAre(Key(3), Key(4)));
  const deb::Query query = *deb::Query::Parse("Name (p4)");
  EXPECT_THAT(PackageKeys("bookworm-main", &query), ElementsAre(Key(4)));

  // An empty list is a list too (an upstream that dropped everything).
  absl::StatusOr<storage::MirrorPackagesChange> emptied =
      Replace("bookworm-main", {});
  ASSERT_TRUE(emptied.ok()) << emptied.status();
  EXPECT_EQ(emptied->package_count, 0);
  EXPECT_EQ(emptied->removed_count, 2);
  EXPECT_THAT(PackageKeys("bookworm-main"), IsEmpty());
}

TEST_F(MirrorStoreTest, UnstoredKeysOrAGoneMirrorChangeNothing) {
  ASSERT_TRUE(Replace("bookworm-main", {Key(1)}).ok());
  const std::string synced_at = db_.QueryValue(
      "SELECT last_sync_time::text FROM mirrors WHERE name = "
      "'bookworm-main'");
  absl::StatusOr<storage::MirrorPackagesChange> missing =
      Replace("bookworm-main", {Key(2), "Pamd64 ghost 1 h"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "ghost"))
      << missing.status();
  EXPECT_THAT(PackageKeys("bookworm-main"), ElementsAre(Key(1)));
  EXPECT_EQ(db_.QueryValue("SELECT last_sync_time::text FROM mirrors WHERE "
                           "name = 'bookworm-main'"),
            synced_at);
  EXPECT_EQ(Replace("gone", {Key(1)}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(MirrorStoreTest, SyncingWhileASyncJobHoldsTheMirror) {
  storage::JobStore jobs(&pool_);
  v1::JobArgs sync;
  sync.mutable_sync_mirror()->set_name("bookworm-main");
  absl::StatusOr<jobs::JobSpec> spec = jobs::MakeJobSpec(sync);
  ASSERT_TRUE(spec.ok()) << spec.status();
  // An edit queued on the mirror is not a sync.
  v1::JobArgs edit;
  edit.mutable_update_mirror()->set_name("bookworm-main");
  edit.mutable_update_mirror()->add_fields("filter");
  absl::StatusOr<jobs::JobSpec> edit_spec = jobs::MakeJobSpec(edit);
  ASSERT_TRUE(edit_spec.ok()) << edit_spec.status();
  ASSERT_TRUE(jobs.Submit(*edit_spec, "").ok());
  EXPECT_EQ(storage::GetMirror(pool_, "bookworm-main")->status(),
            v1::NEVER_SYNCED);

  absl::StatusOr<v1::Job> job = jobs.Submit(*spec, "");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(storage::GetMirror(pool_, "bookworm-main")->status(), v1::SYNCING);
  absl::StatusOr<std::vector<v1::Mirror>> listed =
      storage::ListMirrors(pool_, "", 10);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->front().status(), v1::SYNCING);
  // Its keys go when it ends.
  db_.QueryValue("DELETE FROM job_keys WHERE job_id = " +
                 std::to_string(job->id()));
  EXPECT_EQ(storage::GetMirror(pool_, "bookworm-main")->status(),
            v1::NEVER_SYNCED);
}

TEST_F(MirrorStoreTest, SnapshotsHoldTheMirrorUntilTheirSourceIsDropped) {
  ASSERT_TRUE(Replace("bookworm-main", {Key(1), Key(2)}).ok());
  v1::Snapshot snapshot;
  snapshot.set_name("s1");
  v1::SnapshotSource source;
  source.set_kind(v1::SnapshotSource::MIRROR);
  source.set_name("bookworm-main");
  ASSERT_TRUE(
      db_.InTransaction([&](storage::Transaction& tx) {
           return storage::InsertSnapshot(
                      tx, snapshot, {source},
                      storage::SnapshotPackageIdsOfMirror("bookworm-main"))
               .status();
         })
          .ok());
  EXPECT_EQ(db_.QueryValue("SELECT package_ids::text FROM snapshots"), "{1,2}");
  // The mirror's pairs and the snapshot's, beside their ids.
  EXPECT_EQ(db_.MisplacedPairs(), 0);
  absl::StatusOr<v1::Mirror> got = storage::GetMirror(pool_, "bookworm-main");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT(got->snapshots(), ElementsAre("s1"));

  // A rename keeps the packages, and the snapshot shows the new name.
  v1::Mirror renamed = BookwormMain();
  renamed.set_name("bookworm");
  renamed.set_filter("");
  absl::StatusOr<v1::Mirror> replaced;
  ASSERT_TRUE(db_.InTransaction([&](storage::Transaction& tx) {
                   replaced = storage::ReplaceMirrorSettings(
                       tx, "bookworm-main", renamed);
                   return replaced.status();
                 })
                  .ok());
  EXPECT_EQ(replaced->package_count(), 2);
  EXPECT_EQ(replaced->filter(), "");
  absl::StatusOr<v1::Snapshot> s1 = storage::GetSnapshot(pool_, "s1");
  ASSERT_TRUE(s1.ok()) << s1.status();
  ASSERT_EQ(s1->sources_size(), 1);
  EXPECT_EQ(s1->sources(0).kind(), v1::SnapshotSource::MIRROR);
  EXPECT_EQ(s1->sources(0).name(), "bookworm");

  // The foreign key keeps the mirror from vanishing under the snapshot.
  EXPECT_EQ(db_.InTransaction([](storage::Transaction& tx) {
                 return storage::DeleteMirror(tx, "bookworm");
               })
                .code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(db_.InTransaction([](storage::Transaction& tx) {
                   RETURN_IF_ERROR(storage::MarkSourceDropped(
                       tx, v1::SnapshotSource::MIRROR, "bookworm"));
                   return storage::DeleteMirror(tx, "bookworm");
                 })
                  .ok());
  s1 = storage::GetSnapshot(pool_, "s1");
  ASSERT_TRUE(s1.ok()) << s1.status();
  EXPECT_TRUE(s1->sources(0).dropped());
  EXPECT_EQ(s1->sources(0).name(), "bookworm");
  EXPECT_EQ(s1->package_count(), 2);
  EXPECT_EQ(storage::GetMirror(pool_, "bookworm").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace debrepo::testing
