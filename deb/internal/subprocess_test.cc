// RunCommand against real commands: output, input, exit codes, the timeout
// and the output cap.
#include "deb/internal/subprocess.h"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb::internal {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

TEST(RunCommandTest, CapturesOutputAndExitCode) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->stdout_data, "out\n");
  EXPECT_EQ(result->stderr_data, "err\n");
  EXPECT_EQ(result->exit_code, 3);
}

TEST(RunCommandTest, FeedsLargeInputWhileDrainingOutput) {
  std::string input(4 << 20, 'x');
  absl::StatusOr<CommandResult> result = RunCommand({"cat"}, input);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->stdout_data, input);
}

TEST(RunCommandTest, MissingProgramExits127) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"/nonexistent/debrepo-no-such-program"});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 127);
}

TEST(RunCommandTest, EmptyArgvIsInvalid) {
  EXPECT_THAT(RunCommand({}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RunCommandTest, KillsACommandThatOutlivesItsTimeout) {
  absl::Time start = absl::Now();
  absl::StatusOr<CommandResult> result =
      RunCommand({"sleep", "5"}, "", {.timeout = absl::Milliseconds(200)});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(result.status().message(), HasSubstr("sleep"));
  EXPECT_THAT(result.status().message(), HasSubstr("200ms"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST(RunCommandTest, TimeoutAppliesAfterTheCommandClosesItsOutput) {
  absl::Time start = absl::Now();
  absl::StatusOr<CommandResult> result =
      RunCommand({"sh", "-c", "exec >&- 2>&-; sleep 5"}, "",
                 {.timeout = absl::Milliseconds(300)});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// ProcessGone tells whether `pid` has exited (gone, or a zombie waiting for
// a parent that is not us).
bool ProcessGone(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  if (!in) return true;
  std::stringstream stat;
  stat << in.rdbuf();
  std::string text = stat.str();
  size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() &&
         text[paren + 2] == 'Z';
}

TEST(RunCommandTest, TimeoutKillsWhatTheCommandStarted) {
  std::string pid_file =
      std::string(std::getenv("TEST_TMPDIR")) + "/grandchild.pid";
  absl::StatusOr<CommandResult> result =
      RunCommand({"sh", "-c", "sleep 30 & echo $! > " + pid_file + "; wait"},
                 "", {.timeout = absl::Milliseconds(300)});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  std::string pid;
  std::ifstream(pid_file) >> pid;
  ASSERT_FALSE(pid.empty());
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ProcessGone(pid);
    if (!gone) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(gone) << "sleep " << pid << " outlived the timeout";
  if (!gone) kill(std::stoi(pid), SIGKILL);
}

TEST(RunCommandTest, RejectsStdoutBeyondTheCap) {
  absl::StatusOr<CommandResult> result = RunCommand(
      {"head", "-c", "20M", "/dev/zero"}, "", {.max_output_bytes = 1 << 20});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(result.status().message(), HasSubstr("1048576 bytes to stdout"));
}

TEST(RunCommandTest, RejectsStderrBeyondTheCap) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"sh", "-c", "head -c 2M /dev/zero >&2"}, "",
                 {.max_output_bytes = 1 << 20});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(result.status().message(), HasSubstr("stderr"));
}

TEST(RunCommandTest, DefaultCapIs16MiB) {
  EXPECT_THAT(RunCommand({"head", "-c", "20M", "/dev/zero"}),
              StatusIs(absl::StatusCode::kResourceExhausted));
  absl::StatusOr<CommandResult> result =
      RunCommand({"head", "-c", "16M", "/dev/zero"});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->stdout_data.size(), kDefaultMaxOutputBytes);
}

TEST(RunCommandTest, OutputExactlyAtTheCapIsKept) {
  absl::StatusOr<CommandResult> result = RunCommand(
      {"head", "-c", "1M", "/dev/zero"}, "", {.max_output_bytes = 1 << 20});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->stdout_data.size(), size_t{1} << 20);
}

}  // namespace
}  // namespace debrepo::deb::internal
