// Runs every benchmarked operation with the real aptly (tools/dev deps
// installs it) on a small workload, checking what each produced.
#include "tests/bench/aptly_snapshot_operations.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/bench/snapshot_workload.h"

namespace debrepo::testing {
namespace {

TEST(AptlySnapshotOperationsTest, EveryOperationDoesWhatTheBenchmarkSays) {
  const std::string directory =
      std::string(std::getenv("TEST_TMPDIR")) + "/aptly";
  std::filesystem::create_directories(directory);
  const SnapshotWorkload workload = MakeSnapshotWorkload(300);
  ASSERT_EQ(workload.repo_a.size(), 300u)
      << "the machine needs apt lists (tools/dev deps)";
  AptlySnapshotOperations aptly(directory);
  ASSERT_TRUE(aptly.Load(workload).ok());

  Measured a = aptly.CreateFromRepo("snap-a", "a");
  ASSERT_TRUE(a.status.ok()) << a.status;
  EXPECT_EQ(a.count, 300);
  EXPECT_GT(a.seconds, 0);
  ASSERT_EQ(a.peak_kb.size(), 1u);
  EXPECT_EQ(a.peak_kb[0].first, "aptly");
  EXPECT_GT(a.peak_kb[0].second, 1000);  // a Go program: megabytes
  ASSERT_TRUE(aptly.CreateFromRepo("snap-b", "b").status.ok());
  absl::StatusOr<std::vector<std::string>> ids = aptly.PackageIds("snap-a");
  ASSERT_TRUE(ids.ok()) << ids.status();
  ASSERT_EQ(ids->size(), 300u);
  EXPECT_TRUE(std::is_sorted(ids->begin(), ids->end()));
  EXPECT_EQ(std::count_if(ids->begin(), ids->end(),
                          [](const std::string& id) {
                            return absl::StrContains(id, "+bench1");
                          }),
            0);
  ids = aptly.PackageIds("snap-b");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(std::count_if(ids->begin(), ids->end(),
                          [](const std::string& id) {
                            return absl::StrContains(id, "+bench1_");
                          }),
            30);

  // The last source wins each name: every name once.
  Measured merged = aptly.Merge("merged", {"snap-a", "snap-b"});
  ASSERT_TRUE(merged.status.ok()) << merged.status;
  EXPECT_EQ(merged.count, 300);

  // Every tenth package changed its version: one "!" line each.
  Measured diff = aptly.Diff("snap-a", "snap-b");
  ASSERT_TRUE(diff.status.ok()) << diff.status;
  EXPECT_EQ(diff.count, 30);
  Measured same = aptly.Diff("snap-a", "snap-a");
  ASSERT_TRUE(same.status.ok()) << same.status;
  EXPECT_EQ(same.count, 0);

  // What matches, and what it needs that b has: at most all of b.
  Measured filtered = aptly.Filter("snap-b", "filtered", "Name (~ ^0ad)");
  ASSERT_TRUE(filtered.status.ok()) << filtered.status;
  EXPECT_GE(filtered.count, 1);
  EXPECT_LE(filtered.count, 300);

  // The pulled packages replace a's versions: the count stays.
  Measured pulled =
      aptly.Pull("snap-a", "snap-b", "pulled", workload.pull_names);
  ASSERT_TRUE(pulled.status.ok()) << pulled.status;
  EXPECT_EQ(pulled.count, 300);
  Measured pulled_diff = aptly.Diff("snap-a", "pulled");
  ASSERT_TRUE(pulled_diff.status.ok()) << pulled_diff.status;
  EXPECT_EQ(pulled_diff.count,
            static_cast<int64_t>(workload.pull_names.size()));

  // A failing command is a failed status, not a measurement.
  EXPECT_FALSE(aptly.Merge("merged", {"snap-a"}).status.ok());
  EXPECT_FALSE(aptly.Diff("snap-a", "no-such-snapshot").status.ok());
}

}  // namespace
}  // namespace debrepo::testing
