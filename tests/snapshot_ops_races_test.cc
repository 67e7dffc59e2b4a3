// The races of issue 10 around snapshots made from snapshots, with two
// servers and three workers against one PostgreSQL: a drop racing merges,
// filters and pulls from the dropped snapshot, and merges and pulls
// reading their sources as they are once the job holds its locks. Each
// asserts its invariant afterwards.
#include <csignal>
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

constexpr int kWorkers = 3;

class SnapshotOpsRacesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartServer();
    for (int i = 0; i < kWorkers; ++i) stack_.StartWorker();
    ASSERT_EQ(CreateRepo(stack_, "main").code, absl::StatusCode::kOk);
    keys_ = UploadPackages(stack_, "main", "incoming", {"one", "two", "three"});
    ASSERT_EQ(keys_.size(), 3u);
    ASSERT_EQ(CreateSnapshotFromKeys(stack_, "stable", {keys_[0]}).code,
              absl::StatusCode::kOk);
  }

  // Makes snapshot `destination` from `source` through `server`: a merge,
  // a filter or a pull (by `kind` 0, 1, 2), waiting for its job.
  Result Derive(int kind, const std::string& source,
                const std::string& destination, int server) {
    switch (kind % 3) {
      case 0:
        return MergeSnapshots(stack_, destination, {"stable", source}, false,
                              false, server);
      case 1:
        return FilterSnapshot(stack_, source, destination, "Name (% *)",
                              /*with_deps=*/true, server);
      default: {
        v1::PullSnapshotRequest pull;
        pull.set_base("stable");
        pull.set_source(source);
        pull.mutable_destination()->set_name(destination);
        pull.set_query("two");
        return PullSnapshot(stack_, pull, server);
      }
    }
  }

  int Count(const std::string& sql) { return std::stoi(db_.QueryValue(sql)); }

  TestDatabase db_;
  Stack stack_{db_.url()};
  std::vector<std::string> keys_;
};

TEST_F(SnapshotOpsRacesTest, DropRacingSnapshotsMadeFromItNeverDangles) {
  constexpr int kRounds = 6;
  constexpr int kDerivers = 6;
  int drops_won = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string source = absl::StrCat("src", round);
    ASSERT_EQ(CreateSnapshotFromKeys(stack_, source, keys_).code,
              absl::StatusCode::kOk);
    // Client 0 drops the source; the others make snapshots from it, each
    // kind of job twice, through both servers.
    Result drop;
    std::vector<Result> derived(kDerivers);
    RunConcurrently(kDerivers + 1, [&](int i) {
      if (i == 0) {
        drop = DeleteSnapshot(stack_, source, /*force=*/false, round % 2);
      } else {
        derived[i - 1] = Derive(i - 1, source,
                                absl::StrCat("dst", round, "-", i - 1), i % 2);
      }
    });
    int made = 0;
    for (int i = 0; i < kDerivers; ++i) {
      const std::string destination = absl::StrCat("dst", round, "-", i);
      if (derived[i].code == absl::StatusCode::kOk) {
        ++made;
      } else {
        EXPECT_EQ(derived[i].code, absl::StatusCode::kNotFound)
            << destination << ": " << derived[i].message;
      }
      EXPECT_EQ(
          Count(absl::StrCat("SELECT count(*) FROM snapshots WHERE name = '",
                             destination, "'")),
          derived[i].code == absl::StatusCode::kOk ? 1 : 0);
    }
    if (drop.code == absl::StatusCode::kOk) {
      ++drops_won;
      // Every job made from it came after the drop, and found it gone.
      EXPECT_EQ(made, 0) << "round " << round;
    } else {
      EXPECT_EQ(drop.code, absl::StatusCode::kFailedPrecondition)
          << drop.message;
      EXPECT_GT(made, 0) << "round " << round;
      EXPECT_THAT(drop.message, ::testing::HasSubstr("dst"));
    }
  }
  // The invariant: every snapshot made from a snapshot points at it, and
  // none was told of a drop (none was forced).
  EXPECT_EQ(Count("SELECT count(*) FROM snapshot_sources WHERE kind = "
                  "'snapshot' AND (dropped OR source_snapshot_id IS NULL)"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM snapshot_sources ss JOIN snapshots s "
                  "ON s.id = ss.source_snapshot_id WHERE ss.name <> s.name"),
            0);
  RecordProperty("drops_won", drops_won);
}

TEST_F(SnapshotOpsRacesTest, MergeAndPullReadTheirSourcesAtLockTime) {
  // With the workers paused, each round queues a change of the source
  // (dropped, or renamed away) and then merges and pulls from it: the
  // servers' shallow checks still see the source, but the jobs run after
  // the change and must find it gone, never make a snapshot of what it
  // held when they were submitted.
  for (int round = 0; round < 3; ++round) {
    const std::string source = absl::StrCat("moving", round);
    ASSERT_EQ(CreateSnapshotFromKeys(stack_, source, keys_).code,
              absl::StatusCode::kOk);
    for (int i = 0; i < kWorkers; ++i) stack_.worker(i).Signal(SIGSTOP);
    std::vector<v1::Job> jobs(4);
    grpc::Status rpc;
    if (round % 2 == 0) {
      v1::DeleteSnapshotRequest drop;
      drop.set_name(source);
      drop.set_force(true);
      rpc = stack_.snapshots(0).DeleteSnapshot(
          Deadline(absl::Seconds(10)).get(), drop, &jobs[0]);
    } else {
      v1::UpdateSnapshotRequest rename;
      rename.set_name(source);
      rename.mutable_snapshot()->set_name(absl::StrCat("moved", round));
      rename.mutable_update_mask()->add_paths("name");
      rpc = stack_.snapshots(0).UpdateSnapshot(
          Deadline(absl::Seconds(10)).get(), rename, &jobs[0]);
    }
    ASSERT_TRUE(rpc.ok()) << rpc.error_message();
    v1::MergeSnapshotsRequest merge;
    merge.mutable_destination()->set_name(absl::StrCat("merged", round));
    merge.add_sources("stable");
    merge.add_sources(source);
    rpc = stack_.snapshots(1).MergeSnapshots(Deadline(absl::Seconds(10)).get(),
                                             merge, &jobs[1]);
    ASSERT_TRUE(rpc.ok()) << rpc.error_message();
    for (int base_or_source = 0; base_or_source < 2; ++base_or_source) {
      v1::PullSnapshotRequest pull;
      pull.set_base(base_or_source == 0 ? source : "stable");
      pull.set_source(base_or_source == 0 ? "stable" : source);
      pull.mutable_destination()->set_name(
          absl::StrCat("pulled", round, "-", base_or_source));
      pull.set_query("Name (% *)");
      rpc = stack_.snapshots(base_or_source)
                .PullSnapshot(Deadline(absl::Seconds(10)).get(), pull,
                              &jobs[2 + base_or_source]);
      ASSERT_TRUE(rpc.ok()) << rpc.error_message();
    }
    for (int i = 0; i < kWorkers; ++i) stack_.worker(i).Signal(SIGCONT);
    EXPECT_EQ(stack_.WaitJob(jobs[0].id()).state(), v1::SUCCEEDED);
    for (int i = 1; i < 4; ++i) {
      const v1::Job ended = stack_.WaitJob(jobs[i].id());
      EXPECT_EQ(ended.state(), v1::FAILED) << ended.kind();
      EXPECT_EQ(ended.status_code(),
                static_cast<int>(absl::StatusCode::kNotFound))
          << ended.kind() << ": " << ended.status_message();
    }
    EXPECT_EQ(
        Count(absl::StrCat("SELECT count(*) FROM snapshots WHERE name "
                           "LIKE 'merged",
                           round, "' OR name LIKE 'pulled", round, "-%'")),
        0);
  }
}

}  // namespace
}  // namespace debrepo::testing
