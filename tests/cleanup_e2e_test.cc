// Garbage collection (Admin.Cleanup, `debrepo db cleanup`) end to end: real
// servers and workers, a real blob store, packages added by the add job
// (which also records their file lists), and cleanup racing the snapshots
// that could hold the packages it deletes.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/publish_calls.h"
#include "tests/snapshot_calls.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;

// Cleanup runs garbage collection through server `server` and waits.
Result Cleanup(Stack& stack, bool dry_run, int server = 0) {
  v1::CleanupRequest request;
  request.set_dry_run(dry_run);
  v1::Job job;
  const grpc::Status rpc = stack.admin(server).Cleanup(
      Deadline(absl::Seconds(10)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

class CleanupE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { stack_.StartServer(); }

  // The SHA-256 of package `key`'s one file.
  std::string BlobOf(const std::string& key) {
    return db_.QueryValue(absl::StrCat(
        "SELECT file->>'sha256' FROM packages, jsonb_array_elements(files) "
        "file WHERE key = '",
        key, "'"));
  }

  std::string BlobPath(const std::string& sha256) {
    return absl::StrCat(stack_.blob_dir(), "/sha256/", sha256.substr(0, 2), "/",
                        sha256);
  }

  bool BlobExists(const std::string& sha256) {
    if (sha256.size() != 64) return false;  // no such package
    struct stat info;
    return stat(BlobPath(sha256).c_str(), &info) == 0;
  }

  int64_t BlobSize(const std::string& sha256) {
    struct stat info;
    return stat(BlobPath(sha256).c_str(), &info) == 0 ? info.st_size : -1;
  }

  // Backdate makes blob `sha256` look written two days ago.
  void Backdate(const std::string& sha256) {
    const timespec when = absl::ToTimespec(absl::Now() - absl::Hours(48));
    const timespec times[2] = {when, when};
    ASSERT_EQ(utimensat(AT_FDCWD, BlobPath(sha256).c_str(), times, 0), 0);
  }

  // PublishRoot is a fresh publish root for this test's workers.
  std::string PublishRoot() {
    const std::string root =
        absl::StrCat(std::getenv("TEST_TMPDIR"), "/publish-", getpid());
    std::filesystem::create_directories(root);
    return root;
  }

  // DanglingIds counts the package ids of snapshots and publications that
  // name no stored package.
  std::string DanglingIds() {
    return db_.QueryValue(
        "SELECT count(*) FROM (SELECT unnest(package_ids) FROM snapshots "
        "UNION ALL SELECT unnest(package_ids) FROM publication_components) "
        "AS held (package_id) WHERE NOT EXISTS (SELECT 1 FROM packages p "
        "WHERE p.id = held.package_id)");
  }

  bool PackageExists(const std::string& key) {
    return db_.QueryValue(absl::StrCat(
               "SELECT count(*) FROM packages WHERE key = '", key, "'")) == "1";
  }

  TestDatabase db_;
  Stack stack_{db_.url()};
};

TEST_F(CleanupE2eTest, DeletesOnlyWhatNothingHoldsAndDryRunDeletesNothing) {
  stack_.StartWorker({"--cleanup_grace_period=0s"});
  ASSERT_EQ(CreateRepo(stack_, "kept").code, absl::StatusCode::kOk);
  ASSERT_EQ(CreateRepo(stack_, "dropped").code, absl::StatusCode::kOk);
  const std::vector<std::string> kept =
      UploadPackages(stack_, "kept", "in-kept", {"alpha"});
  const std::vector<std::string> dropped =
      UploadPackages(stack_, "dropped", "in-dropped", {"beta", "gamma"});
  ASSERT_EQ(kept.size(), 1u);
  ASSERT_EQ(dropped.size(), 2u);
  // The add job recorded each package's file list.
  EXPECT_EQ(db_.QueryValue(absl::StrCat(
                "SELECT c.paths FROM package_contents c JOIN packages p ON "
                "p.id = c.package_id WHERE p.key = '",
                dropped[0], "'")),
            "usr/share/beta/data");
  // beta stays held by a snapshot of its key; gamma is held by nothing
  // once its repo is gone.
  ASSERT_EQ(CreateSnapshotFromKeys(stack_, "snap", {dropped[0]}).code,
            absl::StatusCode::kOk);
  ASSERT_EQ(DeleteRepo(stack_, "dropped").code, absl::StatusCode::kOk);
  // An upload not added yet keeps its file.
  ASSERT_EQ(UploadAndWait(stack_, "pending", "notes.txt", "pending bytes").code,
            absl::StatusCode::kOk);
  const std::string gamma_blob = BlobOf(dropped[1]);
  ASSERT_TRUE(BlobExists(gamma_blob));

  Result dry = Cleanup(stack_, /*dry_run=*/true);
  ASSERT_EQ(dry.code, absl::StatusCode::kOk) << dry.message;
  EXPECT_EQ(dry.job.kind(), "gc");
  const v1::CleanupResult& would = dry.job.result().cleanup();
  EXPECT_TRUE(would.dry_run());
  EXPECT_EQ(would.deleted_package_count(), 1);
  EXPECT_THAT(would.deleted_packages(), ElementsAre(dropped[1]));
  EXPECT_EQ(would.deleted_file_count(), 1);
  EXPECT_EQ(would.deleted_bytes(), BlobSize(gamma_blob));
  EXPECT_TRUE(PackageExists(dropped[1]));
  EXPECT_TRUE(BlobExists(gamma_blob));

  Result done = Cleanup(stack_, /*dry_run=*/false);
  ASSERT_EQ(done.code, absl::StatusCode::kOk) << done.message;
  const v1::CleanupResult& did = done.job.result().cleanup();
  EXPECT_FALSE(did.dry_run());
  EXPECT_EQ(did.deleted_package_count(), 1);
  EXPECT_THAT(did.deleted_packages(), ElementsAre(dropped[1]));
  EXPECT_EQ(did.deleted_file_count(), 1);
  EXPECT_EQ(did.deleted_bytes(), would.deleted_bytes());
  EXPECT_FALSE(PackageExists(dropped[1]));
  EXPECT_FALSE(BlobExists(gamma_blob));
  EXPECT_TRUE(PackageExists(kept[0]));
  EXPECT_TRUE(PackageExists(dropped[0]));
  EXPECT_TRUE(BlobExists(BlobOf(kept[0])));
  EXPECT_TRUE(BlobExists(BlobOf(dropped[0])));
  EXPECT_TRUE(BlobExists(Sha256Hex("pending bytes")));
  // Its file list went with it; the others' stay.
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM package_contents"), "2");

  // Nothing left to collect.
  Result again = Cleanup(stack_, /*dry_run=*/false);
  ASSERT_EQ(again.code, absl::StatusCode::kOk) << again.message;
  EXPECT_EQ(again.job.result().cleanup().deleted_package_count(), 0);
  EXPECT_EQ(again.job.result().cleanup().deleted_file_count(), 0);
}

TEST_F(CleanupE2eTest, KeepsUnreferencedFilesUntilTheGracePeriodHasPassed) {
  stack_.StartWorker();  // the default grace period: a day
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  const std::vector<std::string> keys =
      UploadPackages(stack_, "r", "in", {"young", "old"});
  ASSERT_EQ(keys.size(), 2u);
  ASSERT_EQ(DeleteRepo(stack_, "r").code, absl::StatusCode::kOk);
  const std::string young = BlobOf(keys[1]);  // keys are sorted by name
  const std::string old = BlobOf(keys[0]);
  Backdate(old);

  Result done = Cleanup(stack_, /*dry_run=*/false);
  ASSERT_EQ(done.code, absl::StatusCode::kOk) << done.message;
  EXPECT_EQ(done.job.result().cleanup().deleted_package_count(), 2);
  EXPECT_EQ(done.job.result().cleanup().deleted_file_count(), 1);
  EXPECT_FALSE(BlobExists(old));
  EXPECT_TRUE(BlobExists(young));

  // Uploading bytes that an old unreferenced blob holds makes them young
  // again: the job recording the upload has yet to run.
  Backdate(young);
  const std::string deb = ReadFile(BlobPath(young));
  ASSERT_FALSE(deb.empty());
  ASSERT_EQ(UploadAndWait(stack_, "again", "young.deb", deb).code,
            absl::StatusCode::kOk);
  ASSERT_EQ(db_.QueryValue("DELETE FROM upload_files RETURNING 1"), "1");
  Result later = Cleanup(stack_, /*dry_run=*/false);
  ASSERT_EQ(later.code, absl::StatusCode::kOk) << later.message;
  EXPECT_EQ(later.job.result().cleanup().deleted_file_count(), 0);
  EXPECT_TRUE(BlobExists(young));
}

TEST_F(CleanupE2eTest, WorkerDyingAfterTheCommitLeavesTheFilesToTheNextOne) {
  const int setup = stack_.StartWorker();
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  const std::vector<std::string> keys =
      UploadPackages(stack_, "r", "in", {"doomed"});
  ASSERT_EQ(keys.size(), 1u);
  ASSERT_EQ(DeleteRepo(stack_, "r").code, absl::StatusCode::kOk);
  const std::string blob = BlobOf(keys[0]);
  stack_.worker(setup).Signal(SIGTERM);
  stack_.worker(setup).Wait();

  const int dying = stack_.StartWorker(
      {"--cleanup_grace_period=0s", "--test_exit_after_commit"});
  v1::CleanupRequest request;
  v1::Job job;
  ASSERT_TRUE(stack_.admin()
                  .Cleanup(Deadline(absl::Seconds(10)).get(), request, &job)
                  .ok());
  stack_.worker(dying).Wait();  // exits once the transaction committed
  EXPECT_FALSE(PackageExists(keys[0]));
  EXPECT_TRUE(BlobExists(blob));

  stack_.StartWorker({"--cleanup_grace_period=0s"});
  const v1::Job done = stack_.WaitJob(job.id(), absl::Seconds(60));
  EXPECT_EQ(done.state(), v1::SUCCEEDED) << done.status_message();
  // The committed outcome, not a second run (which would find nothing).
  EXPECT_EQ(done.result().cleanup().deleted_package_count(), 1);
  EXPECT_EQ(done.result().cleanup().deleted_file_count(), 1);
  EXPECT_FALSE(BlobExists(blob));
}

TEST_F(CleanupE2eTest, CleanupRacingSnapshotsFromKeysNeverLeavesADanglingId) {
  stack_.StartServer();
  for (int i = 0; i < 2; ++i) stack_.StartWorker({"--cleanup_grace_period=0s"});
  constexpr int kRounds = 4;
  constexpr int kSnapshots = 6;
  int created = 0, refused = 0, deleted = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string repo = absl::StrCat("r", round);
    ASSERT_EQ(CreateRepo(stack_, repo).code, absl::StatusCode::kOk);
    std::vector<std::string> names;
    for (int i = 0; i < kSnapshots; ++i) {
      names.push_back(absl::StrCat("pkg", round, "-", i));
    }
    const std::vector<std::string> keys =
        UploadPackages(stack_, repo, absl::StrCat("in", round), names);
    ASSERT_EQ(keys.size(), names.size());
    ASSERT_EQ(DeleteRepo(stack_, repo).code, absl::StatusCode::kOk);
    // Each key now held by nothing: a cleanup and snapshots of them race.
    std::vector<Result> results(kSnapshots + 1);
    RunConcurrently(kSnapshots + 1, [&](int i) {
      results[i] =
          i == kSnapshots
              ? Cleanup(stack_, /*dry_run=*/false, i % 2)
              : CreateSnapshotFromKeys(stack_, absl::StrCat("s", round, "-", i),
                                       {keys[i]}, i % 2);
    });
    ASSERT_EQ(results[kSnapshots].code, absl::StatusCode::kOk)
        << results[kSnapshots].message;
    deleted +=
        results[kSnapshots].job.result().cleanup().deleted_package_count();
    for (int i = 0; i < kSnapshots; ++i) {
      if (results[i].code == absl::StatusCode::kOk) {
        ++created;
      } else {
        EXPECT_EQ(results[i].code, absl::StatusCode::kNotFound)
            << results[i].message;
        ++refused;
      }
    }
  }
  // Every id of every snapshot is a stored package whose file is there.
  EXPECT_EQ(DanglingIds(), "0");
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM snapshots"),
            absl::StrCat(created));
  EXPECT_EQ(created + deleted, kRounds * kSnapshots);
  EXPECT_EQ(refused, deleted);
  std::vector<std::string> held;
  for (int i = 0;; ++i) {
    const std::string blob = db_.QueryValue(absl::StrCat(
        "SELECT file->>'sha256' FROM snapshots s, unnest(s.package_ids) AS "
        "held (package_id), packages p, jsonb_array_elements(p.files) file "
        "WHERE p.id = held.package_id "
        "ORDER BY 1 OFFSET ",
        i, " LIMIT 1"));
    if (blob.empty()) break;
    EXPECT_TRUE(BlobExists(blob)) << blob;
    held.push_back(blob);
  }
  EXPECT_EQ(static_cast<int>(held.size()), created);
  std::cerr << created << " snapshots made first, " << deleted
            << " packages collected first\n";
}

TEST_F(CleanupE2eTest, CleanupRacingPublishesNeverTakesWhatAPublicationLists) {
  const std::string root = PublishRoot();
  stack_.StartServer();
  for (int i = 0; i < 2; ++i) {
    stack_.StartWorker(
        {"--cleanup_grace_period=0s", absl::StrCat("--publish_root=", root)});
  }
  constexpr int kRounds = 3;
  constexpr int kPackages = 3;
  std::atomic<int> published = 0;
  for (int round = 0; round < kRounds; ++round) {
    // A published repo whose package was removed since: the publication
    // still lists it until `publish update`, which races the cleanup too.
    const std::string repo = absl::StrCat("live", round);
    ASSERT_EQ(CreateRepo(stack_, repo).code, absl::StatusCode::kOk);
    const std::vector<std::string> live = UploadPackages(
        stack_, repo, absl::StrCat("in-live", round),
        {absl::StrCat("kept", round), absl::StrCat("removed", round)});
    ASSERT_EQ(live.size(), 2u);
    const std::string repo_prefix = absl::StrCat("repo", round);
    v1::Publication publication;
    publication.set_prefix(repo_prefix);
    publication.set_distribution("stable");
    *publication.add_components() = RepoComponent("main", repo);
    publication.add_architectures("amd64");
    publication.set_skip_signing(true);
    ASSERT_EQ(CreatePublication(stack_, publication).code,
              absl::StatusCode::kOk);
    v1::RemovePackagesRequest remove;
    remove.set_name(repo);
    remove.add_keys(live[1]);
    v1::Job removing;
    ASSERT_EQ(Await(stack_,
                    stack_.repos().RemovePackages(
                        Deadline(absl::Seconds(10)).get(), remove, &removing),
                    removing)
                  .code,
              absl::StatusCode::kOk);

    // Listed by the publication alone, it stays.
    ASSERT_EQ(Cleanup(stack_, /*dry_run=*/false).code, absl::StatusCode::kOk);
    EXPECT_TRUE(PackageExists(live[1]));
    EXPECT_TRUE(BlobExists(BlobOf(live[1])));

    // Packages held by nothing, snapshotted and published while a cleanup
    // runs: a snapshot and its publication hold all of their packages, or
    // the snapshot is refused.
    const std::string orphans = absl::StrCat("orphans", round);
    ASSERT_EQ(CreateRepo(stack_, orphans).code, absl::StatusCode::kOk);
    std::vector<std::string> names;
    for (int i = 0; i < kPackages; ++i) {
      names.push_back(absl::StrCat("orphan", round, "-", i));
    }
    const std::vector<std::string> keys = UploadPackages(
        stack_, orphans, absl::StrCat("in-orphans", round), names);
    ASSERT_EQ(keys.size(), names.size());
    ASSERT_EQ(DeleteRepo(stack_, orphans).code, absl::StatusCode::kOk);

    std::vector<Result> results(kPackages + 2);
    RunConcurrently(kPackages + 2, [&](int i) {
      if (i == kPackages) {
        results[i] = Cleanup(stack_, /*dry_run=*/false, i % 2);
      } else if (i == kPackages + 1) {
        results[i] =
            UpdatePublication(stack_, Ref(repo_prefix, "stable"), i % 2);
      } else {
        const std::string snapshot = absl::StrCat("s", round, "-", i);
        results[i] = CreateSnapshotFromKeys(stack_, snapshot, {keys[i]}, i % 2);
        if (results[i].code == absl::StatusCode::kOk) {
          results[i] = PublishSnapshot(stack_, absl::StrCat("p", round, "-", i),
                                       "stable", snapshot, false, i % 2);
          EXPECT_EQ(results[i].code, absl::StatusCode::kOk)
              << results[i].message;
          ++published;
        }
      }
    });
    EXPECT_EQ(results[kPackages].code, absl::StatusCode::kOk)
        << results[kPackages].message;
    EXPECT_EQ(results[kPackages + 1].code, absl::StatusCode::kOk)
        << results[kPackages + 1].message;
    EXPECT_EQ(DanglingIds(), "0");
    EXPECT_TRUE(PackageExists(live[0]));
    EXPECT_TRUE(PoolFileMismatches(root, repo_prefix, "stable").empty());
    for (int i = 0; i < kPackages; ++i) {
      if (results[i].code == absl::StatusCode::kOk) {
        EXPECT_TRUE(
            PoolFileMismatches(root, absl::StrCat("p", round, "-", i), "stable")
                .empty());
        EXPECT_TRUE(BlobExists(BlobOf(keys[i])));
      }
    }
  }
  // With the publications updated, the removed packages are free to go;
  // every published package and its file stay.
  Result last = Cleanup(stack_, /*dry_run=*/false);
  ASSERT_EQ(last.code, absl::StatusCode::kOk) << last.message;
  EXPECT_EQ(DanglingIds(), "0");
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM packages WHERE name LIKE "
                           "'removed%'"),
            "0");
  EXPECT_EQ(db_.QueryValue(
                "SELECT count(*) FROM (SELECT DISTINCT file->>'sha256' AS "
                "sha256 FROM publication_components c, unnest(c.package_ids) "
                "AS held (package_id), packages p, "
                "jsonb_array_elements(p.files) file WHERE p.id = "
                "held.package_id) AS listed"),
            absl::StrCat(kRounds + published.load()));
  std::cerr << published << " snapshots of " << kRounds * kPackages
            << " published before the cleanup took their packages\n";
}

}  // namespace
}  // namespace debrepo::testing
