#include "blobstore/fs_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace debrepo::blobstore {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;

std::string TempRoot(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string root = std::string(dir ? dir : "/tmp") + "/" + name;
  std::filesystem::remove_all(root);
  return root;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

int CountFiles(const std::string& dir) {
  int n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) ++n;
  }
  return n;
}

TEST(FsBlobStoreTest, StoresByContentAndDeduplicates) {
  const std::string root = TempRoot("dedup");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok()) << store.status();
  std::string first_digest;
  for (int i = 0; i < 2; ++i) {
    auto writer = (*store)->NewWriter(1 << 20);
    ASSERT_TRUE(writer.ok());
    ASSERT_THAT((*writer)->Append("hello "), IsOk());
    ASSERT_THAT((*writer)->Append("world"), IsOk());
    absl::StatusOr<BlobInfo> info = (*writer)->Commit();
    ASSERT_TRUE(info.ok()) << info.status();
    // sha256("hello world"), as sha256sum prints it.
    EXPECT_EQ(
        info->sha256,
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    EXPECT_EQ(info->size, 11u);
  }
  absl::StatusOr<std::string> path = (*store)->LocalPath(
      "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(ReadAll(*path), "hello world");
  EXPECT_EQ(CountFiles(root + "/sha256"), 1);
  EXPECT_EQ(CountFiles(root + "/tmp"), 0);
}

TEST(FsBlobStoreTest, AbandonedAndOversizedWritesLeaveNothing) {
  const std::string root = TempRoot("abandon");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  {
    auto writer = (*store)->NewWriter(1 << 20);
    ASSERT_THAT((*writer)->Append("partial"), IsOk());
  }
  {
    auto writer = (*store)->NewWriter(4);
    EXPECT_THAT((*writer)->Append("too long"),
                StatusIs(absl::StatusCode::kResourceExhausted));
    EXPECT_THAT((*writer)->Commit().status(),
                StatusIs(absl::StatusCode::kFailedPrecondition));
  }
  EXPECT_EQ(CountFiles(root), 0);
}

TEST(FsBlobStoreTest, ExpectedDigestMismatchStoresNothing) {
  const std::string root = TempRoot("mismatch");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  auto writer = (*store)->NewWriter(1 << 20);
  ASSERT_THAT((*writer)->Append("hello world"), IsOk());
  EXPECT_THAT((*writer)->Commit(std::string(64, '0')).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  writer->reset();
  EXPECT_EQ(CountFiles(root), 0);
}

TEST(FsBlobStoreTest, RejectsDigestsThatAreNotPaths) {
  auto store = FsBlobStore::Open(TempRoot("names"));
  ASSERT_TRUE(store.ok());
  EXPECT_THAT((*store)->LocalPath("../../etc/passwd"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT((*store)->LocalPath(std::string(64, 'a')),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(FsBlobStoreTest, ConcurrentWritersOfTheSameBytesKeepOneFile) {
  const std::string root = TempRoot("concurrent");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  // Rounds of 8 writers racing to store new bytes while a reader watches
  // the blob's name: once stored, its file is never replaced (a reader
  // holding it open keeps reading the stored file), and no temporary file
  // is left.
  auto probe = FsBlobStore::Open(TempRoot("concurrent_probe"));
  ASSERT_TRUE(probe.ok());
  for (int round = 0; round < 50; ++round) {
    const std::string payload = std::to_string(round) + std::string(4096, 'x');
    // The blob's name, from a store of its own.
    auto probe_writer = (*probe)->NewWriter(1 << 20);
    ASSERT_TRUE(probe_writer.ok());
    ASSERT_TRUE((*probe_writer)->Append(payload).ok());
    absl::StatusOr<BlobInfo> expected = (*probe_writer)->Commit();
    ASSERT_TRUE(expected.ok());
    const std::string& sha = expected->sha256;
    const std::string path = root + "/sha256/" + sha.substr(0, 2) + "/" + sha;
    std::atomic<bool> done = false;
    std::set<ino_t> inodes;
    std::thread watcher([&] {
      struct stat info;
      while (!done) {
        if (stat(path.c_str(), &info) == 0) inodes.insert(info.st_ino);
      }
      if (stat(path.c_str(), &info) == 0) inodes.insert(info.st_ino);
    });
    std::vector<std::thread> writers;
    std::vector<std::string> digests(8);
    for (int i = 0; i < 8; ++i) {
      writers.emplace_back([&, i] {
        auto writer = (*store)->NewWriter(1 << 20);
        if (!writer.ok() || !(*writer)->Append(payload).ok()) return;
        absl::StatusOr<BlobInfo> info = (*writer)->Commit();
        if (info.ok()) digests[i] = info->sha256;
      });
    }
    for (std::thread& writer : writers) writer.join();
    done = true;
    watcher.join();
    for (const std::string& digest : digests) {
      EXPECT_EQ(digest, expected->sha256);
    }
    EXPECT_EQ(ReadAll(path), payload);
    EXPECT_EQ(inodes.size(), 1u) << "round " << round;
  }
  EXPECT_TRUE(std::filesystem::is_empty(root + "/tmp"));
}

TEST(FsBlobStoreTest, BatchStoresNothingBeforeItsCommit) {
  const std::string root = TempRoot("batch");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  std::unique_ptr<BlobBatch> batch = (*store)->NewBatch();
  std::vector<std::string> digests;
  for (const std::string payload : {"one", "two", "three", "two"}) {
    auto writer = batch->NewWriter(1 << 20);
    ASSERT_TRUE(writer.ok());
    ASSERT_THAT((*writer)->Append(payload), IsOk());
    absl::StatusOr<BlobInfo> info = (*writer)->Commit();
    ASSERT_TRUE(info.ok()) << info.status();
    digests.push_back(info->sha256);
  }
  EXPECT_EQ(CountFiles(root + "/sha256"), 0);
  EXPECT_THAT((*store)->Contains(digests[0]), IsOkAndHolds(false));
  ASSERT_THAT(batch->Commit(), IsOk());
  batch.reset();
  EXPECT_EQ(CountFiles(root + "/sha256"), 3);
  EXPECT_EQ(CountFiles(root + "/tmp"), 0);
  absl::StatusOr<std::string> path = (*store)->LocalPath(digests[2]);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(ReadAll(*path), "three");
}

TEST(FsBlobStoreTest, AbandonedBatchLeavesNothing) {
  const std::string root = TempRoot("batch_abandoned");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  {
    std::unique_ptr<BlobBatch> batch = (*store)->NewBatch();
    auto done = batch->NewWriter(1 << 20);
    ASSERT_THAT((*done)->Append("finished"), IsOk());
    ASSERT_TRUE((*done)->Commit().ok());
    auto mismatch = batch->NewWriter(1 << 20);
    ASSERT_THAT((*mismatch)->Append("damaged"), IsOk());
    EXPECT_THAT((*mismatch)->Commit(std::string(64, '0')).status(),
                StatusIs(absl::StatusCode::kInvalidArgument));
    auto partial = batch->NewWriter(1 << 20);
    ASSERT_THAT((*partial)->Append("partial"), IsOk());
  }
  EXPECT_EQ(CountFiles(root), 0);
}

TEST(FsBlobStoreTest, BatchOfOneKeepsABlobStoredAlready) {
  const std::string root = TempRoot("batch_one");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 2; ++i) {
    std::unique_ptr<BlobBatch> batch = (*store)->NewBatch();
    auto writer = batch->NewWriter(1 << 20);
    ASSERT_THAT((*writer)->Append("same bytes"), IsOk());
    ASSERT_TRUE((*writer)->Commit().ok());
    ASSERT_THAT(batch->Commit(), IsOk());
  }
  EXPECT_EQ(CountFiles(root + "/sha256"), 1);
  EXPECT_EQ(CountFiles(root + "/tmp"), 0);
}

// Store writes `bytes` as a blob of `store` and returns its SHA-256.
std::string Store(BlobStore& store, const std::string& bytes) {
  auto writer = store.NewWriter(1 << 20);
  EXPECT_TRUE(writer.ok());
  EXPECT_THAT((*writer)->Append(bytes), IsOk());
  absl::StatusOr<BlobInfo> info = (*writer)->Commit();
  EXPECT_TRUE(info.ok()) << info.status();
  return info->sha256;
}

// StoreInBatch writes each of `contents` as a blob of `store`, in one
// batch.
void StoreInBatch(BlobStore& store,
                  std::initializer_list<const char*> contents) {
  std::unique_ptr<BlobBatch> batch = store.NewBatch();
  for (const char* bytes : contents) {
    auto writer = batch->NewWriter(1 << 20);
    ASSERT_TRUE(writer.ok());
    ASSERT_THAT((*writer)->Append(bytes), IsOk());
    ASSERT_TRUE((*writer)->Commit().ok());
  }
  ASSERT_THAT(batch->Commit(), IsOk());
}

// Backdate sets the modification time of blob `sha256` to `age` ago.
void Backdate(BlobStore& store, const std::string& sha256, absl::Duration age) {
  absl::StatusOr<std::string> path = store.LocalPath(sha256);
  ASSERT_TRUE(path.ok());
  const timespec when = absl::ToTimespec(absl::Now() - age);
  const timespec times[2] = {when, when};
  ASSERT_EQ(utimensat(AT_FDCWD, path->c_str(), times, 0), 0);
}

// A small batch fsyncs each blob, a large one syncs the filesystem: both
// place every blob, the one stored already among them, and leave nothing
// in tmp/.
TEST(FsBlobStoreTest, SmallAndLargeBatchesStoreEveryBlob) {
  for (const int count : {2, 121, 300}) {
    const std::string root = TempRoot(absl::StrCat("batch_", count));
    auto store = FsBlobStore::Open(root);
    ASSERT_TRUE(store.ok());
    StoreInBatch(**store, {"blob 0"});
    std::unique_ptr<BlobBatch> batch = (*store)->NewBatch();
    std::vector<std::string> digests;
    for (int i = 0; i < count; ++i) {
      auto writer = batch->NewWriter(1 << 20);
      ASSERT_TRUE(writer.ok());
      ASSERT_THAT((*writer)->Append(absl::StrCat("blob ", i)), IsOk());
      absl::StatusOr<BlobInfo> info = (*writer)->Commit();
      ASSERT_TRUE(info.ok()) << info.status();
      digests.push_back(info->sha256);
    }
    ASSERT_THAT(batch->Commit(), IsOk());
    batch.reset();
    EXPECT_EQ(CountFiles(root + "/sha256"), count) << count;
    EXPECT_EQ(CountFiles(root + "/tmp"), 0) << count;
    for (int i = 0; i < count; ++i) {
      absl::StatusOr<std::string> path = (*store)->LocalPath(digests[i]);
      ASSERT_TRUE(path.ok()) << path.status();
      EXPECT_EQ(ReadAll(*path), absl::StrCat("blob ", i)) << count;
    }
  }
}

TEST(FsBlobStoreTest, ForEachBlobWalksInDigestOrder) {
  const std::string root = TempRoot("walk");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  std::set<std::string> stored;
  for (int i = 0; i < 50; ++i) {
    stored.insert(Store(**store, std::string(i, 'x')));
  }
  // Not blobs: a stray file in a fan-out directory and a temporary file.
  const std::string first = *stored.begin();
  std::ofstream(
      absl::StrCat(root, "/sha256/", first.substr(0, 2), "/notes.txt"));
  std::vector<std::string> walked;
  ASSERT_THAT((*store)->ForEachBlob([&](const StoredBlob& blob) {
    walked.push_back(blob.sha256);
    EXPECT_LT(blob.size, 50u);
    EXPECT_LT(absl::Now() - blob.write_time, absl::Minutes(1));
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(walked, std::vector<std::string>(stored.begin(), stored.end()));
  // An error from the callback stops the walk.
  int calls = 0;
  EXPECT_THAT((*store)->ForEachBlob([&](const StoredBlob&) {
    ++calls;
    return absl::AbortedError("stop");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(calls, 1);
}

TEST(FsBlobStoreTest, DeletesOnlyBlobsWrittenBeforeTheCutoff) {
  const std::string root = TempRoot("delete");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  const std::string old_blob = Store(**store, "old");
  const std::string new_blob = Store(**store, "new");
  Backdate(**store, old_blob, absl::Hours(2));
  const absl::Time cutoff = absl::Now() - absl::Hours(1);
  EXPECT_THAT((*store)->DeleteUnlessWrittenSince(new_blob, cutoff),
              IsOkAndHolds(false));
  EXPECT_THAT((*store)->DeleteUnlessWrittenSince(old_blob, cutoff),
              IsOkAndHolds(true));
  EXPECT_THAT((*store)->Contains(old_blob), IsOkAndHolds(false));
  EXPECT_THAT((*store)->Contains(new_blob), IsOkAndHolds(true));
  // Gone already: nothing to delete.
  EXPECT_THAT((*store)->DeleteUnlessWrittenSince(old_blob, cutoff),
              IsOkAndHolds(false));
  // Nothing left behind in tmp/ either.
  EXPECT_EQ(CountFiles(root + "/tmp"), 0);
}

TEST(FsBlobStoreTest, StoringBytesAgainCountsAsWritingThemNow) {
  // An upload of bytes that an old, unreferenced blob holds already must
  // not lose them to garbage collection before its job records them.
  auto store = FsBlobStore::Open(TempRoot("rewrite"));
  ASSERT_TRUE(store.ok());
  const std::string digest = Store(**store, "same bytes");
  Backdate(**store, digest, absl::Hours(2));
  const absl::Time cutoff = absl::Now() - absl::Hours(1);
  EXPECT_EQ(Store(**store, "same bytes"), digest);
  EXPECT_THAT((*store)->DeleteUnlessWrittenSince(digest, cutoff),
              IsOkAndHolds(false));
  // In a batch too.
  Backdate(**store, digest, absl::Hours(2));
  StoreInBatch(**store, {"same bytes", "other bytes"});
  EXPECT_THAT((*store)->DeleteUnlessWrittenSince(digest, cutoff),
              IsOkAndHolds(false));
}

TEST(FsBlobStoreTest, WritersRacingDeletionsNeverLoseACommittedBlob) {
  auto store = FsBlobStore::Open(TempRoot("race"));
  ASSERT_TRUE(store.ok());
  const std::string digest = Store(**store, "contended");
  int deleted = 0;
  for (int i = 0; i < 300; ++i) {
    // Old and unreferenced, as garbage collection sees it, while an upload
    // stores the same bytes again.
    if ((*store)->Contains(digest).value_or(false)) {
      Backdate(**store, digest, absl::Hours(2));
    }
    const absl::Time cutoff = absl::Now() - absl::Hours(1);
    std::atomic<bool> go{false};
    std::thread collector([&] {
      while (!go.load()) std::this_thread::yield();
      deleted += (*store)->DeleteUnlessWrittenSince(digest, cutoff).value_or(0);
    });
    go.store(true);
    EXPECT_EQ(Store(**store, "contended"), digest);
    collector.join();
    ASSERT_THAT((*store)->Contains(digest), IsOkAndHolds(true))
        << "lost after " << i << " rounds";
    EXPECT_EQ(ReadAll(*(*store)->LocalPath(digest)), "contended");
  }
  // Both orders happened: some rounds deleted before the store.
  EXPECT_GT(deleted, 0);
}

TEST(FsBlobStoreTest, OpenPutsBackABlobAnInterruptedDeletionMovedAside) {
  const std::string root = TempRoot("interrupted");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  const std::string digest = Store(**store, "moved aside");
  // What a deletion leaves when its process dies between moving the blob
  // aside and deciding.
  const std::string moved =
      absl::StrCat(root, "/tmp/deleting-", digest, "-00000000000000aa");
  ASSERT_EQ(rename((*store)->LocalPath(digest)->c_str(), moved.c_str()), 0);
  ASSERT_THAT((*store)->Contains(digest), IsOkAndHolds(false));

  auto reopened = FsBlobStore::Open(root);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_THAT((*reopened)->Contains(digest), IsOkAndHolds(true));
  EXPECT_EQ(ReadAll(*(*reopened)->LocalPath(digest)), "moved aside");
  EXPECT_EQ(CountFiles(root + "/tmp"), 0);

  // A store opened before the crash puts it back when it next walks.
  ASSERT_EQ(rename((*store)->LocalPath(digest)->c_str(), moved.c_str()), 0);
  std::vector<std::string> walked;
  ASSERT_THAT((*store)->ForEachBlob([&](const StoredBlob& blob) {
    walked.push_back(blob.sha256);
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(walked, std::vector<std::string>{digest});
}

// MoveToLegacyPlace moves blob `sha256` of the store at `root` to where
// stores kept blobs before the one-level layout, and returns that path.
std::string MoveToLegacyPlace(const std::string& root,
                              const std::string& sha256) {
  const std::string directory = absl::StrCat(
      root, "/sha256/", sha256.substr(0, 2), "/", sha256.substr(2, 2));
  std::filesystem::create_directories(directory);
  const std::string legacy = absl::StrCat(directory, "/", sha256);
  EXPECT_EQ(
      rename(absl::StrCat(root, "/sha256/", sha256.substr(0, 2), "/", sha256)
                 .c_str(),
             legacy.c_str()),
      0);
  return legacy;
}

TEST(FsBlobStoreTest, BlobsOfTheTwoLevelLayoutAreFoundKeptAndDeleted) {
  const std::string root = TempRoot("legacy");
  auto store = FsBlobStore::Open(root);
  ASSERT_TRUE(store.ok());
  const std::string legacy_digest = Store(**store, "legacy");
  const std::string legacy = MoveToLegacyPlace(root, legacy_digest);
  const std::string new_digest = Store(**store, "new");
  EXPECT_THAT((*store)->LocalPath(legacy_digest), IsOkAndHolds(legacy));
  EXPECT_EQ(ReadAll(legacy), "legacy");

  // Storing the same bytes again refreshes the legacy copy, not a second
  // one.
  Backdate(**store, legacy_digest, absl::Hours(2));
  const absl::Time cutoff = absl::Now() - absl::Hours(1);
  StoreInBatch(**store, {"legacy", "other"});
  EXPECT_EQ(CountFiles(root + "/sha256"), 3);
  EXPECT_THAT((*store)->DeleteUnlessWrittenSince(legacy_digest, cutoff),
              IsOkAndHolds(false));

  // The walk reports both layouts in digest order, and once a blob held
  // in both.
  const std::string both_digest = Store(**store, "both");
  const std::string both_path = absl::StrCat(
      root, "/sha256/", both_digest.substr(0, 2), "/", both_digest);
  const std::string both_legacy = MoveToLegacyPlace(root, both_digest);
  ASSERT_EQ(link(both_legacy.c_str(), both_path.c_str()), 0);
  std::set<std::string> expected = {new_digest, legacy_digest, both_digest};
  expected.insert(Store(**store, "other"));
  std::vector<std::string> walked;
  ASSERT_THAT((*store)->ForEachBlob([&](const StoredBlob& blob) {
    walked.push_back(blob.sha256);
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(walked, std::vector<std::string>(expected.begin(), expected.end()));

  // Old enough, a blob goes from wherever it is, both places at once.
  Backdate(**store, legacy_digest, absl::Hours(2));
  EXPECT_THAT((*store)->DeleteUnlessWrittenSince(legacy_digest, cutoff),
              IsOkAndHolds(true));
  EXPECT_THAT((*store)->Contains(legacy_digest), IsOkAndHolds(false));
  for (const std::string& path : {both_path, both_legacy}) {
    const timespec when = absl::ToTimespec(absl::Now() - absl::Hours(2));
    const timespec times[2] = {when, when};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }
  ASSERT_EQ(CountFiles(root + "/sha256"), 4);
  EXPECT_THAT((*store)->DeleteUnlessWrittenSince(both_digest, cutoff),
              IsOkAndHolds(true));
  EXPECT_THAT((*store)->Contains(both_digest), IsOkAndHolds(false));
  EXPECT_EQ(CountFiles(root + "/sha256"), 2);
  EXPECT_EQ(CountFiles(root + "/tmp"), 0);
}

}  // namespace
}  // namespace debrepo::blobstore
