#include "cli/snapshot_commands.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/fake_server.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

class SnapshotCommandsTest : public ::testing::Test {
 protected:
  absl::Status Run(const std::vector<std::string>& args,
                   const Options& options = {}) {
    return server_.RunCommand(SnapshotCommands(), args, options, &out_, &err_);
  }

  static v1::Snapshot MakeSnapshot(const std::string& name,
                                   const std::string& description) {
    v1::Snapshot snapshot;
    snapshot.set_name(name);
    snapshot.set_description(description);
    return snapshot;
  }

  static v1::Package MakePackage(const std::string& key) {
    v1::Package package;
    package.set_key(key);
    return package;
  }

  static v1::PackageChange MakeChange(const std::string& architecture,
                                      const std::string& name,
                                      const std::string& left_version,
                                      const std::string& right_version) {
    v1::PackageChange change;
    change.set_name(name);
    change.set_architecture(architecture);
    if (!left_version.empty()) {
      change.set_left_version(left_version);
      change.set_left_key(
          absl::StrCat("P", architecture, " ", name, " ", left_version, " 1a"));
    }
    if (!right_version.empty()) {
      change.set_right_version(right_version);
      change.set_right_key(absl::StrCat("P", architecture, " ", name, " ",
                                        right_version, " 2b"));
    }
    return change;
  }

  static v1::UnsatisfiedDependency MakeUnsatisfied(
      const std::string& key, const std::string& architecture,
      const std::string& dependency) {
    v1::UnsatisfiedDependency unsatisfied;
    unsatisfied.set_key(key);
    unsatisfied.set_architecture(architecture);
    unsatisfied.set_field("Depends");
    unsatisfied.set_dependency(dependency);
    return unsatisfied;
  }

  // EndKindWith makes jobs of `kind` succeed with `result`.
  void EndKindWith(const std::string& kind, const v1::JobResult& result) {
    v1::Job& end = server_.end_by_kind[kind];
    end.set_state(v1::SUCCEEDED);
    *end.mutable_result() = result;
  }

  FakeServer server_;
  std::string out_;
  std::string err_;
};

TEST_F(SnapshotCommandsTest, CreateFromRepoSubmitsAndWaits) {
  server_.running_polls = 2;
  ASSERT_THAT(Run({"snapshot", "create", "s1", "from", "repo", "r1"}), IsOk());
  ASSERT_EQ(server_.create_snapshot_requests.size(), 1);
  const v1::CreateSnapshotRequest& request =
      server_.create_snapshot_requests[0];
  EXPECT_EQ(request.snapshot().name(), "s1");
  EXPECT_EQ(request.repo(), "r1");
  EXPECT_EQ(request.snapshot().description(), "Snapshot from local repo [r1]");
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_EQ(server_.wait_calls, 3);
  EXPECT_EQ(out_,
            "Snapshot s1 successfully created.\n"
            "You can run 'debrepo publish snapshot s1' to publish snapshot as "
            "Debian repository.\n");
}

TEST_F(SnapshotCommandsTest, CreateEmpty) {
  ASSERT_THAT(Run({"snapshot", "create", "e", "empty"}), IsOk());
  ASSERT_EQ(server_.create_snapshot_requests.size(), 1);
  const v1::CreateSnapshotRequest& request =
      server_.create_snapshot_requests[0];
  EXPECT_TRUE(request.empty());
  EXPECT_EQ(request.from_case(), v1::CreateSnapshotRequest::kEmpty);
  EXPECT_EQ(request.snapshot().description(), "Created as empty");
  EXPECT_EQ(out_,
            "Snapshot e successfully created.\n"
            "You can run 'debrepo publish snapshot e' to publish snapshot as "
            "Debian repository.\n");
}

TEST_F(SnapshotCommandsTest, CreateInAnotherFormIsAUsageError) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"snapshot", "create", "s", "from", "r1"},
           {"snapshot", "create", "s", "from", "repo"},
           {"snapshot", "create", "s", "empty", "x"},
           {"snapshot", "create", "s", "from", "repo", "r1", "r2"},
           {"snapshot", "create", "s", "from", "mirror"},
           {"snapshot", "create", "s", "from", "mirror", "m", "n"}}) {
    const absl::Status status = Run(args);
    EXPECT_TRUE(IsUsageError(status)) << status;
    EXPECT_THAT(status.message(),
                HasSubstr("Usage: debrepo snapshot create NAME from repo "
                          "REPO | NAME from mirror MIRROR | NAME empty"));
  }
  const absl::Status missing = Run({"snapshot", "create", "s"});
  EXPECT_TRUE(IsUsageError(missing));
  EXPECT_THAT(missing.message(),
              HasSubstr("missing `from repo REPO`, `from mirror MIRROR` or "
                        "`empty` after NAME"));
  EXPECT_THAT(server_.create_snapshot_requests, IsEmpty());
}

TEST_F(SnapshotCommandsTest, CreateFromMirrorDescribesItAsAptly) {
  v1::Mirror mirror;
  mirror.set_name("m");
  mirror.set_archive_url("http://deb.debian.org/debian");
  mirror.set_distribution("bookworm");
  mirror.set_with_sources(true);
  server_.mirrors = {mirror};
  ASSERT_THAT(Run({"snapshot", "create", "s", "from", "mirror", "m"}), IsOk());
  ASSERT_EQ(server_.create_snapshot_requests.size(), 1);
  const v1::CreateSnapshotRequest& request =
      server_.create_snapshot_requests[0];
  EXPECT_EQ(request.mirror(), "m");
  EXPECT_EQ(request.snapshot().name(), "s");
  EXPECT_EQ(request.snapshot().description(),
            "Snapshot from mirror [m]: http://deb.debian.org/debian bookworm "
            "[src]");
  EXPECT_EQ(out_,
            "Snapshot s successfully created.\n"
            "You can run 'debrepo publish snapshot s' to publish snapshot as "
            "Debian repository.\n");
}

TEST_F(SnapshotCommandsTest, CreateFromAMissingMirrorSubmitsNothing) {
  EXPECT_THAT(Run({"snapshot", "create", "s", "from", "mirror", "nope"}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(server_.create_snapshot_requests, IsEmpty());
}

TEST_F(SnapshotCommandsTest, FailedCreateReturnsTheJobsStatus) {
  server_.end_state = v1::FAILED;
  server_.end_code = static_cast<int>(absl::StatusCode::kAlreadyExists);
  server_.end_message = "snapshot \"s1\" already exists";
  const absl::Status status =
      Run({"snapshot", "create", "s1", "from", "repo", "r1"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(status.message(), "snapshot \"s1\" already exists");
  EXPECT_THAT(out_, IsEmpty());
}

TEST_F(SnapshotCommandsTest, AsyncPrintsTheJobId) {
  Options options;
  options.async = true;
  ASSERT_THAT(Run({"snapshot", "create", "e", "empty"}, options), IsOk());
  EXPECT_EQ(out_, "1\n");
  EXPECT_EQ(server_.wait_calls, 0);
}

TEST_F(SnapshotCommandsTest, ListFollowsPagesAsAptlyPrints) {
  server_.snapshots = {MakeSnapshot("e", "Created as empty"),
                       MakeSnapshot("s1", "Snapshot from local repo [r1]"),
                       MakeSnapshot("s2", "Snapshot from local repo [r2]")};
  ASSERT_THAT(Run({"snapshot", "list"}), IsOk());
  EXPECT_EQ(out_,
            "List of snapshots:\n"
            " * [e]: Created as empty\n"
            " * [s1]: Snapshot from local repo [r1]\n"
            " * [s2]: Snapshot from local repo [r2]\n"
            "\n"
            "To get more information about snapshot, run `debrepo snapshot "
            "show <name>`.\n");
  ASSERT_EQ(server_.list_snapshots_requests.size(), 2);
  EXPECT_EQ(server_.list_snapshots_requests[0].order(),
            v1::ListSnapshotsRequest::NAME);
  EXPECT_EQ(server_.list_snapshots_requests[1].page_token(), "2");

  ASSERT_THAT(Run({"snapshot", "list", "-sort=time", "-raw"}), IsOk());
  EXPECT_EQ(out_, "e\ns1\ns2\n");
  EXPECT_EQ(server_.list_snapshots_requests[2].order(),
            v1::ListSnapshotsRequest::CREATE_TIME);
}

TEST_F(SnapshotCommandsTest, ListEmptyAndBadSort) {
  ASSERT_THAT(Run({"snapshot", "list"}), IsOk());
  EXPECT_EQ(out_,
            "No snapshots found, create one with `debrepo snapshot create "
            "...`.\n");
  const absl::Status status = Run({"snapshot", "list", "-sort=size"});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("flag -sort: \"size\""));
}

TEST_F(SnapshotCommandsTest, ShowAsAptlyPrints) {
  v1::Snapshot snapshot = MakeSnapshot("m", "Merged from sources: 's1', 's2'");
  snapshot.mutable_create_time()->set_seconds(1796372281);  // 2026-12-04
  snapshot.set_package_count(6);
  v1::SnapshotSource* source = snapshot.add_sources();
  source->set_kind(v1::SnapshotSource::SNAPSHOT);
  source->set_name("s1");
  source = snapshot.add_sources();
  source->set_kind(v1::SnapshotSource::SNAPSHOT);
  source->set_name("s2");
  source->set_dropped(true);
  source = snapshot.add_sources();
  source->set_kind(v1::SnapshotSource::REPO);
  source->set_name("r1");
  server_.snapshots = {snapshot};
  ASSERT_THAT(Run({"snapshot", "show", "m"}), IsOk());
  EXPECT_EQ(out_,
            "Name: m\n"
            "Created At: 2026-12-04 08:18:01 UTC\n"
            "Description: Merged from sources: 's1', 's2'\n"
            "Number of packages: 6\n"
            "Sources:\n"
            "  s1 [snapshot]\n"
            "  s2 [snapshot, dropped]\n"
            "  r1 [local]\n");
  // The count comes from the snapshot: its packages are not listed.
  EXPECT_THAT(server_.list_snapshot_packages_requests, IsEmpty());
}

TEST_F(SnapshotCommandsTest, ShowWithPackagesFollowsPages) {
  v1::Snapshot snapshot = MakeSnapshot("s", "d");
  snapshot.set_package_count(3);
  server_.snapshots = {snapshot};
  server_.snapshot_packages = {MakePackage("Pamd64 a 1.0 1a"),
                               MakePackage("Pamd64 b 2.0 2b"),
                               MakePackage("Pi386 c 1:3~rc1 3c")};
  ASSERT_THAT(Run({"snapshot", "show", "-with-packages", "s"}), IsOk());
  EXPECT_THAT(out_, HasSubstr("Number of packages: 3\nSources:\nPackages:\n"
                              "  a_1.0_amd64\n  b_2.0_amd64\n"
                              "  c_1:3~rc1_i386\n"));
  ASSERT_EQ(server_.list_snapshot_packages_requests.size(), 2);
  EXPECT_EQ(server_.list_snapshot_packages_requests[0].name(), "s");
  EXPECT_EQ(server_.list_snapshot_packages_requests[0].query(), "");

  Options options;
  options.json = true;
  ASSERT_THAT(Run({"snapshot", "show", "-with-packages", "s"}, options),
              IsOk());
  EXPECT_EQ(out_,
            "{\"snapshot\":{\"name\":\"s\",\"description\":\"d\","
            "\"package_count\":\"3\"},\"packages\":[{\"key\":\"Pamd64 a 1.0 "
            "1a\"},{\"key\":\"Pamd64 b 2.0 2b\"},{\"key\":\"Pi386 c 1:3~rc1 "
            "3c\"}]}\n");
}

TEST_F(SnapshotCommandsTest, ShowMissingIsAnError) {
  const absl::Status status = Run({"snapshot", "show", "nope"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(status.message(), "NOT_FOUND: snapshot \"nope\" does not exist");
}

TEST_F(SnapshotCommandsTest, SearchListsTheMatchesOfOneSnapshot) {
  server_.snapshot_packages = {MakePackage("Pamd64 a 1.0 1a"),
                               MakePackage("Pamd64 b 2.0 2b"),
                               MakePackage("Pi386 b 2.0 2c")};
  ASSERT_THAT(Run({"snapshot", "search", "s1", "a | b"}), IsOk());
  EXPECT_EQ(out_, "a_1.0_amd64\nb_2.0_amd64\nb_2.0_i386\n");
  ASSERT_EQ(server_.list_snapshot_packages_requests.size(), 2);
  EXPECT_EQ(server_.list_snapshot_packages_requests[0].name(), "s1");
  EXPECT_EQ(server_.list_snapshot_packages_requests[0].query(), "a | b");

  ASSERT_THAT(Run({"snapshot", "search", "-keys", "s1"}), IsOk());
  EXPECT_THAT(out_, HasSubstr("Pi386 b 2.0 2c\n"));
  EXPECT_EQ(server_.list_snapshot_packages_requests[2].query(), "");
}

TEST_F(SnapshotCommandsTest, SearchFindingNothingIsAnError) {
  EXPECT_THAT(Run({"snapshot", "search", "s1", "nomatch"}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(out_, IsEmpty());
  // A bad query is caught before anything is sent.
  EXPECT_THAT(Run({"snapshot", "search", "s1", "a ("}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(server_.list_snapshot_packages_requests.size(), 1);
}

TEST_F(SnapshotCommandsTest, Rename) {
  ASSERT_THAT(Run({"snapshot", "rename", "s1", "s1x"}), IsOk());
  ASSERT_EQ(server_.update_snapshot_requests.size(), 1);
  const v1::UpdateSnapshotRequest& request =
      server_.update_snapshot_requests[0];
  EXPECT_EQ(request.name(), "s1");
  EXPECT_EQ(request.snapshot().name(), "s1x");
  EXPECT_THAT(request.update_mask().paths(), ElementsAre("name"));
  EXPECT_EQ(out_, "Snapshot s1 -> s1x has been successfully renamed.\n");
}

TEST_F(SnapshotCommandsTest, DropAndItsRefusalInFlagTerms) {
  ASSERT_THAT(Run({"snapshot", "drop", "s1"}), IsOk());
  EXPECT_EQ(out_, "Snapshot `s1` has been dropped.\n");
  ASSERT_THAT(Run({"snapshot", "drop", "-force", "s2"}), IsOk());
  ASSERT_EQ(server_.delete_snapshot_requests.size(), 2);
  EXPECT_EQ(server_.delete_snapshot_requests[0].name(), "s1");
  EXPECT_FALSE(server_.delete_snapshot_requests[0].force());
  EXPECT_TRUE(server_.delete_snapshot_requests[1].force());

  server_.end_state = v1::FAILED;
  server_.end_code = static_cast<int>(absl::StatusCode::kFailedPrecondition);
  server_.end_message =
      "snapshot \"force\" is a source of snapshots \"m\", \"p\"; drop them "
      "first, or pass force";
  const absl::Status status = Run({"snapshot", "drop", "force"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(status.message(),
            "snapshot \"force\" is a source of snapshots \"m\", \"p\"; drop "
            "them first, or pass -force");
}

TEST_F(SnapshotCommandsTest, RpcErrorsAreInFlagTermsToo) {
  server_.error = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               "latest and no_remove exclude each other");
  const absl::Status status = Run({"snapshot", "merge", "m", "a", "b"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(status.message(),
            "INVALID_ARGUMENT: latest and -no-remove exclude each other");
}

TEST_F(SnapshotCommandsTest, CallsTheServerCouldNotTakeAreRetried) {
  server_.error = grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
  EXPECT_THAT(Run({"snapshot", "list"}),
              StatusIs(absl::StatusCode::kUnavailable));
  // The channel's retry policy covers the Snapshots service: 5 attempts.
  EXPECT_EQ(
      std::count(server_.calls.begin(), server_.calls.end(), "ListSnapshots"),
      5);
}

TEST_F(SnapshotCommandsTest, DiffAsAptlyPrints) {
  // Two to a page: the client follows the pages.
  server_.snapshot_changes = {MakeChange("all", "c", "", "1.0"),
                              MakeChange("amd64", "d", "1.0", ""),
                              MakeChange("amd64", "zz", "2.0", "1.0"),
                              MakeChange("i386", "b", "", "1.0")};
  ASSERT_THAT(Run({"snapshot", "diff", "s2", "p"}), IsOk());
  // aptly 1.5's output for these snapshots, byte for byte.
  EXPECT_EQ(out_,
            "  Arch   | Package                                  | Version in "
            "A                             | Version in B\n"
            "+ all    | c                                        | -         "
            "                               | 1.0                         "
            "            \n"
            "- amd64  | d                                        | 1.0       "
            "                               | -                           "
            "            \n"
            "! amd64  | zz                                       | 2.0       "
            "                               | 1.0                         "
            "            \n"
            "+ i386   | b                                        | -         "
            "                               | 1.0                         "
            "            \n");
  ASSERT_EQ(server_.diff_snapshots_requests.size(), 2);
  EXPECT_EQ(server_.diff_snapshots_requests[0].left(), "s2");
  EXPECT_EQ(server_.diff_snapshots_requests[0].right(), "p");
  EXPECT_FALSE(server_.diff_snapshots_requests[0].only_matching());
}

TEST_F(SnapshotCommandsTest, DiffOnlyMatching) {
  server_.snapshot_changes = {MakeChange("all", "c", "", "1.0"),
                              MakeChange("amd64", "zz", "2.0", "1.0")};
  ASSERT_THAT(Run({"snapshot", "diff", "-only-matching", "a", "b"}), IsOk());
  EXPECT_THAT(out_, HasSubstr("Version in B\n! amd64  | zz "));
  EXPECT_THAT(out_, Not(HasSubstr("+ all")));
  ASSERT_EQ(server_.diff_snapshots_requests.size(), 1);
  EXPECT_TRUE(server_.diff_snapshots_requests[0].only_matching());

  // Snapshots differing only in packages one lacks: the header and no
  // line, as aptly prints, not "identical".
  server_.snapshot_changes = {MakeChange("all", "c", "", "1.0")};
  ASSERT_THAT(Run({"snapshot", "diff", "-only-matching", "a", "b"}), IsOk());
  EXPECT_EQ(out_,
            "  Arch   | Package                                  | Version in "
            "A                             | Version in B\n");
}

TEST_F(SnapshotCommandsTest, DiffOfIdenticalSnapshots) {
  ASSERT_THAT(Run({"snapshot", "diff", "a", "b"}), IsOk());
  EXPECT_EQ(out_, "Snapshots are identical.\n");
  ASSERT_THAT(Run({"snapshot", "diff", "-only-matching", "a", "b"}), IsOk());
  EXPECT_EQ(out_, "Snapshots are identical.\n");

  Options options;
  options.json = true;
  server_.snapshot_changes = {MakeChange("amd64", "zz", "2.0", "1.0")};
  ASSERT_THAT(Run({"snapshot", "diff", "a", "b"}, options), IsOk());
  EXPECT_THAT(out_, HasSubstr("{\"changes\":[{\"name\":\"zz\""));
}

TEST_F(SnapshotCommandsTest, MergeKeepsTheSourceOrder) {
  ASSERT_THAT(Run({"snapshot", "merge", "-latest", "m", "s1", "s2", "s0"}),
              IsOk());
  ASSERT_EQ(server_.merge_snapshots_requests.size(), 1);
  const v1::MergeSnapshotsRequest& request =
      server_.merge_snapshots_requests[0];
  EXPECT_EQ(request.destination().name(), "m");
  EXPECT_EQ(request.destination().description(),
            "Merged from sources: 's1', 's2', 's0'");
  EXPECT_THAT(request.sources(), ElementsAre("s1", "s2", "s0"));
  EXPECT_TRUE(request.latest());
  EXPECT_FALSE(request.no_remove());
  EXPECT_EQ(out_,
            "Snapshot m successfully created.\n"
            "You can run 'debrepo publish snapshot m' to publish snapshot as "
            "Debian repository.\n");

  ASSERT_THAT(Run({"snapshot", "merge", "m2", "s1", "-no-remove"}), IsOk());
  EXPECT_FALSE(server_.merge_snapshots_requests[1].latest());
  EXPECT_TRUE(server_.merge_snapshots_requests[1].no_remove());
}

TEST_F(SnapshotCommandsTest, LongDescriptionsAreCutToWhatTheServerTakes) {
  // 100 sources of 100 characters: aptly's description would be 10,220
  // bytes; the server takes 4,096.
  std::vector<std::string> args = {"snapshot", "merge", "m"};
  for (int i = 0; i < 100; ++i) {
    args.push_back(absl::StrCat(std::string(97, 'a'), 100 + i));
  }
  ASSERT_THAT(Run(args), IsOk());
  ASSERT_EQ(server_.merge_snapshots_requests.size(), 1);
  const std::string& merged =
      server_.merge_snapshots_requests[0].destination().description();
  EXPECT_EQ(merged.size(), 4096);
  EXPECT_THAT(merged, StartsWith("Merged from sources: 'aaa"));
  EXPECT_THAT(merged, EndsWith("..."));
  EXPECT_EQ(server_.merge_snapshots_requests[0].sources_size(), 100);

  // A cut never splits a character: "é" is two bytes, the first at the
  // last byte before the "...".
  const std::string prefix = "Filtered 's1', query was: '";
  const std::string query =
      absl::StrCat("Name (", std::string(4093 - prefix.size() - 7, 'x'),
                   "\xc3\xa9", std::string(100, 'y'), ")");
  ASSERT_THAT(Run({"snapshot", "filter", "s1", "f", query}), IsOk());
  ASSERT_EQ(server_.filter_snapshot_requests.size(), 1);
  const std::string& filtered =
      server_.filter_snapshot_requests[0].destination().description();
  EXPECT_EQ(filtered.size(), 4095);
  EXPECT_THAT(filtered, EndsWith("xxx..."));
  EXPECT_EQ(server_.filter_snapshot_requests[0].query(), query);
}

TEST_F(SnapshotCommandsTest, MergeLatestAndNoRemoveIsAUsageError) {
  const absl::Status status =
      Run({"snapshot", "merge", "-latest", "-no-remove", "m", "s1"});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("exclude each other"));
  EXPECT_TRUE(IsUsageError(Run({"snapshot", "merge", "m"})));
  EXPECT_THAT(server_.merge_snapshots_requests, IsEmpty());
}

TEST_F(SnapshotCommandsTest, PullAsAptlyPrints) {
  server_.snapshots = {MakeSnapshot("s1", "Snapshot from local repo [r1]"),
                       MakeSnapshot("s2", "Snapshot from local repo [r2]")};
  v1::JobResult result;
  v1::PullSnapshotResult* pull = result.mutable_pull_snapshot();
  pull->add_added("Pamd64 zz 2.0 2b");
  pull->add_added("Pamd64 d 1.0 1d");
  pull->add_removed("Pamd64 zz 1.0 1a");
  pull->set_added_count(2);
  pull->set_removed_count(1);
  pull->mutable_snapshot()->set_name("p");
  EndKindWith("snapshot.pull", result);
  ASSERT_THAT(Run({"snapshot", "pull", "-architectures=amd64, i386", "s1", "s2",
                   "p", "zz", "d (>= 1)"}),
              IsOk());
  EXPECT_EQ(out_,
            "Dependencies would be pulled into snapshot:\n"
            "    [s1]: Snapshot from local repo [r1]\n"
            "from snapshot:\n"
            "    [s2]: Snapshot from local repo [r2]\n"
            "and result would be saved as new snapshot p.\n"
            "[+] d_1.0_amd64 added\n"
            "[-] zz_1.0_amd64 removed\n"
            "[+] zz_2.0_amd64 added\n"
            "\n"
            "Snapshot p successfully created.\n"
            "You can run 'debrepo publish snapshot p' to publish snapshot as "
            "Debian repository.\n");
  ASSERT_EQ(server_.pull_snapshot_requests.size(), 1);
  const v1::PullSnapshotRequest& request = server_.pull_snapshot_requests[0];
  EXPECT_EQ(request.base(), "s1");
  EXPECT_EQ(request.source(), "s2");
  EXPECT_EQ(request.destination().name(), "p");
  EXPECT_EQ(request.destination().description(),
            "Pulled into 's1' with 's2' as source, pull request was: 'zz d "
            "(>= 1)'");
  EXPECT_EQ(request.query(), "(zz) | (d (>= 1))");
  EXPECT_THAT(request.architectures(), ElementsAre("amd64", "i386"));
  EXPECT_FALSE(request.no_deps());
  EXPECT_FALSE(request.no_remove());
  EXPECT_FALSE(request.all_matches());
  EXPECT_FALSE(request.dry_run());
}

TEST_F(SnapshotCommandsTest, PullDryRunAndFlags) {
  server_.snapshots = {MakeSnapshot("s1", "a"), MakeSnapshot("s2", "b")};
  v1::JobResult result;
  v1::PullSnapshotResult* pull = result.mutable_pull_snapshot();
  pull->add_added("Pamd64 zz 2.0 2b");
  pull->set_added_count(10001);
  pull->set_dry_run(true);
  EndKindWith("snapshot.pull", result);
  ASSERT_THAT(Run({"snapshot", "pull", "-dry-run", "-no-deps", "-no-remove",
                   "-all-matches", "s1", "s2", "p", "zz"}),
              IsOk());
  EXPECT_THAT(out_, HasSubstr("[+] zz_2.0_amd64 added\n"
                              "[+] and 10000 more added\n"
                              "\n"
                              "Not creating snapshot, as dry run was "
                              "requested.\n"));
  const v1::PullSnapshotRequest& request = server_.pull_snapshot_requests[0];
  EXPECT_TRUE(request.dry_run());
  EXPECT_TRUE(request.no_deps());
  EXPECT_TRUE(request.no_remove());
  EXPECT_TRUE(request.all_matches());
  EXPECT_THAT(request.architectures(), IsEmpty());

  // A worker that ignored the dry run: the client says the snapshot was
  // made.
  result.mutable_pull_snapshot()->set_dry_run(false);
  EndKindWith("snapshot.pull", result);
  const absl::Status status =
      Run({"snapshot", "pull", "-dry-run", "s1", "s2", "p", "zz"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(status.message(), HasSubstr("snapshot p WAS created"));
}

TEST_F(SnapshotCommandsTest, PullFromAMissingSnapshotSubmitsNothing) {
  server_.snapshots = {MakeSnapshot("s1", "a")};
  const absl::Status status = Run({"snapshot", "pull", "s1", "s2", "p", "zz"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(out_, IsEmpty());
  EXPECT_THAT(server_.pull_snapshot_requests, IsEmpty());
  EXPECT_TRUE(IsUsageError(Run({"snapshot", "pull", "s1", "s2", "p"})));
}

TEST_F(SnapshotCommandsTest, PullJsonPrintsOnlyTheJob) {
  Options options;
  options.json = true;
  ASSERT_THAT(Run({"snapshot", "pull", "s1", "s2", "p", "zz"}, options),
              IsOk());
  EXPECT_THAT(out_, HasSubstr("\"state\":\"SUCCEEDED\""));
  EXPECT_THAT(out_, Not(HasSubstr("Dependencies")));
  // No header: the snapshots were not read.
  EXPECT_THAT(server_.calls, Not(Contains("GetSnapshot")));
}

TEST_F(SnapshotCommandsTest, PullAsyncPrintsOnlyTheTaskId) {
  Options options;
  options.async = true;
  ASSERT_THAT(Run({"snapshot", "pull", "s1", "s2", "p", "zz"}, options),
              IsOk());
  EXPECT_EQ(out_, "1\n");
  EXPECT_EQ(server_.wait_calls, 0);
  EXPECT_THAT(server_.calls, ElementsAre("PullSnapshot"));
}

TEST_F(SnapshotCommandsTest, Filter) {
  ASSERT_THAT(Run({"snapshot", "filter", "-with-deps", "-architectures=i386",
                   "s1", "f", "a", "@/dev/null"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(server_.filter_snapshot_requests, IsEmpty());

  ASSERT_THAT(Run({"snapshot", "filter", "-with-deps", "-architectures=i386",
                   "s1", "f", "a", "Priority (required)"}),
              IsOk());
  EXPECT_EQ(out_,
            "Snapshot f successfully filtered.\n"
            "You can run 'debrepo publish snapshot f' to publish snapshot as "
            "Debian repository.\n");
  ASSERT_EQ(server_.filter_snapshot_requests.size(), 1);
  const v1::FilterSnapshotRequest& request =
      server_.filter_snapshot_requests[0];
  EXPECT_EQ(request.source(), "s1");
  EXPECT_EQ(request.destination().name(), "f");
  EXPECT_EQ(request.destination().description(),
            "Filtered 's1', query was: 'a Priority (required)'");
  EXPECT_EQ(request.query(), "(a) | (Priority (required))");
  EXPECT_TRUE(request.with_deps());
  EXPECT_THAT(request.architectures(), ElementsAre("i386"));
}

TEST_F(SnapshotCommandsTest, VerifyAsAptlyPrints) {
  server_.unsatisfied = {
      MakeUnsatisfied("Pall c 1.0 1a", "i386", "missing (>= 2) | other"),
      MakeUnsatisfied("Pall c 1.0 1a", "amd64", "missing (>= 2) | other"),
      MakeUnsatisfied("Pamd64 x 1.0 1b", "amd64", "missing (>= 2) | other"),
      MakeUnsatisfied("Pamd64 x 1.0 1b", "amd64", "libz")};
  ASSERT_THAT(
      Run({"snapshot", "verify", "-dep-follow-suggests", "s1", "s2", "s3"}),
      IsOk());
  EXPECT_EQ(out_,
            "Loading packages...\n"
            "Verifying...\n"
            "Missing dependencies (3):\n"
            "  libz [amd64]\n"
            "  missing (>= 2) | other [amd64]\n"
            "  missing (>= 2) | other [i386]\n");
  ASSERT_EQ(server_.verify_snapshots_requests.size(), 2);
  const v1::VerifySnapshotsRequest& request =
      server_.verify_snapshots_requests[0];
  EXPECT_EQ(request.name(), "s1");
  EXPECT_THAT(request.others(), ElementsAre("s2", "s3"));
  EXPECT_FALSE(request.follow_recommends());
  EXPECT_TRUE(request.follow_suggests());

  server_.unsatisfied.clear();
  ASSERT_THAT(Run({"snapshot", "verify", "-dep-follow-recommends", "s1"}),
              IsOk());
  EXPECT_EQ(out_,
            "Loading packages...\nVerifying...\nAll dependencies are "
            "satisfied.\n");
  EXPECT_TRUE(server_.verify_snapshots_requests[2].follow_recommends());
  EXPECT_THAT(server_.verify_snapshots_requests[2].others(), IsEmpty());
}

}  // namespace
}  // namespace debrepo::cli
