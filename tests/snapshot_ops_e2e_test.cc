// End to end through gRPC: diff, merge, filter, pull and verify on a
// hand-made package set whose right answers are worked out here, and
// hostile input to each.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/snapshot_calls.h"
#include "tests/snapshot_ops_calls.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

class SnapshotOpsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartWorker();
    keys_ = StorePackages(
        stack_, "pool", "pool-upload",
        {
            {"app", "1", "amd64", "Depends: libc6\n"},
            {"app", "1", "i386", ""},
            {"app", "2", "amd64",
             "Depends: libfoo (>= 2) | libbar, mail-transport-agent, "
             "libc6 (>= 2.30), data\n"},
            {"app", "2", "i386", "Depends: libc6\n"},
            {"libfoo", "1", "amd64", ""},
            {"libfoo", "2", "amd64", ""},
            {"libfoo", "3", "amd64", ""},
            {"libbar", "1", "amd64", ""},
            {"postfix", "1", "amd64", "Provides: mail-transport-agent\n"},
            {"libc6", "2.36", "amd64", ""},
            {"libc6", "2.40", "amd64", ""},
            {"libc6", "2.36", "i386", ""},
            {"data", "2", "all", ""},
            {"data", "1:1", "all", "Pre-Depends: libc6\n"},
            {"zzz", "1", "amd64", ""},
            {"zzz", "1.1~rc1", "amd64", ""},
            {"tool", "1.0~rc1", "amd64", ""},
            {"tool", "1.0", "amd64", ""},
            {"other", "1", "amd64", "Recommends: fancy\n"},
        });
    ASSERT_EQ(keys_.size(), 19u);
    ASSERT_EQ(Snapshot("base", {"app_1_amd64", "app_1_i386", "libc6_2.36_amd64",
                                "libc6_2.36_i386", "zzz_1_amd64",
                                "other_1_amd64", "tool_1.0_amd64"}),
              absl::StatusCode::kOk);
    ASSERT_EQ(
        Snapshot("source",
                 {"app_2_amd64", "app_2_i386", "libfoo_1_amd64",
                  "libfoo_2_amd64", "libfoo_3_amd64", "libbar_1_amd64",
                  "postfix_1_amd64", "libc6_2.40_amd64", "data_2_all",
                  "data_1:1_all", "zzz_1.1~rc1_amd64", "tool_1.0~rc1_amd64"}),
        absl::StatusCode::kOk);
  }

  absl::StatusCode Snapshot(const std::string& name,
                            const std::vector<std::string>& packages) {
    Result created = CreateSnapshotFromKeys(stack_, name, Keys(packages));
    EXPECT_EQ(created.code, absl::StatusCode::kOk) << created.message;
    return created.code;
  }

  // The keys of packages named "name_version_architecture".
  std::vector<std::string> Keys(const std::vector<std::string>& packages) {
    std::vector<std::string> keys;
    for (const std::string& package : packages)
      keys.push_back(keys_.at(package));
    return keys;
  }

  // The verify report as "key-name arch field: dependency" lines.
  std::vector<std::string> Verify(const std::string& name,
                                  const std::vector<std::string>& others,
                                  bool follow_recommends = false) {
    v1::VerifySnapshotsRequest request;
    request.set_name(name);
    for (const std::string& other : others) request.add_others(other);
    request.set_follow_recommends(follow_recommends);
    request.set_page_size(1);
    std::vector<std::string> lines;
    do {
      v1::VerifySnapshotsResponse response;
      grpc::Status status = stack_.snapshots().VerifySnapshots(
          Deadline(absl::Seconds(30)).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::UnsatisfiedDependency& u : response.unsatisfied()) {
        std::string package;
        for (const auto& [short_name, key] : keys_) {
          if (key == u.key()) package = short_name;
        }
        lines.push_back(absl::StrCat(package, " ", u.architecture(), " ",
                                     u.field(), ": ", u.dependency()));
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return lines;
  }

  int Count(const std::string& sql) { return std::stoi(db_.QueryValue(sql)); }

  // Whatever the test did, every membership it wrote carries its
  // packages' pairs (a merge relies on them).
  void TearDown() override { EXPECT_EQ(db_.MisplacedPairs(), 0); }

  TestDatabase db_;
  Stack stack_{db_.url()};
  std::map<std::string, std::string> keys_;
};

TEST_F(SnapshotOpsE2eTest, DiffPairsByNameAndArchitecture) {
  // app in two architectures, each upgraded; data only on the right, in
  // two versions; libc6 upgraded for amd64 and gone for i386; tool goes
  // from 1.0 to 1.0~rc1 (a downgrade: ~ sorts first); zzz, last in sort
  // order, upgraded: one "!" line each.
  EXPECT_THAT(
      DiffLines(stack_, "base", "source"),
      ElementsAre("! app amd64 1 2", "! app i386 1 2", "+ data all 1:1",
                  "+ data all 2", "+ libbar amd64 1", "! libc6 amd64 2.36 2.40",
                  "- libc6 i386 2.36", "+ libfoo amd64 1", "+ libfoo amd64 2",
                  "+ libfoo amd64 3", "- other amd64 1", "+ postfix amd64 1",
                  "! tool amd64 1.0 1.0~rc1", "! zzz amd64 1 1.1~rc1"));
  EXPECT_THAT(DiffLines(stack_, "base", "source", /*only_matching=*/true),
              ElementsAre("! app amd64 1 2", "! app i386 1 2",
                          "! libc6 amd64 2.36 2.40", "! tool amd64 1.0 1.0~rc1",
                          "! zzz amd64 1 1.1~rc1"));
  EXPECT_THAT(DiffLines(stack_, "source", "source"), IsEmpty());
}

TEST_F(SnapshotOpsE2eTest, MergeDefaultLatestAndNoRemove) {
  // Default: for each name and architecture the last source holding it
  // wins; base alone holds libc6/i386 and other.
  Result merged = MergeSnapshots(stack_, "merged", {"base", "source"});
  ASSERT_EQ(merged.code, absl::StatusCode::kOk) << merged.message;
  EXPECT_EQ(merged.job.result().snapshot().package_count(), 14);
  EXPECT_THAT(SnapshotKeys(stack_, "merged"),
              UnorderedElementsAreArray(Keys(
                  {"app_2_amd64", "app_2_i386", "libfoo_1_amd64",
                   "libfoo_2_amd64", "libfoo_3_amd64", "libbar_1_amd64",
                   "postfix_1_amd64", "libc6_2.40_amd64", "data_2_all",
                   "data_1:1_all", "zzz_1.1~rc1_amd64", "tool_1.0~rc1_amd64",
                   "libc6_2.36_i386", "other_1_amd64"})));
  const v1::Snapshot& made = merged.job.result().snapshot();
  ASSERT_EQ(made.sources_size(), 2);
  EXPECT_EQ(made.sources(0).kind(), v1::SnapshotSource::SNAPSHOT);
  EXPECT_EQ(made.sources(0).name(), "base");
  EXPECT_EQ(made.sources(1).name(), "source");

  // latest: the highest version per pair, whatever the order: 1.0 over
  // 1.0~rc1, 1:1 over 2, 2.40 over 2.36.
  Result latest = MergeSnapshots(stack_, "latest", {"source", "base"},
                                 /*latest=*/true);
  ASSERT_EQ(latest.code, absl::StatusCode::kOk) << latest.message;
  EXPECT_THAT(SnapshotKeys(stack_, "latest"),
              UnorderedElementsAreArray(
                  Keys({"app_2_amd64", "app_2_i386", "libfoo_3_amd64",
                        "libbar_1_amd64", "postfix_1_amd64", "libc6_2.40_amd64",
                        "libc6_2.36_i386", "data_1:1_all", "zzz_1.1~rc1_amd64",
                        "tool_1.0_amd64", "other_1_amd64"})));

  Result all = MergeSnapshots(stack_, "all", {"source", "base"},
                              /*latest=*/false, /*no_remove=*/true);
  ASSERT_EQ(all.code, absl::StatusCode::kOk) << all.message;
  EXPECT_EQ(all.job.result().snapshot().package_count(), 19);
}

TEST_F(SnapshotOpsE2eTest, FilterWithAndWithoutDependencies) {
  Result plain = FilterSnapshot(stack_, "source", "apps", "Name (app)");
  ASSERT_EQ(plain.code, absl::StatusCode::kOk) << plain.message;
  EXPECT_THAT(SnapshotKeys(stack_, "apps"),
              UnorderedElementsAreArray(Keys({"app_2_amd64", "app_2_i386"})));
  // With dependencies, for amd64 and i386 (the source's): libfoo 3 (the
  // highest satisfying the first alternative), postfix (Provides), libc6
  // 2.40 and data 1:1 (the highest; its Pre-Depends libc6 is in already).
  // Nothing in the source has libc6 for i386.
  Result with_deps = FilterSnapshot(stack_, "source", "apps-deps", "Name (app)",
                                    /*with_deps=*/true);
  ASSERT_EQ(with_deps.code, absl::StatusCode::kOk) << with_deps.message;
  EXPECT_THAT(SnapshotKeys(stack_, "apps-deps"),
              UnorderedElementsAreArray(Keys(
                  {"app_2_amd64", "app_2_i386", "libfoo_3_amd64",
                   "postfix_1_amd64", "libc6_2.40_amd64", "data_1:1_all"})));
}

TEST_F(SnapshotOpsE2eTest, PullWithDependenciesAndItsSwitches) {
  v1::PullSnapshotRequest request;
  request.set_base("base");
  request.set_source("source");
  request.mutable_destination()->set_name("pulled");
  request.set_query("app");
  request.set_dry_run(true);
  // A dry run reports and creates nothing.
  Result dry = PullSnapshot(stack_, request);
  ASSERT_EQ(dry.code, absl::StatusCode::kOk) << dry.message;
  EXPECT_TRUE(dry.job.result().pull_snapshot().dry_run());
  EXPECT_EQ(Count("SELECT count(*) FROM snapshots WHERE name = 'pulled'"), 0);

  // For amd64 and i386 (the base's): app 2 in both; libfoo 3, postfix and
  // data 1:1 for amd64; the base's libc6 satisfies "libc6 (>= 2.30)" and
  // app/i386's libc6, so no libc6 comes. The base's app 1s go.
  request.set_dry_run(false);
  Result pulled = PullSnapshot(stack_, request);
  ASSERT_EQ(pulled.code, absl::StatusCode::kOk) << pulled.message;
  const v1::PullSnapshotResult& result = pulled.job.result().pull_snapshot();
  const std::vector<std::string> added =
      Keys({"data_1:1_all", "app_2_amd64", "libfoo_3_amd64", "postfix_1_amd64",
            "app_2_i386"});
  EXPECT_THAT(result.added(), UnorderedElementsAreArray(added));
  EXPECT_EQ(result.added_count(), 5);
  EXPECT_THAT(result.removed(),
              UnorderedElementsAreArray(Keys({"app_1_amd64", "app_1_i386"})));
  EXPECT_EQ(dry.job.result().pull_snapshot().added_count(), 5);
  EXPECT_EQ(result.snapshot().name(), "pulled");
  EXPECT_THAT(
      SnapshotKeys(stack_, "pulled"),
      UnorderedElementsAreArray(Keys(
          {"data_1:1_all", "app_2_amd64", "libfoo_3_amd64", "postfix_1_amd64",
           "app_2_i386", "libc6_2.36_amd64", "libc6_2.36_i386", "zzz_1_amd64",
           "other_1_amd64", "tool_1.0_amd64"})));

  // Every match (a versioned query), no dependencies, nothing removed.
  v1::PullSnapshotRequest all;
  all.set_base("base");
  all.set_source("source");
  all.mutable_destination()->set_name("with-libfoo");
  all.set_query("libfoo (>= 2)");
  all.set_all_matches(true);
  all.set_no_deps(true);
  all.set_no_remove(true);
  Result every = PullSnapshot(stack_, all);
  ASSERT_EQ(every.code, absl::StatusCode::kOk) << every.message;
  EXPECT_THAT(
      every.job.result().pull_snapshot().added(),
      UnorderedElementsAreArray(Keys({"libfoo_2_amd64", "libfoo_3_amd64"})));
  EXPECT_EQ(every.job.result().pull_snapshot().snapshot().package_count(), 9);
}

TEST_F(SnapshotOpsE2eTest, VerifyAgainstFurtherSnapshots) {
  // The source lacks libc6 for i386: app/i386 needs it, and data 1:1 (an
  // "all" package, checked for both architectures) pre-depends on it.
  EXPECT_THAT(Verify("source", {}),
              ElementsAre("data_1:1_all i386 Pre-Depends: libc6",
                          "app_2_i386 i386 Depends: libc6"));
  EXPECT_THAT(Verify("source", {"base"}), IsEmpty());
  EXPECT_THAT(Verify("base", {}), IsEmpty());
  EXPECT_THAT(Verify("base", {}, /*follow_recommends=*/true),
              ElementsAre("other_1_amd64 amd64 Recommends: fancy"));
}

TEST_F(SnapshotOpsE2eTest, HostileInputIsRefusedAndCreatesNothing) {
  const int snapshots = Count("SELECT count(*) FROM snapshots");
  std::vector<std::string> thousand;
  for (int i = 0; i < 1000; ++i) thousand.push_back("base");
  Result huge = MergeSnapshots(stack_, "huge", thousand);
  EXPECT_EQ(huge.code, absl::StatusCode::kInvalidArgument) << huge.message;
  EXPECT_THAT(huge.message, HasSubstr("1 to 100"));
  EXPECT_EQ(MergeSnapshots(stack_, "none", {}).code,
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeSnapshots(stack_, "both", {"base"}, true, true).code,
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeSnapshots(stack_, "bad name", {"base"}).code,
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeSnapshots(stack_, "m", {"base", "../etc"}).code,
            absl::StatusCode::kInvalidArgument);
  Result missing = MergeSnapshots(stack_, "m", {"base", "nosuch"});
  EXPECT_EQ(missing.code, absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message, HasSubstr("nosuch"));
  EXPECT_EQ(MergeSnapshots(stack_, "source", {"base"}).code,
            absl::StatusCode::kAlreadyExists);

  for (const std::string query : {"Name (", "((", "app |", "Name (~ (?i)x)"}) {
    Result filtered = FilterSnapshot(stack_, "source", "f", query);
    EXPECT_EQ(filtered.code, absl::StatusCode::kInvalidArgument) << query;
    v1::PullSnapshotRequest pull;
    pull.set_base("base");
    pull.set_source("source");
    pull.mutable_destination()->set_name("p");
    pull.set_query(query);
    EXPECT_EQ(PullSnapshot(stack_, pull).code,
              absl::StatusCode::kInvalidArgument)
        << query;
  }
  EXPECT_EQ(FilterSnapshot(stack_, "source", "f", "").code,
            absl::StatusCode::kInvalidArgument);
  v1::PullSnapshotRequest pull;
  pull.set_base("base");
  pull.set_source("source");
  pull.mutable_destination()->set_name("p");
  pull.set_query("app");
  pull.add_architectures("AMD64; rm -rf");
  EXPECT_EQ(PullSnapshot(stack_, pull).code,
            absl::StatusCode::kInvalidArgument);

  v1::DiffSnapshotsRequest diff;
  diff.set_left("base");
  diff.set_right("nosuch");
  v1::DiffSnapshotsResponse response;
  EXPECT_EQ(
      stack_.snapshots()
          .DiffSnapshots(Deadline(absl::Seconds(10)).get(), diff, &response)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  diff.set_right("source");
  diff.set_page_token("not a token");
  EXPECT_EQ(
      stack_.snapshots()
          .DiffSnapshots(Deadline(absl::Seconds(10)).get(), diff, &response)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(Count("SELECT count(*) FROM snapshots"), snapshots);
  EXPECT_EQ(
      Count("SELECT count(*) FROM jobs WHERE kind IN ('snapshot.merge', "
            "'snapshot.filter', 'snapshot.pull') AND state = 'succeeded'"),
      0);
}

}  // namespace
}  // namespace debrepo::testing
