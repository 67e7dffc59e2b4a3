// Publish races over two servers and two workers, and kill -9 faults: one
// winner of two publishes of one distribution, a dropped snapshot never
// published, the last committed switch is the one served, sibling
// distributions of one prefix never lose each other's pool files, and a
// worker killed in the long phase or between the commit and the switch
// leaves the old tree serving whole until recovery puts the new one in
// place, the job succeeding once.
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/publish_calls.h"
#include "tests/snapshot_calls.h"

namespace debrepo::testing {
namespace {

namespace fs = std::filesystem;

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string NewPublishRoot() {
  static int roots = 0;
  std::string dir = absl::StrCat(std::getenv("TEST_TMPDIR"), "/publish-",
                                 getpid(), "-", roots++);
  fs::create_directories(dir);
  return dir;
}

class PublishRacesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartServer();
  }

  std::string PublishRootFlag() const {
    return absl::StrCat("--publish_root=", root_);
  }
  void StartWorkers() {
    stack_.StartWorker({PublishRootFlag()});
    stack_.StartWorker({PublishRootFlag()});
  }

  // Makes snapshot `name` of packages `specs`, uploaded into repo `repo`.
  void Snapshot(const std::string& name, const std::string& repo,
                const std::vector<PackageSpec>& specs) {
    std::vector<std::string> keys =
        UploadPackageSpecs(stack_, repo, absl::StrCat("up-", name), specs);
    ASSERT_EQ(keys.size(), specs.size());
    ASSERT_EQ(CreateSnapshotFromKeys(stack_, name, keys).code,
              absl::StatusCode::kOk);
  }

  std::string Dist(const std::string& prefix, const std::string& dist) const {
    return absl::StrCat(root_, "/", prefix, "/dists/", dist);
  }

  TestDatabase db_;
  const std::string root_ = NewPublishRoot();
  Stack stack_{db_.url()};
};

TEST_F(PublishRacesTest, TwoPublishesOfOneDistributionOneWins) {
  StartWorkers();
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  Snapshot("s", "r", {{.name = "hello"}});
  for (int round = 0; round < 4; ++round) {
    const std::string dist = absl::StrCat("d", round);
    std::vector<absl::StatusCode> codes(2);
    RunConcurrently(2, [&](int i) {
      codes[i] = PublishSnapshot(stack_, ".", dist, "s", false, i).code;
    });
    EXPECT_THAT(codes,
                ::testing::UnorderedElementsAre(
                    absl::StatusCode::kOk, absl::StatusCode::kAlreadyExists))
        << dist;
    EXPECT_THAT(TreeMismatches(Dist(".", dist)), IsEmpty());
  }
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM publications"), "4");
}

TEST_F(PublishRacesTest, DroppedSnapshotIsNeverPublished) {
  StartWorkers();
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  ASSERT_THAT(UploadPackageSpecs(stack_, "r", "u", {{.name = "hello"}}),
              ::testing::SizeIs(1));
  for (int round = 0; round < 4; ++round) {
    const std::string snapshot = absl::StrCat("s", round);
    ASSERT_EQ(CreateSnapshotFromRepo(stack_, snapshot, "r").code,
              absl::StatusCode::kOk);
    Result dropped;
    Result published;
    RunConcurrently(2, [&](int i) {
      if (i == 0) {
        dropped = DeleteSnapshot(stack_, snapshot, /*force=*/true, 0);
      } else {
        published = PublishSnapshot(stack_, ".", snapshot, snapshot, false, 1);
      }
    });
    if (published.code == absl::StatusCode::kOk) {
      EXPECT_EQ(dropped.code, absl::StatusCode::kFailedPrecondition)
          << dropped.message;
    } else {
      EXPECT_EQ(dropped.code, absl::StatusCode::kOk) << dropped.message;
      EXPECT_EQ(published.code, absl::StatusCode::kNotFound)
          << published.message;
      EXPECT_FALSE(fs::exists(Dist(".", snapshot)));
    }
  }
  // Every publication's snapshot exists (the foreign key says so too).
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM publication_components pc "
                           "LEFT JOIN snapshots s ON s.id = pc.snapshot_id "
                           "WHERE s.id IS NULL"),
            "0");
}

TEST_F(PublishRacesTest, LastCommittedSwitchIsServed) {
  StartWorkers();
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  constexpr int kSnapshots = 4;
  for (int i = 0; i < kSnapshots; ++i) {
    Snapshot(absl::StrCat("v", i), "r",
             {{.name = "hello", .version = absl::StrCat(i, ".0")}});
  }
  ASSERT_EQ(PublishSnapshot(stack_, ".", "stable", "v0").code,
            absl::StatusCode::kOk);
  for (int round = 0; round < 2; ++round) {
    std::vector<Result> results(kSnapshots - 1);
    RunConcurrently(kSnapshots - 1, [&](int i) {
      results[i] = SwitchPublication(stack_, Ref(".", "stable"),
                                     absl::StrCat("v", i + 1), i);
    });
    for (const Result& result : results) {
      EXPECT_EQ(result.code, absl::StatusCode::kOk) << result.message;
    }
    // The record, the served tree and its generation agree.
    const std::string recorded = db_.QueryValue(
        "SELECT s.name FROM publication_components pc JOIN snapshots s "
        "ON s.id = pc.snapshot_id");
    const std::string generation =
        db_.QueryValue("SELECT generation::text FROM publications");
    const std::string dist = Dist(".", "stable");
    EXPECT_EQ(ReadFile(absl::StrCat(dist, "/.debrepo-generation")),
              absl::StrCat(generation, "\n"));
    EXPECT_THAT(ReadFile(absl::StrCat(dist, "/main/binary-amd64/Packages")),
                HasSubstr(absl::StrCat("Version: ", recorded.substr(1), ".0")));
    EXPECT_THAT(TreeMismatches(dist), IsEmpty());
    EXPECT_THAT(PoolFileMismatches(root_, ".", "stable"), IsEmpty());
  }
}

TEST_F(PublishRacesTest, SiblingDistributionsKeepTheirPoolFiles) {
  StartWorkers();
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  // "common" is the same package in both, so one pool file serves both.
  std::vector<std::string> common =
      UploadPackageSpecs(stack_, "r", "common", {{.name = "common"}});
  std::vector<std::string> a =
      UploadPackageSpecs(stack_, "r", "a", {{.name = "alpha"}});
  std::vector<std::string> b =
      UploadPackageSpecs(stack_, "r", "b", {{.name = "beta"}});
  ASSERT_EQ(CreateSnapshotFromKeys(stack_, "A", {common[0], a[0]}).code,
            absl::StatusCode::kOk);
  ASSERT_EQ(CreateSnapshotFromKeys(stack_, "B", {common[0], b[0]}).code,
            absl::StatusCode::kOk);
  for (int round = 0; round < 3; ++round) {
    std::vector<absl::StatusCode> codes(2);
    RunConcurrently(2, [&](int i) {
      codes[i] = PublishSnapshot(stack_, "shared", i == 0 ? "da" : "db",
                                 i == 0 ? "A" : "B", false, i)
                     .code;
    });
    EXPECT_THAT(codes, ::testing::Each(absl::StatusCode::kOk));
    EXPECT_THAT(PoolFileMismatches(root_, "shared", "da"), IsEmpty());
    EXPECT_THAT(PoolFileMismatches(root_, "shared", "db"), IsEmpty());
    // Drop one while the other is published again under another name.
    RunConcurrently(2, [&](int i) {
      codes[i] =
          i == 0 ? DeletePublication(stack_, Ref("shared", "da"), false, 0).code
                 : PublishSnapshot(stack_, "shared", "dc", "A", false, 1).code;
    });
    EXPECT_THAT(codes, ::testing::Each(absl::StatusCode::kOk));
    EXPECT_THAT(PoolFileMismatches(root_, "shared", "db"), IsEmpty());
    EXPECT_THAT(PoolFileMismatches(root_, "shared", "dc"), IsEmpty());
    RunConcurrently(2, [&](int i) {
      codes[i] = DeletePublication(stack_, Ref("shared", i == 0 ? "db" : "dc"),
                                   false, i)
                     .code;
    });
    EXPECT_THAT(codes, ::testing::Each(absl::StatusCode::kOk));
    // Nothing is published there: the pool is empty.
    EXPECT_FALSE(fs::exists(absl::StrCat(root_, "/shared/pool/main")));
  }
}

// Packages added to a repo while its publication is updated: the index is
// the repo's state when the update held the repo, whole, and says how many.
TEST_F(PublishRacesTest, UpdateRacingAddsPublishesAWholeRepoState) {
  StartWorkers();
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  ASSERT_THAT(UploadPackageSpecs(stack_, "r", "first", {{.name = "p0"}}),
              ::testing::SizeIs(1));
  v1::Publication publication;
  publication.set_distribution("live");
  *publication.add_components() = RepoComponent("main", "r");
  publication.set_skip_signing(true);
  ASSERT_EQ(CreatePublication(stack_, publication).code, absl::StatusCode::kOk);
  const std::string packages_file =
      absl::StrCat(Dist(".", "live"), "/main/binary-amd64/Packages");
  for (int round = 1; round <= 4; ++round) {
    Result updated;
    RunConcurrently(2, [&](int i) {
      if (i == 0) {
        updated = UpdatePublication(stack_, Ref(".", "live"), 0);
      } else {
        UploadPackageSpecs(stack_, "r", absl::StrCat("add", round),
                           {{.name = absl::StrCat("p", round, "a")},
                            {.name = absl::StrCat("p", round, "b")}});
      }
    });
    ASSERT_EQ(updated.code, absl::StatusCode::kOk) << updated.message;
    const int64_t count =
        updated.job.result().publication().components(0).package_count();
    // Before this round's add (2 * round - 1 packages) or after it.
    EXPECT_THAT(count, ::testing::AnyOf(2 * round - 1, 2 * round + 1));
    const std::string packages = ReadFile(packages_file);
    int listed = 0;
    for (size_t at = packages.find("Package: "); at != std::string::npos;
         at = packages.find("Package: ", at + 1)) {
      ++listed;
    }
    EXPECT_EQ(listed, count);
    // The two packages of one add come together or not at all.
    EXPECT_EQ(packages.find(absl::StrCat("Package: p", round, "a\n")) ==
                  std::string::npos,
              packages.find(absl::StrCat("Package: p", round, "b\n")) ==
                  std::string::npos);
    EXPECT_THAT(PoolFileMismatches(root_, ".", "live"), IsEmpty());
  }
}

// A repo component's packages removed and added again while another
// component is switched: the switch holds the repo, so the package ids it
// records are those its tree lists, and pruning never deletes a pool file
// the served Packages lists.
TEST_F(PublishRacesTest, SwitchRacingRepoChangesKeepsListedPoolFiles) {
  StartWorkers();
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  std::vector<PackageSpec> specs;
  for (int i = 0; i < 6; ++i) specs.push_back({.name = absl::StrCat("p", i)});
  const std::vector<std::string> keys =
      UploadPackageSpecs(stack_, "r", "repo-packages", specs);
  ASSERT_EQ(keys.size(), specs.size());
  ASSERT_EQ(CreateRepo(stack_, "r-extra").code, absl::StatusCode::kOk);
  Snapshot("x0", "r-extra", {{.name = "extra", .version = "1.0"}});
  Snapshot("x1", "r-extra", {{.name = "extra", .version = "2.0"}});
  v1::Publication publication;
  publication.set_distribution("live");
  *publication.add_components() = RepoComponent("main", "r");
  *publication.add_components() = SnapshotComponent("extra", "x0");
  publication.add_architectures("amd64");
  publication.set_skip_signing(true);
  ASSERT_EQ(CreatePublication(stack_, publication).code, absl::StatusCode::kOk);
  for (int round = 1; round <= 8; ++round) {
    std::atomic<bool> switched{false};
    Result result;
    RunConcurrently(2, [&](int i) {
      if (i == 0) {
        v1::SwitchPublicationRequest request;
        *request.mutable_publication() = Ref(".", "live");
        *request.add_components() =
            SnapshotComponent("extra", absl::StrCat("x", round % 2));
        v1::Job job;
        grpc::Status rpc = stack_.publish(0).SwitchPublication(
            Deadline(absl::Seconds(30)).get(), request, &job);
        result = Await(stack_, rpc, job, 0);
        switched.store(true);
        return;
      }
      // Each removal commits while the switch writes its tree, unless the
      // switch holds the repo.
      for (int k = 0; !switched.load(); ++k) {
        const std::vector<std::string> one = {keys[k % keys.size()]};
        EXPECT_EQ(RemovePackagesFromRepo(stack_, "r", one, 1).code,
                  absl::StatusCode::kOk);
        EXPECT_EQ(AddPackagesToRepo(stack_, "r", one, 1).code,
                  absl::StatusCode::kOk);
      }
    });
    ASSERT_EQ(result.code, absl::StatusCode::kOk) << result.message;
    EXPECT_THAT(TreeMismatches(Dist(".", "live")), IsEmpty());
    EXPECT_THAT(PoolFileMismatches(root_, ".", "live", "main"), IsEmpty())
        << "round " << round;
    EXPECT_THAT(PoolFileMismatches(root_, ".", "live", "extra"), IsEmpty())
        << "round " << round;
  }
}

// Submits `request` through server `server` with `request_id` and waits.
Result Switch(Stack& stack, v1::SwitchPublicationRequest request,
              const std::string& request_id, int server) {
  request.set_request_id(request_id);
  v1::Job job;
  grpc::Status rpc = stack.publish(server).SwitchPublication(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

// A retried request_id whose first attempt landed gets that job back even
// when what the server reads to make the job's arguments is gone since:
// the repo that named a component renamed, the publication dropped.
TEST_F(PublishRacesTest, RetriesAfterTheirSourcesChangedGetTheirJobs) {
  StartWorkers();
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  Snapshot("x0", "r", {{.name = "extra", .version = "1.0"}});
  Snapshot("x1", "r", {{.name = "extra", .version = "2.0"}});
  v1::CreatePublicationRequest create;
  create.set_request_id("create-1");
  create.mutable_publication()->set_distribution("retried");
  // The component's name defaults to the repo's: the server reads it.
  *create.mutable_publication()->add_components() = RepoComponent("", "r");
  *create.mutable_publication()->add_components() =
      SnapshotComponent("extra", "x0");
  create.mutable_publication()->add_architectures("amd64");
  create.mutable_publication()->set_skip_signing(true);
  auto create_through = [&](int server) {
    v1::Job job;
    grpc::Status rpc = stack_.publish(server).CreatePublication(
        Deadline(absl::Seconds(30)).get(), create, &job);
    return Await(stack_, rpc, job, server);
  };
  const Result created = create_through(0);
  ASSERT_EQ(created.code, absl::StatusCode::kOk) << created.message;

  v1::SwitchPublicationRequest switch_;
  *switch_.mutable_publication() = Ref(".", "retried");
  *switch_.add_components() = SnapshotComponent("extra", "x1");
  const Result switched = Switch(stack_, switch_, "switch-1", 0);
  ASSERT_EQ(switched.code, absl::StatusCode::kOk) << switched.message;

  v1::UpdatePublicationRequest update;
  *update.mutable_publication() = Ref(".", "retried");
  update.set_request_id("update-1");
  auto update_through = [&](int server) {
    v1::Job job;
    grpc::Status rpc = stack_.publish(server).UpdatePublication(
        Deadline(absl::Seconds(30)).get(), update, &job);
    return Await(stack_, rpc, job, server);
  };
  const Result updated = update_through(0);
  ASSERT_EQ(updated.code, absl::StatusCode::kOk) << updated.message;

  ASSERT_EQ(RenameRepo(stack_, "r", "r-renamed").code, absl::StatusCode::kOk);
  const Result create_retried = create_through(1);
  EXPECT_EQ(create_retried.code, absl::StatusCode::kOk)
      << create_retried.message;
  EXPECT_EQ(create_retried.job.id(), created.job.id());

  ASSERT_EQ(DeletePublication(stack_, Ref(".", "retried")).code,
            absl::StatusCode::kOk);
  const Result switch_retried = Switch(stack_, switch_, "switch-1", 1);
  EXPECT_EQ(switch_retried.code, absl::StatusCode::kOk)
      << switch_retried.message;
  EXPECT_EQ(switch_retried.job.id(), switched.job.id());
  const Result update_retried = update_through(1);
  EXPECT_EQ(update_retried.code, absl::StatusCode::kOk)
      << update_retried.message;
  EXPECT_EQ(update_retried.job.id(), updated.job.id());

  // The same request_id for another request is refused.
  *switch_.mutable_components(0) = SnapshotComponent("extra", "x0");
  v1::Job job;
  switch_.set_request_id("switch-1");
  grpc::Status other = stack_.publish(1).SwitchPublication(
      Deadline(absl::Seconds(10)).get(), switch_, &job);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(other.error_message(), HasSubstr("request_id"));
}

// A retry that reaches a server while its first attempt lands through
// another: the retry's server looks the request_id up (nothing yet) and
// waits before reading the publication; meanwhile the first attempt's
// switch runs and the publication is dropped. The retry gets that job,
// not NOT_FOUND.
TEST_F(PublishRacesTest, RetryWhoseFirstSwitchLandsMeanwhileGetsThatJob) {
  stack_.StartServer({"--test_delay_fail_fast=6s"});
  const int slow = 2;  // after SetUp's two
  StartWorkers();
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  Snapshot("v1", "r", {{.name = "hello", .version = "1.0"}});
  Snapshot("v2", "r", {{.name = "hello", .version = "2.0"}});
  ASSERT_EQ(PublishSnapshot(stack_, ".", "stable", "v1").code,
            absl::StatusCode::kOk);
  v1::SwitchPublicationRequest request;
  *request.mutable_publication() = Ref(".", "stable");
  *request.add_components() = SnapshotComponent("main", "v2");

  Result retried;
  std::thread retry(
      [&] { retried = Switch(stack_, request, "switch-race", slow); });
  // Let the retry pass its request_id lookup and start waiting.
  absl::SleepFor(absl::Milliseconds(500));
  const Result first = Switch(stack_, request, "switch-race", 0);
  ASSERT_EQ(first.code, absl::StatusCode::kOk) << first.message;
  ASSERT_EQ(DeletePublication(stack_, Ref(".", "stable")).code,
            absl::StatusCode::kOk);
  retry.join();
  EXPECT_EQ(retried.code, absl::StatusCode::kOk) << retried.message;
  EXPECT_EQ(retried.job.id(), first.job.id());
}

// The by-hash paths of the files `release` (path → "digest size") lists,
// each with its digest.
std::vector<std::pair<std::string, std::string>> ByHashPaths(
    const std::map<std::string, std::string>& release) {
  std::vector<std::pair<std::string, std::string>> paths;
  for (const auto& [path, digest_size] : release) {
    const std::string digest = digest_size.substr(0, digest_size.find(' '));
    const std::string dir = fs::path(path).parent_path().string();
    paths.emplace_back(
        absl::StrCat(dir.empty() ? "" : dir + "/", "by-hash/SHA256/", digest),
        digest);
  }
  return paths;
}

// An apt-like client reads Release, then the indices it lists by hash,
// while the tree is switched 50 times: it never gets a file whose hash
// differs, and after each switch the previous Release's files are still
// there by hash.
TEST_F(PublishRacesTest, ByHashReadersNeverSeeAMixDuringSwitches) {
  StartWorkers();
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  Snapshot("even", "r", {{.name = "hello", .version = "1.0"}});
  Snapshot("odd", "r", {{.name = "hello", .version = "2.0"}});
  v1::Publication publication;
  publication.set_distribution("stable");
  *publication.add_components() = SnapshotComponent("main", "even");
  publication.add_architectures("amd64");
  publication.set_skip_signing(true);
  publication.set_acquire_by_hash(true);
  ASSERT_EQ(CreatePublication(stack_, publication).code, absl::StatusCode::kOk);
  const std::string dist = Dist(".", "stable");

  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> mismatches{0};
  std::thread reader([&] {
    while (!done.load()) {
      for (const auto& [path, digest] : ByHashPaths(ReleaseSha256(dist))) {
        const std::string bytes = ReadFile(absl::StrCat(dist, "/", path));
        // Gone (two switches since the Release was read) is a retry for
        // apt; other bytes under the digest would be a mix.
        if (!bytes.empty() && Sha256Hex(bytes) != digest) ++mismatches;
      }
      ++reads;
    }
  });
  for (int i = 1; i <= 50; ++i) {
    const std::map<std::string, std::string> before = ReleaseSha256(dist);
    Result switched = SwitchPublication(stack_, Ref(".", "stable"),
                                        i % 2 == 0 ? "even" : "odd", i % 2);
    ASSERT_EQ(switched.code, absl::StatusCode::kOk) << switched.message;
    for (const auto& [path, digest] : ByHashPaths(before)) {
      EXPECT_TRUE(fs::exists(absl::StrCat(dist, "/", path)))
          << "switch " << i << " lost " << path;
    }
  }
  done.store(true);
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_THAT(TreeMismatches(dist), IsEmpty());
}

// Publishes v1 with a worker of its own, then submits the switch to v2
// with a worker started with `doomed_flags`, kills it when `killable` says
// so, checks that v1 still serves whole, and lets a new worker finish.
class PublishFaultsTest : public PublishRacesTest {
 protected:
  void SwitchKillingWorker(const std::vector<std::string>& doomed_flags,
                           const std::function<bool(int64_t)>& killable,
                           const std::string& served_after_kill = "1.0") {
    const int first = stack_.StartWorker({PublishRootFlag()});
    ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
    Snapshot("v1", "r", {{.name = "hello", .version = "1.0"}});
    Snapshot("v2", "r", {{.name = "hello", .version = "2.0"}});
    ASSERT_EQ(PublishSnapshot(stack_, ".", "stable", "v1").code,
              absl::StatusCode::kOk);
    stack_.worker(first).Signal(SIGTERM);
    stack_.worker(first).Wait();

    std::vector<std::string> flags = doomed_flags;
    flags.push_back(PublishRootFlag());
    const int doomed = stack_.StartWorker(flags);
    v1::SwitchPublicationRequest request;
    *request.mutable_publication() = Ref(".", "stable");
    *request.add_components() = SnapshotComponent("main", "v2");
    v1::Job job;
    ASSERT_TRUE(
        stack_.publish()
            .SwitchPublication(Deadline(absl::Seconds(10)).get(), request, &job)
            .ok());
    ASSERT_EQ(WaitUntilRunning(stack_, job.id()).state(), v1::RUNNING);
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (!killable(job.id()) && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(25));
    }
    ASSERT_TRUE(killable(job.id()));
    stack_.worker(doomed).Signal(SIGKILL);
    stack_.worker(doomed).Wait();

    // One tree serves, whole: the old one unless it was switched already.
    const std::string dist = Dist(".", "stable");
    EXPECT_THAT(TreeMismatches(dist), IsEmpty());
    EXPECT_THAT(ReadFile(absl::StrCat(dist, "/main/binary-amd64/Packages")),
                HasSubstr(absl::StrCat("Version: ", served_after_kill)));
    EXPECT_THAT(PoolFileMismatches(root_, ".", "stable"), IsEmpty());

    stack_.StartWorker({PublishRootFlag()});
    v1::Job done = stack_.WaitJob(job.id(), absl::Seconds(60));
    EXPECT_EQ(done.state(), v1::SUCCEEDED) << done.status_message();
    EXPECT_EQ(
        db_.QueryValue(absl::StrCat(
            "SELECT count(*) FROM job_outcomes WHERE job_id = ", job.id())),
        "1");
    EXPECT_THAT(TreeMismatches(dist), IsEmpty());
    EXPECT_THAT(ReadFile(absl::StrCat(dist, "/main/binary-amd64/Packages")),
                HasSubstr("Version: 2.0"));
    EXPECT_THAT(PoolFileMismatches(root_, ".", "stable"), IsEmpty());
    // v1's hello is listed by nothing now: pruned.
    EXPECT_FALSE(fs::exists(
        absl::StrCat(root_, "/pool/main/h/hello/hello_1.0_amd64.deb")));
    EXPECT_FALSE(
        fs::exists(absl::StrCat(root_, "/.debrepo-staging/job-", job.id())));
  }
};

TEST_F(PublishFaultsTest, KilledInTheLongPhase) {
  SwitchKillingWorker({"--test_stall=60s"}, [](int64_t) { return true; });
}

TEST_F(PublishFaultsTest, KilledWhilePruningThePool) {
  // Killed once the new tree is in place, before the pool is pruned: the
  // new tree serves whole (the old files stay until recovery prunes them).
  SwitchKillingWorker(
      {"--test_stall_before_prune=60s"},
      [&](int64_t id) {
        return ReadFile(
                   absl::StrCat(Dist(".", "stable"), "/.debrepo-generation")) ==
               absl::StrCat(id, "\n");
      },
      "2.0");
}

TEST_F(PublishFaultsTest, KilledBetweenCommitAndSwitch) {
  SwitchKillingWorker({"--test_stall_after_commit=60s"}, [&](int64_t id) {
    return db_.QueryValue(absl::StrCat(
               "SELECT count(*) FROM job_outcomes WHERE job_id = ", id)) == "1";
  });
}

}  // namespace
}  // namespace debrepo::testing
