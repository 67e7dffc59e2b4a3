#include "fetch/downloader.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "blobstore/fs_blob_store.h"
#include "common/status_matchers.h"
#include "deb/checksums.h"
#include "fetch/hostile_http_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::fetch {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

std::string Sha256Of(absl::string_view bytes) {
  deb::ChecksumCalculator checksums;
  checksums.Update(bytes);
  return checksums.Finish().sha256;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// kPartialSize is the smallest size of a file that gets a partial file.
constexpr int64_t kPartialSize = 1 << 20;

// UnsyncableStore is a blob store whose batches fail to commit (a full or
// broken disk at the end).
class UnsyncableStore final : public blobstore::BlobStore {
 public:
  explicit UnsyncableStore(blobstore::BlobStore& store) : store_(store) {}

  absl::StatusOr<std::unique_ptr<blobstore::BlobWriter>> NewWriter(
      uint64_t max_size) override {
    return store_.NewWriter(max_size);
  }
  std::unique_ptr<blobstore::BlobBatch> NewBatch() override {
    return std::make_unique<Batch>(store_.NewBatch());
  }
  absl::StatusOr<bool> Contains(absl::string_view sha256) override {
    return store_.Contains(sha256);
  }
  absl::StatusOr<std::string> LocalPath(absl::string_view sha256) override {
    return store_.LocalPath(sha256);
  }
  absl::Status ForEachBlob(
      const std::function<absl::Status(const blobstore::StoredBlob&)>& fn)
      override {
    return store_.ForEachBlob(fn);
  }
  absl::StatusOr<bool> DeleteUnlessWrittenSince(absl::string_view sha256,
                                                absl::Time cutoff) override {
    return store_.DeleteUnlessWrittenSince(sha256, cutoff);
  }

 private:
  class Batch final : public blobstore::BlobBatch {
   public:
    explicit Batch(std::unique_ptr<blobstore::BlobBatch> batch)
        : batch_(std::move(batch)) {}
    absl::StatusOr<std::unique_ptr<blobstore::BlobWriter>> NewWriter(
        uint64_t max_size) override {
      return batch_->NewWriter(max_size);
    }
    absl::Status Commit() override {
      return absl::DataLossError("the disk is gone");
    }

   private:
    std::unique_ptr<blobstore::BlobBatch> batch_;
  };

  blobstore::BlobStore& store_;
};

// ServedFile is a file the test server has under its root.
struct ServedFile {
  std::string name;
  std::string content;
  std::string sha256;
};

class DownloaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string(absl::StrCat(std::getenv("TEST_TMPDIR"), "/www"));
    std::filesystem::create_directories(*root_);
    auto server = HostileHttpServer::Start(*root_);
    ASSERT_THAT(server, IsOk());
    server_ = server->release();
  }
  static void TearDownTestSuite() { delete server_; }

  void SetUp() override {
    static int tests = 0;
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/test-", tests++);
    auto store = blobstore::FsBlobStore::Open(dir_ + "/blobs");
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    partial_dir_ = dir_ + "/partial";
  }

  // Serve writes a new file of `size` random bytes under the server's root.
  ServedFile Serve(int64_t size) {
    static int files = 0;
    absl::BitGen random;
    ServedFile file;
    file.name = absl::StrCat("pool/f", files++, ".deb");
    file.content.resize(size);
    for (char& c : file.content) c = absl::Uniform<unsigned char>(random);
    file.sha256 = Sha256Of(file.content);
    std::filesystem::create_directories(*root_ + "/pool");
    std::ofstream(*root_ + "/" + file.name, std::ios::binary) << file.content;
    return file;
  }

  // Item lists `file` as served under the URL path prefix `mode`, e.g.
  // "/files" or "/droponce/1000".
  static DownloadItem Item(const ServedFile& file,
                           absl::string_view mode = "/files") {
    return {server_->Url(absl::StrCat(mode, "/", file.name)),
            static_cast<int64_t>(file.content.size()), file.sha256};
  }

  DownloadOptions Quick() const {
    DownloadOptions options;
    options.connect_timeout = absl::Seconds(5);
    options.stall_timeout = absl::Seconds(1);
    options.max_tries = 3;
    options.first_retry_delay = absl::Milliseconds(10);
    options.partial_dir = partial_dir_;
    return options;
  }

  // Stored is the blob store's copy of `file`, or "" when it has none.
  std::string Stored(const ServedFile& file) {
    absl::StatusOr<std::string> path = store_->LocalPath(file.sha256);
    return path.ok() ? ReadFile(*path) : "";
  }

  std::string PartialPath(const ServedFile& file) const {
    return absl::StrCat(partial_dir_, "/", file.sha256, ".partial");
  }

  // RequestsOf lists the Range headers of the requests of `item`.
  static std::vector<std::string> RangesOf(const DownloadItem& item) {
    std::vector<std::string> ranges;
    for (const LoggedRequest& request : server_->Requests()) {
      if (server_->Url(request.path) == item.url) {
        ranges.push_back(request.range);
      }
    }
    return ranges;
  }

  static std::string* root_;
  static HostileHttpServer* server_;
  std::string dir_;
  std::string partial_dir_;
  std::unique_ptr<blobstore::FsBlobStore> store_;
};

std::string* DownloaderTest::root_ = nullptr;
HostileHttpServer* DownloaderTest::server_ = nullptr;

TEST_F(DownloaderTest, StoresEveryFileAndReportsProgress) {
  std::vector<ServedFile> files;
  std::vector<DownloadItem> items;
  int64_t bytes = 0;
  for (int64_t size : {0, 1, 1000, 65536, 200000, 1000000, 3, 4096, 77777}) {
    files.push_back(Serve(size));
    items.push_back(Item(files.back()));
    bytes += size;
  }
  DownloadOptions options = Quick();
  options.concurrency = 3;
  std::vector<DownloadProgress> progress;
  options.progress = [&](const DownloadProgress& now) {
    progress.push_back(now);
  };
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore(items, *store_, options);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->downloaded_files, 9);
  EXPECT_EQ(report->downloaded_bytes, bytes);
  EXPECT_EQ(report->reused_files, 0);
  for (const ServedFile& file : files) {
    EXPECT_EQ(Stored(file), file.content) << file.name;
    EXPECT_FALSE(std::filesystem::exists(PartialPath(file))) << file.name;
  }
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().files_done, 9);
  EXPECT_EQ(progress.back().files_total, 9);
  EXPECT_EQ(progress.back().bytes_done, bytes);
  EXPECT_EQ(progress.back().bytes_total, bytes);
}

TEST_F(DownloaderTest, SkipsStoredFilesAndFetchesDuplicatesOnce) {
  const ServedFile a = Serve(5000);
  const ServedFile b = Serve(6000);
  ASSERT_THAT(DownloadToBlobStore({Item(a)}, *store_, Quick()), IsOk());
  // b listed twice (as two pools of one archive may list it).
  DownloadItem b_again = Item(b, "/norange");
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({Item(a), Item(b), b_again}, *store_, Quick());
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->downloaded_files, 1);
  EXPECT_EQ(report->reused_files, 1);
  EXPECT_EQ(RangesOf(Item(a)).size(), 1);  // the first call's only
  EXPECT_EQ(RangesOf(Item(b)).size(), 1);
  EXPECT_EQ(RangesOf(b_again).size(), 0);
  EXPECT_EQ(Stored(b), b.content);
}

TEST_F(DownloaderTest, RefusesMalformedItems) {
  const ServedFile a = Serve(10);
  DownloadItem bad_digest = Item(a);
  bad_digest.sha256 = "ABC";
  EXPECT_THAT(DownloadToBlobStore({bad_digest}, *store_, Quick()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  DownloadItem other_size = Item(a);
  other_size.size = 11;
  EXPECT_THAT(DownloadToBlobStore({Item(a), other_size}, *store_, Quick()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  DownloadItem file_url = Item(a);
  file_url.url = "file://" + *root_ + "/" + a.name;
  EXPECT_THAT(DownloadToBlobStore({file_url}, *store_, Quick()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(DownloaderTest, ResumesADroppedConnectionWithRange) {
  const ServedFile file = Serve(500000);
  const DownloadItem item = Item(file, "/droponce/100000");
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({item}, *store_, Quick());
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->downloaded_files, 1);
  EXPECT_EQ(Stored(file), file.content);
  EXPECT_THAT(RangesOf(item), ::testing::ElementsAre("", "bytes=100000-"));
}

TEST_F(DownloaderTest, ResumesAfterAStall) {
  const ServedFile file = Serve(400000);
  const DownloadItem item = Item(file, "/stallonce/150000");
  ASSERT_THAT(DownloadToBlobStore({item}, *store_, Quick()), IsOk());
  EXPECT_EQ(Stored(file), file.content);
  EXPECT_THAT(RangesOf(item), ::testing::ElementsAre("", "bytes=150000-"));
}

TEST_F(DownloaderTest, ResumesAPartialFileOfAnEarlierAttempt) {
  const ServedFile file = Serve(1500000);
  std::filesystem::create_directories(partial_dir_);
  std::ofstream(PartialPath(file), std::ios::binary)
      << file.content.substr(0, 1200000);
  const DownloadItem item = Item(file);
  std::vector<DownloadProgress> progress;
  DownloadOptions options = Quick();
  options.progress = [&](const DownloadProgress& now) {
    progress.push_back(now);
  };
  ASSERT_THAT(DownloadToBlobStore({item}, *store_, options), IsOk());
  EXPECT_EQ(Stored(file), file.content);
  EXPECT_THAT(RangesOf(item), ::testing::ElementsAre("bytes=1200000-"));
  EXPECT_FALSE(std::filesystem::exists(PartialPath(file)));
  EXPECT_EQ(progress.back().bytes_done, 1500000);
}

TEST_F(DownloaderTest, CompletePartialFileNeedsNoRequest) {
  const ServedFile file = Serve(kPartialSize);
  std::filesystem::create_directories(partial_dir_);
  std::ofstream(PartialPath(file), std::ios::binary) << file.content;
  const DownloadItem item = Item(file);
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({item}, *store_, Quick());
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->downloaded_files, 1);
  EXPECT_EQ(Stored(file), file.content);
  EXPECT_TRUE(RangesOf(item).empty());
}

TEST_F(DownloaderTest, DamagedPartialFileStartsOver) {
  const ServedFile file = Serve(1200000);
  std::filesystem::create_directories(partial_dir_);
  std::ofstream(PartialPath(file), std::ios::binary)
      << std::string(100000, 'x');
  const DownloadItem item = Item(file);
  ASSERT_THAT(DownloadToBlobStore({item}, *store_, Quick()), IsOk());
  EXPECT_EQ(Stored(file), file.content);
  EXPECT_THAT(RangesOf(item), ::testing::ElementsAre("bytes=100000-", ""));
}

TEST_F(DownloaderTest, LongerPartialFileStartsOver) {
  const ServedFile file = Serve(kPartialSize);
  std::filesystem::create_directories(partial_dir_);
  std::ofstream(PartialPath(file), std::ios::binary)
      << std::string(kPartialSize + 1, 'x');
  const DownloadItem item = Item(file);
  ASSERT_THAT(DownloadToBlobStore({item}, *store_, Quick()), IsOk());
  EXPECT_EQ(Stored(file), file.content);
  EXPECT_THAT(RangesOf(item), ::testing::ElementsAre(""));
}

TEST_F(DownloaderTest, ServerIgnoringRangeSendsTheWholeFile) {
  const ServedFile file = Serve(1200000);
  std::filesystem::create_directories(partial_dir_);
  std::ofstream(PartialPath(file), std::ios::binary)
      << file.content.substr(0, 50000);
  const DownloadItem item = Item(file, "/norange");
  ASSERT_THAT(DownloadToBlobStore({item}, *store_, Quick()), IsOk());
  EXPECT_EQ(Stored(file), file.content);
  EXPECT_THAT(RangesOf(item), ::testing::ElementsAre("bytes=50000-"));
}

TEST_F(DownloaderTest, OversizedDownloadFailsAtOnce) {
  const ServedFile file = Serve(100000);
  for (const char* mode : {"/oversize/1", "/endless"}) {
    const DownloadItem item = Item(file, mode);
    const absl::Time start = absl::Now();
    absl::StatusOr<DownloadReport> report =
        DownloadToBlobStore({item}, *store_, Quick());
    EXPECT_THAT(report, StatusIs(absl::StatusCode::kFailedPrecondition))
        << mode;
    EXPECT_THAT(report.status().message(), HasSubstr(item.url));
    EXPECT_THAT(report.status().message(), HasSubstr("larger than the 100000"));
    EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << mode;
    EXPECT_EQ(RangesOf(item).size(), 1) << mode;
  }
  EXPECT_EQ(Stored(file), "");
}

TEST_F(DownloaderTest, TruncatedDownloadFails) {
  const ServedFile file = Serve(100000);
  const DownloadItem item = Item(file, "/short/99999");
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({item}, *store_, Quick());
  EXPECT_THAT(report, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(report.status().message(), HasSubstr("ended after 99999 bytes"));
  EXPECT_EQ(Stored(file), "");
}

TEST_F(DownloaderTest, WrongBytesFailTheHashCheck) {
  const ServedFile file = Serve(100000);
  const DownloadItem item = Item(file, "/corrupt");
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({item}, *store_, Quick());
  EXPECT_THAT(report, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(report.status().message(), HasSubstr(file.sha256));
  EXPECT_THAT(report.status().message(), HasSubstr(item.url));
  EXPECT_EQ(Stored(file), "");
  EXPECT_EQ(RangesOf(item).size(), 1);
}

TEST_F(DownloaderTest, MissingFileFailsWithoutRetry) {
  const ServedFile file = Serve(100);
  DownloadItem item = Item(file);
  item.url = server_->Url("/files/pool/missing.deb");
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({item}, *store_, Quick());
  EXPECT_THAT(report, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(report.status().message(), HasSubstr("/files/pool/missing.deb"));
  EXPECT_THAT(report.status().message(), HasSubstr("404"));
  EXPECT_EQ(RangesOf(item).size(), 1);
}

TEST_F(DownloaderTest, PersistentStallIsADeadlineAfterTheTries) {
  const ServedFile file = Serve(kPartialSize);
  const DownloadItem item = Item(file, "/stall/1000");
  DownloadOptions options = Quick();
  options.max_tries = 2;
  const absl::Time start = absl::Now();
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({item}, *store_, options);
  EXPECT_THAT(report, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(report.status().message(), HasSubstr(item.url));
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  // The second try asked for the rest only.
  EXPECT_THAT(RangesOf(item), ::testing::ElementsAre("", "bytes=1000-"));
  // What arrived stays for the next attempt.
  EXPECT_EQ(ReadFile(PartialPath(file)), file.content.substr(0, 2000));
}

TEST_F(DownloaderTest, SmallFilesGetNoPartialFile) {
  const ServedFile file = Serve(kPartialSize - 1);
  DownloadOptions options = Quick();
  options.max_tries = 1;
  EXPECT_THAT(
      DownloadToBlobStore({Item(file, "/stall/1000")}, *store_, options),
      StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_FALSE(std::filesystem::exists(PartialPath(file)));
}

TEST_F(DownloaderTest, ServerErrorsAreRetriedThenUnavailable) {
  const ServedFile file = Serve(1000);
  const DownloadItem cured = Item(file, "/flaky/2");
  ASSERT_THAT(DownloadToBlobStore({cured}, *store_, Quick()), IsOk());
  EXPECT_EQ(RangesOf(cured).size(), 3);
  const ServedFile other = Serve(1000);
  const DownloadItem uncured = Item(other, "/flaky/9");
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({uncured}, *store_, Quick());
  EXPECT_THAT(report, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(report.status().message(), HasSubstr("HTTP 503"));
  EXPECT_EQ(RangesOf(uncured).size(), 3);
}

TEST_F(DownloaderTest, FollowsHttpRedirectsOnly) {
  const ServedFile file = Serve(1000);
  DownloadItem redirected = Item(file);
  redirected.url =
      server_->Url(absl::StrCat("/redirect/%2Ffiles%2F", file.name));
  ASSERT_THAT(DownloadToBlobStore({redirected}, *store_, Quick()), IsOk());
  EXPECT_EQ(Stored(file), file.content);

  const ServedFile other = Serve(1000);
  DownloadItem to_file = Item(other);
  to_file.url = server_->Url(
      absl::StrCat("/redirect/file%3A%2F%2F", *root_, "%2F", other.name));
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({to_file}, *store_, Quick());
  EXPECT_THAT(report, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(report.status().message(), HasSubstr("file://"));
  EXPECT_EQ(Stored(other), "");
}

TEST_F(DownloaderTest, FirstFailureStopsTheOthersAndKeepsWhatCompleted) {
  const ServedFile good = Serve(1000);
  const ServedFile stalled = Serve(100000);
  const ServedFile missing = Serve(1000);
  DownloadItem not_there = Item(missing);
  not_there.url = server_->Url("/files/pool/gone.deb");
  const absl::Time start = absl::Now();
  DownloadOptions options = Quick();
  options.stall_timeout = absl::Seconds(30);
  // Two at once: the missing file starts once the good one is done, while
  // the stalled one hangs.
  options.concurrency = 2;
  absl::StatusOr<DownloadReport> report = DownloadToBlobStore(
      {Item(good), Item(stalled, "/stall/10"), not_there}, *store_, options);
  EXPECT_THAT(report, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(Stored(good), good.content);
}

TEST_F(DownloaderTest, InterruptionCancels) {
  const ServedFile file = Serve(100000);
  DownloadOptions options = Quick();
  options.stall_timeout = absl::Seconds(30);
  const absl::Time stop_at = absl::Now() + absl::Milliseconds(300);
  options.interrupted = [&] { return absl::Now() > stop_at; };
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({Item(file, "/stall/10")}, *store_, options);
  EXPECT_THAT(report, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_LT(absl::Now() - stop_at, absl::Seconds(2));
}

TEST_F(DownloaderTest, FailedCommitFailsTheDownloads) {
  UnsyncableStore unsyncable(*store_);
  std::vector<DownloadItem> items;
  for (int i = 0; i < 3; ++i) items.push_back(Item(Serve(1000)));
  EXPECT_THAT(DownloadToBlobStore(items, unsyncable, Quick()),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(DownloaderTest, RunsAtMostConcurrencyTransfers) {
  std::vector<DownloadItem> items;
  for (int i = 0; i < 10; ++i) items.push_back(Item(Serve(1000), "/stall/10"));
  DownloadOptions options = Quick();
  options.concurrency = 3;
  options.stall_timeout = absl::Seconds(30);
  const absl::Time stop_at = absl::Now() + absl::Seconds(1);
  options.interrupted = [&] { return absl::Now() > stop_at; };
  EXPECT_THAT(DownloadToBlobStore(items, *store_, options),
              StatusIs(absl::StatusCode::kCancelled));
  int requested = 0;
  for (const DownloadItem& item : items) requested += RangesOf(item).size();
  EXPECT_EQ(requested, 3);
}

TEST_F(DownloaderTest, RateLimitHoldsForAllTransfers) {
  const ServedFile a = Serve(300000);
  const ServedFile b = Serve(300000);
  DownloadOptions options = Quick();
  options.bytes_per_second = 200000;
  const absl::Time start = absl::Now();
  ASSERT_THAT(DownloadToBlobStore({Item(a), Item(b)}, *store_, options),
              IsOk());
  const absl::Duration took = absl::Now() - start;
  // 600 kB at 200 kB/s, less the 50 kB burst: 2.75 s.
  EXPECT_GE(took, absl::Milliseconds(2500));
  EXPECT_LT(took, absl::Seconds(8));
  EXPECT_EQ(Stored(a), a.content);
  EXPECT_EQ(Stored(b), b.content);
}

TEST_F(DownloaderTest, TimePausedByTheRateLimitIsNoStall) {
  // One chunk (16 KiB or more) puts the download over three seconds in
  // debt, three times the stall timeout.
  const ServedFile file = Serve(30000);
  DownloadOptions options = Quick();
  options.bytes_per_second = 5000;
  options.max_tries = 1;
  ASSERT_THAT(DownloadToBlobStore({Item(file)}, *store_, options), IsOk());
  EXPECT_EQ(Stored(file), file.content);
}

TEST_F(DownloaderTest, TimePausedByTheRateLimitIsNotSlowness) {
  // The rate limit holds the transfer paused most of the time, far below
  // the (high) floor; the server itself is fast.
  const ServedFile file = Serve(30000);
  DownloadOptions options = Quick();
  options.bytes_per_second = 5000;
  options.min_bytes_per_second = 100000;
  options.max_tries = 1;
  ASSERT_THAT(DownloadToBlobStore({Item(file)}, *store_, options), IsOk());
  EXPECT_EQ(Stored(file), file.content);
}

TEST_F(DownloaderTest, TrickleBelowTheMinimumThroughputIsADeadline) {
  const ServedFile file = Serve(100);
  DownloadOptions options = Quick();
  options.max_tries = 1;
  const absl::Time start = absl::Now();
  const absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore({Item(file, "/trickle/20")}, *store_, options);
  EXPECT_THAT(report, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(report.status().message(), HasSubstr("/trickle/20/"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

TEST_F(DownloaderTest, EndlessErrorBodyEndsAtItsStatus) {
  const ServedFile file = Serve(1000);
  DownloadOptions options = Quick();
  options.max_tries = 2;
  const absl::Time start = absl::Now();
  const absl::StatusOr<DownloadReport> report = DownloadToBlobStore(
      {Item(file, "/endless-status/503")}, *store_, options);
  EXPECT_THAT(report, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(report.status().message(), HasSubstr("HTTP 503"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  // A redirect with an endless body is still followed.
  ASSERT_THAT(DownloadToBlobStore({Item(file, "/endless-status/302")}, *store_,
                                  Quick()),
              IsOk());
  EXPECT_EQ(Stored(file), file.content);
}

TEST_F(DownloaderTest, WaitsForAPartialFileAnotherProcessHolds) {
  const ServedFile file = Serve(kPartialSize);
  std::filesystem::create_directories(partial_dir_);
  // Another attempt's lock: flock locks belong to the open file, so this
  // open conflicts with the downloader's own.
  const int other = open(PartialPath(file).c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(other, 0);
  ASSERT_EQ(flock(other, LOCK_EX), 0);
  const DownloadItem item = Item(file);
  absl::StatusOr<DownloadReport> report;
  std::thread download(
      [&] { report = DownloadToBlobStore({item}, *store_, Quick()); });
  absl::SleepFor(absl::Milliseconds(600));
  EXPECT_TRUE(RangesOf(item).empty());
  // The other attempt stores the file and lets go.
  auto writer = store_->NewWriter(file.content.size());
  ASSERT_THAT(writer, IsOk());
  ASSERT_THAT((*writer)->Append(file.content), IsOk());
  ASSERT_THAT((*writer)->Commit(file.sha256), IsOk());
  close(other);
  download.join();
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->reused_files, 1);
  EXPECT_EQ(report->downloaded_files, 0);
  EXPECT_TRUE(RangesOf(item).empty());
}

TEST_F(DownloaderTest, ManyFilesThroughFewConnections) {
  std::vector<ServedFile> files;
  std::vector<DownloadItem> items;
  for (int i = 0; i < 300; ++i) {
    files.push_back(Serve(1000 + i));
    items.push_back(Item(files.back()));
  }
  DownloadOptions options = Quick();
  options.concurrency = 4;
  absl::StatusOr<DownloadReport> report =
      DownloadToBlobStore(items, *store_, options);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->downloaded_files, 300);
  for (const ServedFile& file : files) {
    ASSERT_EQ(Stored(file), file.content) << file.name;
  }
}

}  // namespace
}  // namespace debrepo::fetch
