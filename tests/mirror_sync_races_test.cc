// The mirror races of issue 12, with two servers and three workers (two
// runners each) against one PostgreSQL and a signed archive served on
// loopback (tests/mirror_archive.h): edits, drops, renames and kills
// racing syncs, each asserting its invariant afterwards. Races that need
// no sync are in mirror_names_races_test.
#include <signal.h>

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/mirror_archive.h"
#include "tests/mirror_calls.h"

namespace debrepo::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr int kWorkers = 3;

// What the standard archive (MirrorArchive::AddStandardPackages) gives a
// mirror of every component and architecture, as "name_architecture".
const std::vector<std::string>& StandardPackages() {
  static const auto* const packages = new std::vector<std::string>{
      "extra_amd64",    "hello-doc_all",  "hello_amd64", "hello_arm64",
      "libhello_amd64", "libhello_arm64", "orphan_amd64"};
  return *packages;
}

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(timestamp));
}

class MirrorSyncRacesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    archive_.AddStandardPackages();
    archive_.Publish();
    stack_.StartServer();
    stack_.StartServer();
    for (int i = 0; i < kWorkers; ++i) stack_.StartWorker();
  }

  // Create creates mirror `name` of the whole archive (every component and
  // architecture, binaries only) through server `server` and waits.
  Result Create(const std::string& name, int server = 0) {
    v1::Mirror mirror;
    mirror.set_name(name);
    mirror.set_archive_url(archive_.url());
    mirror.set_distribution(archive_.distribution());
    mirror.set_keyring(archive_.Keyring(ArchiveSigner::kTrusted));
    return CreateMirror(stack_, mirror, server);
  }

  // SubmitSync submits a sync of `name` through server `server` without
  // waiting; `job` gets its job.
  grpc::Status SubmitSync(const std::string& name, v1::Job& job,
                          int server = 0) {
    v1::SyncMirrorRequest request;
    request.set_name(name);
    return stack_.mirrors(server).SyncMirror(Deadline(absl::Seconds(30)).get(),
                                             request, &job);
  }

  Result Rename(const std::string& from, const std::string& to,
                int server = 0) {
    v1::Mirror mirror;
    mirror.set_name(to);
    return UpdateMirror(stack_, from, mirror, {"name"}, server);
  }

  // Get returns GetMirror's status code and sets `mirror` when it is OK.
  absl::StatusCode Get(const std::string& name, v1::Mirror* mirror = nullptr,
                       int server = 0) {
    grpc::Status rpc;
    v1::Mirror got = GetMirror(stack_, name, &rpc, server);
    if (mirror != nullptr) *mirror = std::move(got);
    return static_cast<absl::StatusCode>(rpc.error_code());
  }

  // Packages returns the mirror's packages as "name_architecture", sorted.
  std::vector<std::string> Packages(const std::string& name, int server = 0) {
    std::vector<std::string> packages;
    for (const std::string& key : MirrorKeys(stack_, name, "", server)) {
      // "P<arch> <name> <version> <files-hash>"
      std::vector<std::string> parts = absl::StrSplit(key, ' ');
      if (parts.size() != 4 || parts[0].size() < 2) {
        ADD_FAILURE() << "unexpected key " << key;
        continue;
      }
      packages.push_back(absl::StrCat(parts[1], "_", parts[0].substr(1)));
    }
    std::sort(packages.begin(), packages.end());
    return packages;
  }

  // SlowDownloads serves the archive's packages at `bytes_per_second`, so
  // that a sync stays in its long phase while other calls come.
  void SlowDownloads(int64_t bytes_per_second) {
    archive_.SetRules({{.path = "*/pool/*",
                        .action = ServerRule::Action::kSlow,
                        .bytes_per_second = bytes_per_second}});
  }

  // SyncRacing syncs `name` through one server while `other` runs through
  // the next; in even rounds `other` starts 300 ms later (the sync goes
  // first), in odd ones both start at once. Returns the sync's Result and
  // sets `other_result`.
  Result SyncRacing(const std::string& name, int round,
                    const std::function<Result(int server)>& other,
                    Result& other_result) {
    Result sync;
    RunConcurrently(2, [&](int i) {
      if (i == 0) {
        sync = SyncMirror(stack_, name, round);
        return;
      }
      if (round % 2 == 0) absl::SleepFor(absl::Milliseconds(300));
      other_result = other(round + 1);
    });
    return sync;
  }

  // The index of the worker whose runner is `runner` ("test-worker-N/R"),
  // or -1.
  static int WorkerIndex(absl::string_view runner) {
    absl::ConsumePrefix(&runner, "test-worker-");
    int index = -1;
    if (!absl::SimpleAtoi(runner.substr(0, runner.find('/')), &index)) {
      return -1;
    }
    return index;
  }

  TestDatabase db_;
  Stack stack_{db_.url()};
  MirrorArchive archive_;
};

TEST_F(MirrorSyncRacesTest, EditsRacingSyncsAreNotLost) {
  SlowDownloads(4096);
  for (int round = 0; round < 3; ++round) {
    const std::string name = absl::StrCat("edited", round);
    ASSERT_EQ(Create(name).code, absl::StatusCode::kOk);
    // Two syncs, and four edits of different settings, on both servers.
    std::vector<Result> results(6);
    RunConcurrently(6, [&](int i) {
      v1::Mirror mirror;
      switch (i) {
        case 0:
        case 1:
          results[i] = SyncMirror(stack_, name, i);
          return;
        case 2:
          mirror.set_filter("hello");
          mirror.set_filter_with_deps(true);
          results[i] = UpdateMirror(stack_, name, mirror,
                                    {"filter", "filter_with_deps"}, i);
          return;
        case 3:
          mirror.set_download_limit(1 << 20);
          results[i] =
              UpdateMirror(stack_, name, mirror, {"download_limit"}, i);
          return;
        case 4:
          mirror.add_architectures("amd64");
          results[i] = UpdateMirror(stack_, name, mirror, {"architectures"}, i);
          return;
        default:
          mirror.add_components("main");
          results[i] = UpdateMirror(stack_, name, mirror, {"components"}, i);
          return;
      }
    });
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(results[i].code, absl::StatusCode::kOk)
          << "round " << round << " call " << i << ": " << results[i].message;
    }
    v1::Mirror mirror;
    ASSERT_EQ(Get(name, &mirror, round), absl::StatusCode::kOk);
    EXPECT_EQ(mirror.filter(), "hello");
    EXPECT_TRUE(mirror.filter_with_deps());
    EXPECT_EQ(mirror.download_limit(), 1 << 20);
    EXPECT_THAT(mirror.architectures(), ElementsAre("amd64"));
    EXPECT_THAT(mirror.components(), ElementsAre("main"));
    EXPECT_TRUE(mirror.has_last_sync_time());
    // The next sync follows every edit.
    ASSERT_EQ(SyncMirror(stack_, name, round).code, absl::StatusCode::kOk);
    EXPECT_THAT(Packages(name), ElementsAre("hello_amd64", "libhello_amd64"))
        << "round " << round;
  }
}

TEST_F(MirrorSyncRacesTest, WorkerKilledMidDownloadResumesAndOldListServes) {
  ASSERT_EQ(Create("resumed").code, absl::StatusCode::kOk);
  ASSERT_EQ(SyncMirror(stack_, "resumed").code, absl::StatusCode::kOk);
  const std::vector<std::string> old_packages = Packages("resumed");
  ASSERT_EQ(old_packages, StandardPackages());

  // A package large enough to be downloaded through a partial file (1 MiB
  // and more, fetch/downloader.h).
  archive_.Add(
      ArchiveBinary{.name = "big", .payload = RandomPayload(3 << 19, 7)});
  archive_.Publish();
  // The first request for it stalls after 300,000 bytes.
  constexpr int64_t kStalledAfter = 300000;
  archive_.SetRules({{.path = "*/big_*",
                      .action = ServerRule::Action::kStall,
                      .after_bytes = kStalledAfter,
                      .times = 1}});
  archive_.ClearRequests();

  v1::Job job;
  ASSERT_TRUE(SubmitSync("resumed", job, 1).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (archive_.CountRequests("*/big_*") == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(archive_.CountRequests("*/big_*"), 1);
  // Time for the stalled bytes to reach the partial file.
  absl::SleepFor(absl::Seconds(1));
  const v1::Job running = WaitUntilRunning(stack_, job.id());
  ASSERT_EQ(running.state(), v1::RUNNING);
  const int doomed = WorkerIndex(running.worker());
  ASSERT_GE(doomed, 0) << running.worker();

  // Meanwhile the last sync's list serves.
  v1::Mirror mirror;
  ASSERT_EQ(Get("resumed", &mirror), absl::StatusCode::kOk);
  EXPECT_EQ(mirror.status(), v1::SYNCING);
  EXPECT_EQ(mirror.package_count(), 7);
  EXPECT_EQ(Packages("resumed", 1), old_packages);

  stack_.worker(doomed).Signal(SIGKILL);
  stack_.worker(doomed).Wait();
  EXPECT_EQ(Packages("resumed"), old_packages);

  const v1::Job done = stack_.WaitJob(job.id(), absl::Seconds(120));
  ASSERT_EQ(done.state(), v1::SUCCEEDED) << done.status_message();
  EXPECT_EQ(done.attempts(), 2);
  std::vector<std::string> new_packages = old_packages;
  new_packages.push_back("big_amd64");
  std::sort(new_packages.begin(), new_packages.end());
  EXPECT_EQ(Packages("resumed"), new_packages);
  // The second attempt fetched only the rest of the file, and nothing the
  // first had stored.
  std::vector<std::string> big_ranges;
  for (const ServedRequest& request : archive_.Requests()) {
    if (absl::StrContains(request.path, "/big_")) {
      big_ranges.push_back(request.range);
    }
  }
  EXPECT_THAT(big_ranges,
              ElementsAre("", absl::StrCat("bytes=", kStalledAfter, "-")));
  const v1::SyncMirrorResult& result = done.result().sync_mirror();
  EXPECT_EQ(result.downloaded_files(), 1);
  EXPECT_EQ(result.added_count(), 1);
  EXPECT_EQ(result.removed_count(), 0);
}

TEST_F(MirrorSyncRacesTest, DropRacingSyncLeavesNoMirror) {
  SlowDownloads(8192);
  int synced_first = 0;
  for (int round = 0; round < 4; ++round) {
    const std::string name = absl::StrCat("dropped", round);
    ASSERT_EQ(Create(name).code, absl::StatusCode::kOk);
    Result drop;
    const Result sync = SyncRacing(
        name, round,
        [&](int server) {
          return DeleteMirror(stack_, name, /*force=*/false, server);
        },
        drop);
    EXPECT_EQ(drop.code, absl::StatusCode::kOk) << drop.message;
    // The sync ran before the drop, or found no mirror.
    EXPECT_THAT(sync.code, ::testing::AnyOf(absl::StatusCode::kOk,
                                            absl::StatusCode::kNotFound))
        << sync.message;
    if (sync.code == absl::StatusCode::kOk) ++synced_first;
    EXPECT_EQ(Get(name), absl::StatusCode::kNotFound);
    // A mirror made again under the name starts empty: nothing of the
    // dropped one, nor of its sync, survives under it.
    ASSERT_EQ(Create(name).code, absl::StatusCode::kOk);
    v1::Mirror mirror;
    ASSERT_EQ(Get(name, &mirror), absl::StatusCode::kOk);
    EXPECT_EQ(mirror.status(), v1::NEVER_SYNCED);
    EXPECT_EQ(mirror.package_count(), 0);
    EXPECT_FALSE(mirror.has_last_sync_time());
    EXPECT_THAT(Packages(name), ::testing::IsEmpty());
  }
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM mirrors"), "4");
  EXPECT_GT(synced_first, 0);
}

TEST_F(MirrorSyncRacesTest, RenameRacingSyncKeepsTheSyncUnderTheNewName) {
  SlowDownloads(8192);
  int synced_first = 0;
  for (int round = 0; round < 4; ++round) {
    const std::string from = absl::StrCat("old", round);
    const std::string to = absl::StrCat("new", round);
    ASSERT_EQ(Create(from).code, absl::StatusCode::kOk);
    Result rename;
    const Result sync = SyncRacing(
        from, round, [&](int server) { return Rename(from, to, server); },
        rename);
    EXPECT_EQ(rename.code, absl::StatusCode::kOk) << rename.message;
    EXPECT_THAT(sync.code, ::testing::AnyOf(absl::StatusCode::kOk,
                                            absl::StatusCode::kNotFound))
        << sync.message;
    EXPECT_EQ(Get(from), absl::StatusCode::kNotFound);
    v1::Mirror mirror;
    ASSERT_EQ(Get(to, &mirror), absl::StatusCode::kOk);
    if (sync.code == absl::StatusCode::kOk) {
      // The sync ran first: its list moved with the name.
      ++synced_first;
      EXPECT_EQ(mirror.status(), v1::IDLE);
      EXPECT_TRUE(mirror.has_last_sync_time());
      EXPECT_EQ(Packages(to), StandardPackages());
    } else {
      EXPECT_EQ(mirror.status(), v1::NEVER_SYNCED);
      EXPECT_THAT(Packages(to), ::testing::IsEmpty());
    }
  }
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM mirrors"), "4");
  EXPECT_GT(synced_first, 0);
}

TEST_F(MirrorSyncRacesTest, QueuedSyncsRunOneAfterTheOther) {
  SlowDownloads(8192);
  ASSERT_EQ(Create("queued").code, absl::StatusCode::kOk);
  std::vector<v1::Job> submitted(2);
  std::vector<grpc::Status> rpcs(2);
  RunConcurrently(
      2, [&](int i) { rpcs[i] = SubmitSync("queued", submitted[i], i); });
  ASSERT_TRUE(rpcs[0].ok()) << rpcs[0].error_message();
  ASSERT_TRUE(rpcs[1].ok()) << rpcs[1].error_message();
  ASSERT_NE(submitted[0].id(), submitted[1].id());
  std::vector<v1::Job> done;
  for (const v1::Job& job : submitted) {
    done.push_back(stack_.WaitJob(job.id(), absl::Seconds(120)));
    ASSERT_EQ(done.back().state(), v1::SUCCEEDED)
        << done.back().status_message();
  }
  std::sort(done.begin(), done.end(), [](const v1::Job& a, const v1::Job& b) {
    return ToTime(a.start_time()) < ToTime(b.start_time());
  });
  EXPECT_LE(ToTime(done[0].end_time()), ToTime(done[1].start_time()));
  const v1::SyncMirrorResult& first = done[0].result().sync_mirror();
  const v1::SyncMirrorResult& second = done[1].result().sync_mirror();
  EXPECT_EQ(first.added_count(), 7);
  EXPECT_EQ(first.downloaded_files(), 7);
  // The second found the first's list and files.
  EXPECT_EQ(second.package_count(), 7);
  EXPECT_EQ(second.added_count(), 0);
  EXPECT_EQ(second.removed_count(), 0);
  EXPECT_EQ(second.downloaded_files(), 0);
  EXPECT_EQ(second.reused_files(), 7);
  EXPECT_EQ(Packages("queued"), StandardPackages());
}

}  // namespace
}  // namespace debrepo::testing
