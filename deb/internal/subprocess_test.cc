// RunCommand and StreamingCommand against real commands: output, input,
// exit codes, the timeout and the output cap.
#include "deb/internal/subprocess.h"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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

// ExpectGoneSoon expects the process `pid` to exit within 2 s (`what`
// says what it should not outlive), and kills it if it does not.
void ExpectGoneSoon(const std::string& pid, absl::string_view what) {
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ProcessGone(pid);
    if (!gone) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(gone) << "sleep " << pid << " outlived " << what;
  if (!gone) kill(std::stoi(pid), SIGKILL);
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
  ExpectGoneSoon(pid, "the timeout");
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

// The first directory of PATH with an executable of that name; a file
// that is not executable does not count.
TEST(FindOnPathTest, FindsTheFirstExecutable) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  for (const char* sub : {"/plain", "/exec", "/later"}) {
    std::filesystem::create_directories(dir + sub);
    std::ofstream(dir + sub + "/debrepo-prog") << "#!/bin/sh\n";
  }
  std::filesystem::permissions(dir + "/exec/debrepo-prog",
                               std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  std::filesystem::permissions(dir + "/later/debrepo-prog",
                               std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  const std::string saved = std::getenv("PATH");
  setenv("PATH", (dir + "/plain:" + dir + "/exec:" + dir + "/later").c_str(),
         1);
  EXPECT_EQ(FindOnPath("debrepo-prog"), dir + "/exec/debrepo-prog");
  EXPECT_EQ(FindOnPath("debrepo-no-such-program"), "");
  setenv("PATH", saved.c_str(), 1);
}

// Start runs `argv`, collecting its stdout into `out`.
std::unique_ptr<StreamingCommand> StartCollecting(
    const std::vector<std::string>& argv, std::string& out) {
  absl::StatusOr<std::unique_ptr<StreamingCommand>> command =
      StreamingCommand::Start(argv, [&out](absl::string_view bytes) {
        out.append(bytes.data(), bytes.size());
        return absl::OkStatus();
      });
  EXPECT_THAT(command, IsOk());
  return command.ok() ? *std::move(command) : nullptr;
}

// Writes far larger than a pipe holds go through only if the output is
// drained meanwhile: a filter that echoes what it reads would otherwise
// block both sides.
TEST(StreamingCommandTest, StreamsInputThroughAFilter) {
  std::string out;
  std::unique_ptr<StreamingCommand> cat = StartCollecting({"cat"}, out);
  ASSERT_NE(cat, nullptr);
  std::string expected;
  for (int i = 0; i < 3; ++i) {
    std::string data(4 << 20, static_cast<char>('a' + i));
    ASSERT_THAT(cat->Write(data), IsOk());
    expected += data;
  }
  // Most of it came back before the input ended.
  EXPECT_GT(out.size(), expected.size() / 2);
  absl::StatusOr<int> exit_code = cat->Finish(absl::Seconds(30));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 0);
  EXPECT_EQ(out, expected);
}

TEST(StreamingCommandTest, ReportsTheExitStatusAndStderr) {
  std::string out;
  std::unique_ptr<StreamingCommand> command =
      StartCollecting({"sh", "-c", "wc -c; echo bad >&2; exit 3"}, out);
  ASSERT_NE(command, nullptr);
  ASSERT_THAT(command->Write("12345"), IsOk());
  std::string stderr_data;
  absl::StatusOr<int> exit_code =
      command->Finish(absl::Seconds(30), &stderr_data);
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 3);
  EXPECT_EQ(stderr_data, "bad\n");
  EXPECT_EQ(out, "5\n");
}

// A command that exits without reading its input ends the writing; its
// exit status says why.
TEST(StreamingCommandTest, ACommandThatStopsReadingEndsTheWrites) {
  std::string out;
  std::unique_ptr<StreamingCommand> command =
      StartCollecting({"sh", "-c", "exit 4"}, out);
  ASSERT_NE(command, nullptr);
  EXPECT_THAT(command->Write(std::string(8 << 20, 'x')), IsOk());
  absl::StatusOr<int> exit_code = command->Finish(absl::Seconds(30));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 4);
}

TEST(StreamingCommandTest, AnOutputErrorStopsTheWrite) {
  absl::StatusOr<std::unique_ptr<StreamingCommand>> cat =
      StreamingCommand::Start({"cat"}, [](absl::string_view) {
        return absl::DataLossError("disk full");
      });
  ASSERT_THAT(cat, IsOk());
  EXPECT_THAT((*cat)->Write(std::string(1 << 20, 'x')),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(StreamingCommandTest, AMissingProgramIsNamed) {
  absl::StatusOr<std::unique_ptr<StreamingCommand>> command =
      StreamingCommand::Start(
          {"/nonexistent/debrepo-no-such-program"},
          [](absl::string_view) { return absl::OkStatus(); });
  EXPECT_THAT(command, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(command.status().message(),
              HasSubstr("/nonexistent/debrepo-no-such-program"));
  EXPECT_THAT(StreamingCommand::Start({}, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(StreamingCommandTest, FinishKillsACommandThatDoesNotExit) {
  std::string out;
  std::unique_ptr<StreamingCommand> command =
      StartCollecting({"sh", "-c", "exec <&- >&- 2>&-; sleep 30"}, out);
  ASSERT_NE(command, nullptr);
  absl::Time start = absl::Now();
  EXPECT_THAT(command->Finish(absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// Dropped before Finish (an abandoned index), it kills what it started.
TEST(StreamingCommandTest, DroppingItKillsTheCommand) {
  std::string pid_file =
      std::string(std::getenv("TEST_TMPDIR")) + "/streamed.pid";
  std::string out;
  std::unique_ptr<StreamingCommand> command = StartCollecting(
      {"sh", "-c", "sleep 30 & echo $! > " + pid_file + "; wait"}, out);
  ASSERT_NE(command, nullptr);
  std::string pid;
  for (int i = 0; i < 100 && pid.empty(); ++i) {
    std::ifstream(pid_file) >> pid;
    if (pid.empty()) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_FALSE(pid.empty());
  command.reset();
  ExpectGoneSoon(pid, "its command");
}

}  // namespace
}  // namespace debrepo::deb::internal
