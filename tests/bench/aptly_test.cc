#include "tests/bench/aptly.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace debrepo::testing {
namespace {

std::string NewDirectory(const std::string& name) {
  const std::string directory =
      std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::filesystem::create_directories(directory);
  return directory;
}

TEST(AptlyTest, RunsInItsOwnRootAndReportsItsOwnPeak) {
  // 300 MiB of this process, touched: a child forked from it starts with
  // that as its maximum resident size.
  std::vector<char> ballast(300 << 20);
  for (size_t i = 0; i < ballast.size(); i += 4096) ballast[i] = 1;

  const std::string directory = NewDirectory("own");
  Aptly aptly(directory);
  absl::StatusOr<TimedRun> created = aptly.Run({"repo", "create", "r"});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->exit_code, 0) << created->output;
  EXPECT_TRUE(std::filesystem::exists(directory + "/root/db"));
  EXPECT_GT(created->seconds, 0);
  EXPECT_GT(created->peak_rss_kb, 1 << 10);    // aptly: some MiB
  EXPECT_LT(created->peak_rss_kb, 200 << 10);  // not the ballast's 300

  absl::StatusOr<TimedRun> listed = aptly.Run({"repo", "list", "-raw"});
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->output, "r\n");
  EXPECT_EQ(ballast[4096], 1);
}

TEST(AptlyTest, AFailedCommandIsItsExitCodeAndOutput) {
  Aptly aptly(NewDirectory("failed"));
  absl::StatusOr<TimedRun> shown = aptly.Run({"snapshot", "show", "nothing"});
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_NE(shown->exit_code, 0);
  EXPECT_TRUE(absl::StrContains(shown->output, "nothing")) << shown->output;
  EXPECT_GT(shown->peak_rss_kb, 0);
}

TEST(AptlyTest, TheDestructorRemovesWhatItMade) {
  const std::string directory = NewDirectory("removed");
  {
    Aptly aptly(directory);
    ASSERT_TRUE(aptly.Run({"repo", "create", "r"}).ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(directory));
}

}  // namespace
}  // namespace debrepo::testing
