// Runs every benchmarked operation with debrepo (real server and worker
// processes, through gRPC) and with aptly on the same small workload, and
// checks that both produce the same: the benchmark compares like with
// like only if they do.
#include "tests/bench/debrepo_snapshot_operations.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/bench/aptly_snapshot_operations.h"
#include "tests/bench/snapshot_workload.h"
#include "tests/harness.h"

namespace debrepo::testing {
namespace {

class DebrepoSnapshotOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string directory =
        std::string(std::getenv("TEST_TMPDIR")) + "/aptly";
    std::filesystem::create_directories(directory);
    aptly_ = std::make_unique<AptlySnapshotOperations>(directory);
    stack_.StartServer();
    stack_.StartWorker({"--concurrency=1"});
  }

  TestDatabase db_;
  Stack stack_{db_.url()};
  DebrepoSnapshotOperations ours_{stack_};
  std::unique_ptr<AptlySnapshotOperations> aptly_;
};

// Expects both to have succeeded with the same count; returns ours.
int64_t SameCount(const Measured& ours, const Measured& aptly) {
  EXPECT_TRUE(ours.status.ok()) << ours.status;
  EXPECT_TRUE(aptly.status.ok()) << aptly.status;
  EXPECT_EQ(ours.count, aptly.count);
  return ours.count;
}

TEST_F(DebrepoSnapshotOperationsTest, EachOperationProducesWhatAptlyDoes) {
  const SnapshotWorkload workload = MakeSnapshotWorkload(400);
  ASSERT_EQ(workload.repo_a.size(), 400u)
      << "the machine needs apt lists (tools/dev deps)";
  ASSERT_TRUE(ours_.Load(workload).ok());
  ASSERT_TRUE(aptly_->Load(workload).ok());

  const Measured a = ours_.CreateFromRepo("snap-a", "a");
  EXPECT_EQ(SameCount(a, aptly_->CreateFromRepo("snap-a", "a")), 400);
  ASSERT_EQ(a.peak_kb.size(), 2u);
  EXPECT_EQ(a.peak_kb[0].first, "server");
  EXPECT_GT(a.peak_kb[0].second, 1000);
  EXPECT_EQ(a.peak_kb[1].first, "worker");
  EXPECT_GT(a.peak_kb[1].second, 1000);
  EXPECT_GT(a.seconds, 0);
  SameCount(ours_.CreateFromRepo("snap-b", "b"),
            aptly_->CreateFromRepo("snap-b", "b"));

  EXPECT_EQ(SameCount(ours_.Merge("merged", {"snap-a", "snap-b"}),
                      aptly_->Merge("merged", {"snap-a", "snap-b"})),
            400);
  EXPECT_EQ(SameCount(ours_.Diff("snap-a", "snap-b"),
                      aptly_->Diff("snap-a", "snap-b")),
            40);
  EXPECT_GT(SameCount(ours_.Filter("snap-b", "filtered", kFilterQuery),
                      aptly_->Filter("snap-b", "filtered", kFilterQuery)),
            0);
  EXPECT_EQ(
      SameCount(
          ours_.Pull("snap-a", "snap-b", "pulled", workload.pull_names),
          aptly_->Pull("snap-a", "snap-b", "pulled", workload.pull_names)),
      400);
  EXPECT_EQ(SameCount(ours_.Diff("snap-a", "pulled"),
                      aptly_->Diff("snap-a", "pulled")),
            static_cast<int64_t>(workload.pull_names.size()));

  // Not only as many: the same packages.
  for (const std::string snapshot :
       {"snap-a", "snap-b", "merged", "filtered", "pulled"}) {
    absl::StatusOr<std::vector<std::string>> mine = ours_.PackageIds(snapshot);
    absl::StatusOr<std::vector<std::string>> theirs =
        aptly_->PackageIds(snapshot);
    ASSERT_TRUE(mine.ok()) << mine.status();
    ASSERT_TRUE(theirs.ok()) << theirs.status();
    EXPECT_EQ(*mine, *theirs) << snapshot;
  }

  // A failed operation is a failed status, not a measurement.
  EXPECT_FALSE(ours_.Diff("snap-a", "no-such-snapshot").status.ok());
}

}  // namespace
}  // namespace debrepo::testing
