// End to end through gRPC: snapshots' life cycle (create from a repo, from
// keys and empty; get, list, list packages, search; rename; drop), what
// repos and packages say of them, and hostile names.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/snapshot_calls.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class SnapshotsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartWorker();
  }

  grpc::Status Get(const std::string& name, v1::Snapshot* snapshot) {
    v1::GetSnapshotRequest request;
    request.set_name(name);
    return stack_.snapshots().GetSnapshot(Deadline(absl::Seconds(10)).get(),
                                          request, snapshot);
  }

  // Names of every snapshot in `order`, read in pages of 2.
  std::vector<std::string> ListNames(v1::ListSnapshotsRequest::Order order) {
    std::vector<std::string> names;
    v1::ListSnapshotsRequest request;
    request.set_order(order);
    request.set_page_size(2);
    do {
      v1::ListSnapshotsResponse response;
      grpc::Status status = stack_.snapshots().ListSnapshots(
          Deadline(absl::Seconds(10)).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::Snapshot& snapshot : response.snapshots()) {
        names.push_back(snapshot.name());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return names;
  }

  int Count(const std::string& sql) { return std::stoi(db_.QueryValue(sql)); }

  // Whatever the test did, every membership it wrote carries its
  // packages' pairs (a merge relies on them).
  void TearDown() override { EXPECT_EQ(db_.MisplacedPairs(), 0); }

  TestDatabase db_;
  Stack stack_{db_.url()};
};

TEST_F(SnapshotsE2eTest, SnapshotOfARepoLivesOnWhateverHappensToTheRepo) {
  ASSERT_EQ(CreateRepo(stack_, "main").code, absl::StatusCode::kOk);
  std::vector<std::string> keys =
      UploadPackages(stack_, "main", "incoming", {"bar", "foo", "libfoo1"});
  ASSERT_EQ(keys.size(), 3u);
  std::sort(keys.begin(), keys.end());

  v1::CreateSnapshotRequest create;
  create.mutable_snapshot()->set_name("release-1");
  create.mutable_snapshot()->set_description("first release");
  create.set_repo("main");
  v1::Job job;
  ASSERT_TRUE(
      stack_.snapshots()
          .CreateSnapshot(Deadline(absl::Seconds(10)).get(), create, &job)
          .ok());
  EXPECT_EQ(job.kind(), "snapshot.create");
  job = stack_.WaitJob(job.id());
  ASSERT_EQ(job.state(), v1::SUCCEEDED) << job.status_message();
  EXPECT_EQ(job.result().snapshot().package_count(), 3);

  v1::Snapshot snapshot;
  ASSERT_TRUE(Get("release-1", &snapshot).ok());
  EXPECT_EQ(snapshot.description(), "first release");
  EXPECT_EQ(snapshot.package_count(), 3);
  EXPECT_TRUE(snapshot.has_create_time());
  ASSERT_EQ(snapshot.sources_size(), 1);
  EXPECT_EQ(snapshot.sources(0).kind(), v1::SnapshotSource::REPO);
  EXPECT_EQ(snapshot.sources(0).name(), "main");
  EXPECT_FALSE(snapshot.sources(0).dropped());
  EXPECT_THAT(SnapshotKeys(stack_, "release-1"), ElementsAreArray(keys));
  EXPECT_THAT(SnapshotKeys(stack_, "release-1", "Name (~ foo)"),
              ElementsAre(HasSubstr(" foo "), HasSubstr(" libfoo1 ")));

  // The repo changes; the snapshot does not.
  v1::RemovePackagesRequest remove;
  remove.set_name("main");
  remove.set_query("Name (bar)");
  ASSERT_TRUE(
      stack_.repos()
          .RemovePackages(Deadline(absl::Seconds(10)).get(), remove, &job)
          .ok());
  ASSERT_EQ(stack_.WaitJob(job.id()).state(), v1::SUCCEEDED);
  EXPECT_THAT(SnapshotKeys(stack_, "release-1"), ElementsAreArray(keys));

  // The package only the snapshot holds is not garbage.
  v1::GetPackageRequest get_package;
  get_package.set_key(keys[0]);  // bar
  v1::Package package;
  ASSERT_TRUE(
      stack_.packages()
          .GetPackage(Deadline(absl::Seconds(10)).get(), get_package, &package)
          .ok());
  EXPECT_THAT(package.snapshots(), ElementsAre("release-1"));
  EXPECT_THAT(package.repos(), ElementsAre());
  EXPECT_FALSE(package.in_no_repo());
  v1::SearchPackagesRequest search_packages;
  search_packages.set_query("Name (bar)");
  v1::SearchPackagesResponse found_packages;
  ASSERT_TRUE(stack_.packages()
                  .SearchPackages(Deadline(absl::Seconds(10)).get(),
                                  search_packages, &found_packages)
                  .ok());
  ASSERT_EQ(found_packages.packages_size(), 1);
  EXPECT_FALSE(found_packages.packages(0).in_no_repo());

  // The repo tells which snapshots were made from it, under their current
  // names, and the snapshot its source under the repo's current name.
  ASSERT_EQ(RenameSnapshot(stack_, "release-1", "stable").code,
            absl::StatusCode::kOk);
  EXPECT_EQ(Get("release-1", &snapshot).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(RenameRepo(stack_, "main", "primary").code, absl::StatusCode::kOk);
  v1::GetRepoRequest get_repo;
  get_repo.set_name("primary");
  v1::Repo repo;
  ASSERT_TRUE(stack_.repos()
                  .GetRepo(Deadline(absl::Seconds(10)).get(), get_repo, &repo)
                  .ok());
  EXPECT_THAT(repo.snapshots(), ElementsAre("stable"));
  ASSERT_TRUE(Get("stable", &snapshot).ok());
  EXPECT_EQ(snapshot.sources(0).name(), "primary");
  EXPECT_EQ(snapshot.description(), "first release");

  // Dropping the repo needs force while a snapshot was made from it.
  Result refused = DeleteRepo(stack_, "primary");
  EXPECT_EQ(refused.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message, HasSubstr("\"stable\""));
  Result forced = DeleteRepo(stack_, "primary", 0, /*force=*/true);
  ASSERT_EQ(forced.code, absl::StatusCode::kOk) << forced.message;
  ASSERT_TRUE(Get("stable", &snapshot).ok());
  ASSERT_EQ(snapshot.sources_size(), 1);
  EXPECT_EQ(snapshot.sources(0).name(), "primary");
  EXPECT_TRUE(snapshot.sources(0).dropped());
  EXPECT_THAT(SnapshotKeys(stack_, "stable"), ElementsAreArray(keys));

  ASSERT_EQ(DeleteSnapshot(stack_, "stable", /*force=*/false).code,
            absl::StatusCode::kOk);
  EXPECT_EQ(Count("SELECT count(*) FROM snapshots"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM snapshot_sources"), 0);
}

TEST_F(SnapshotsE2eTest, SnapshotFromKeysHoldsExactlyThoseOrNothing) {
  ASSERT_EQ(CreateRepo(stack_, "main").code, absl::StatusCode::kOk);
  std::vector<std::string> keys =
      UploadPackages(stack_, "main", "incoming", {"alpha", "beta", "gamma"});
  ASSERT_EQ(keys.size(), 3u);
  std::sort(keys.begin(), keys.end());

  Result created = CreateSnapshotFromKeys(stack_, "two", {keys[2], keys[0]});
  ASSERT_EQ(created.code, absl::StatusCode::kOk) << created.message;
  EXPECT_THAT(SnapshotKeys(stack_, "two"), ElementsAre(keys[0], keys[2]));
  v1::Snapshot snapshot;
  ASSERT_TRUE(Get("two", &snapshot).ok());
  EXPECT_EQ(snapshot.sources_size(), 0);

  const std::string unknown = "Pamd64 nothing 1.0 00000000000000000000000";
  Result missing = CreateSnapshotFromKeys(stack_, "three", {keys[1], unknown});
  EXPECT_EQ(missing.code, absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message, HasSubstr(unknown));
  EXPECT_EQ(Get("three", &snapshot).error_code(), grpc::StatusCode::NOT_FOUND);

  // Two builds of one name, version and architecture: never together.
  ASSERT_EQ(CreateRepo(stack_, "other").code, absl::StatusCode::kOk);
  const std::vector<std::string> rebuilt =
      UploadPackages(stack_, "other", "again", {"alpha"}, "rebuilt");
  ASSERT_EQ(rebuilt.size(), 1u);
  ASSERT_NE(rebuilt[0], keys[0]);
  Result conflict =
      CreateSnapshotFromKeys(stack_, "both", {keys[0], rebuilt[0]});
  EXPECT_EQ(conflict.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Get("both", &snapshot).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Count("SELECT count(*) FROM snapshots"), 1);
}

TEST_F(SnapshotsE2eTest, ListsByNameAndTimeSearchesAndRefusesTakenNames) {
  ASSERT_EQ(CreateRepo(stack_, "main").code, absl::StatusCode::kOk);
  std::vector<std::string> keys =
      UploadPackages(stack_, "main", "incoming", {"libone", "tool"});
  ASSERT_EQ(keys.size(), 2u);
  std::sort(keys.begin(), keys.end());
  for (const std::string& name : {"zeta", "alpha", "mid"}) {
    ASSERT_EQ(CreateSnapshotFromRepo(stack_, name, "main").code,
              absl::StatusCode::kOk);
  }
  ASSERT_EQ(CreateEmptySnapshot(stack_, "empty", "nothing").code,
            absl::StatusCode::kOk);
  EXPECT_THAT(ListNames(v1::ListSnapshotsRequest::NAME),
              ElementsAre("alpha", "empty", "mid", "zeta"));
  EXPECT_THAT(ListNames(v1::ListSnapshotsRequest::CREATE_TIME),
              ElementsAre("zeta", "alpha", "mid", "empty"));
  EXPECT_THAT(SnapshotKeys(stack_, "empty"), ElementsAre());

  v1::SearchSnapshotsRequest search;
  search.set_query("Name (~ ^lib)");
  search.add_snapshots("mid");
  search.add_snapshots("alpha");
  search.add_snapshots("empty");
  v1::SearchSnapshotsResponse found;
  ASSERT_TRUE(
      stack_.snapshots()
          .SearchSnapshots(Deadline(absl::Seconds(10)).get(), search, &found)
          .ok());
  ASSERT_EQ(found.packages_size(), 1);
  EXPECT_EQ(found.packages(0).package().key(), keys[0]);
  EXPECT_THAT(found.packages(0).snapshots(), ElementsAre("alpha", "mid"));
  search.clear_snapshots();
  search.set_query("Name (tool)");
  search.set_details(true);
  ASSERT_TRUE(
      stack_.snapshots()
          .SearchSnapshots(Deadline(absl::Seconds(10)).get(), search, &found)
          .ok());
  ASSERT_EQ(found.packages_size(), 1);
  EXPECT_THAT(found.packages(0).snapshots(),
              ElementsAre("alpha", "mid", "zeta"));
  EXPECT_EQ(found.packages(0).package().key(), keys[1]);
  EXPECT_GT(found.packages(0).package().fields_size(), 0);
  EXPECT_EQ(found.packages(0).package().files_size(), 1);
  search.add_snapshots("missing");
  EXPECT_EQ(
      stack_.snapshots()
          .SearchSnapshots(Deadline(absl::Seconds(10)).get(), search, &found)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  search.clear_snapshots();
  search.set_query("Name (");
  EXPECT_EQ(
      stack_.snapshots()
          .SearchSnapshots(Deadline(absl::Seconds(10)).get(), search, &found)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(CreateEmptySnapshot(stack_, "mid").code,
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(RenameSnapshot(stack_, "alpha", "zeta").code,
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CreateSnapshotFromRepo(stack_, "new", "absent").code,
            absl::StatusCode::kNotFound);
  EXPECT_EQ(DeleteSnapshot(stack_, "absent", /*force=*/false).code,
            absl::StatusCode::kNotFound);

  v1::UpdateSnapshotRequest describe;
  describe.set_name("mid");
  describe.mutable_snapshot()->set_description("the middle one");
  describe.mutable_update_mask()->add_paths("description");
  v1::Job job;
  ASSERT_TRUE(
      stack_.snapshots()
          .UpdateSnapshot(Deadline(absl::Seconds(10)).get(), describe, &job)
          .ok());
  job = stack_.WaitJob(job.id());
  ASSERT_EQ(job.state(), v1::SUCCEEDED) << job.status_message();
  EXPECT_EQ(job.result().snapshot().name(), "mid");
  EXPECT_EQ(job.result().snapshot().description(), "the middle one");
  EXPECT_EQ(job.result().snapshot().package_count(), 2);
  describe.mutable_update_mask()->add_paths("package_count");
  EXPECT_EQ(
      stack_.snapshots()
          .UpdateSnapshot(Deadline(absl::Seconds(10)).get(), describe, &job)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

// Merges, pulls and filters make snapshots from snapshots; here the source
// entry is written directly, to test drop's side of it on its own.
TEST_F(SnapshotsE2eTest,
       DroppingASourceSnapshotNeedsForceAndLeavesNothingDangling) {
  ASSERT_EQ(CreateEmptySnapshot(stack_, "base").code, absl::StatusCode::kOk);
  ASSERT_EQ(CreateEmptySnapshot(stack_, "derived").code, absl::StatusCode::kOk);
  db_.QueryValue(
      "INSERT INTO snapshot_sources (snapshot_id, position, kind, name, "
      "source_snapshot_id) SELECT d.id, 1, 'snapshot', b.name, b.id FROM "
      "snapshots d, snapshots b WHERE d.name = 'derived' AND b.name = 'base' "
      "RETURNING 1");
  Result refused = DeleteSnapshot(stack_, "base", /*force=*/false);
  EXPECT_EQ(refused.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message, HasSubstr("\"derived\""));
  ASSERT_EQ(RenameSnapshot(stack_, "base", "renamed").code,
            absl::StatusCode::kOk);
  v1::Snapshot derived;
  ASSERT_TRUE(Get("derived", &derived).ok());
  ASSERT_EQ(derived.sources_size(), 1);
  EXPECT_EQ(derived.sources(0).kind(), v1::SnapshotSource::SNAPSHOT);
  EXPECT_EQ(derived.sources(0).name(), "renamed");

  Result forced = DeleteSnapshot(stack_, "renamed", /*force=*/true);
  ASSERT_EQ(forced.code, absl::StatusCode::kOk) << forced.message;
  ASSERT_TRUE(Get("derived", &derived).ok());
  ASSERT_EQ(derived.sources_size(), 1);
  EXPECT_EQ(derived.sources(0).name(), "renamed");
  EXPECT_TRUE(derived.sources(0).dropped());
  EXPECT_EQ(Count("SELECT count(*) FROM snapshot_sources WHERE "
                  "source_snapshot_id IS NOT NULL"),
            0);
}

TEST_F(SnapshotsE2eTest, HostileNamesAreRefusedAndCreateNothing) {
  const std::vector<std::string> hostile = {
      "",           "a/b",     "../etc", "two words", "tab\there",
      "new\nline",  "nul\x01", ".dot",   "-dash",     std::string(10000, 'x'),
      "caf\xc3\xa9"};
  for (const std::string& name : hostile) {
    SCOPED_TRACE(
        absl::StrCat("name of ", name.size(), " bytes: ", name.substr(0, 20)));
    Result created = CreateEmptySnapshot(stack_, name);
    EXPECT_EQ(created.code, absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(created.job.id() == 0) << "a job was queued";
    EXPECT_THAT(created.message, HasSubstr("snapshot"));
    v1::Snapshot snapshot;
    EXPECT_EQ(Get(name, &snapshot).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(DeleteSnapshot(stack_, name, /*force=*/true).code,
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(CreateSnapshotFromRepo(stack_, "fine", name).code,
              absl::StatusCode::kInvalidArgument);
  }
  ASSERT_EQ(CreateEmptySnapshot(stack_, "fine").code, absl::StatusCode::kOk);
  for (const std::string& name : hostile) {
    EXPECT_EQ(RenameSnapshot(stack_, "fine", name).code,
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(CreateEmptySnapshot(stack_, "long", std::string(5000, 'd')).code,
            absl::StatusCode::kInvalidArgument);
  v1::CreateSnapshotRequest from_nothing;
  from_nothing.mutable_snapshot()->set_name("nothing");
  v1::Job job;
  EXPECT_EQ(
      stack_.snapshots()
          .CreateSnapshot(Deadline(absl::Seconds(10)).get(), from_nothing, &job)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Count("SELECT count(*) FROM snapshots"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM jobs WHERE kind LIKE 'snapshot.%'"), 1);
}

}  // namespace
}  // namespace debrepo::testing
