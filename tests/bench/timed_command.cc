#include "tests/bench/timed_command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace debrepo::testing {
namespace {

// The contents of the file at `path` ("" when unreadable).
std::string Contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<TimedRun> RunTimed(const std::vector<std::string>& argv,
                                  const std::string& scratch_directory) {
  const std::string output_path = scratch_directory + "/output.txt";
  const std::string peak_path = scratch_directory + "/peak.txt";
  // GNU time runs the command from a fresh, small process and writes its
  // peak (%M, KiB) to peak_path, after a line of its own when it fails.
  std::vector<std::string> timed = {"/usr/bin/time", "-f", "%M", "-o",
                                    peak_path};
  timed.insert(timed.end(), argv.begin(), argv.end());
  std::vector<char*> c_argv;
  for (std::string& arg : timed) c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);
  const int output =
      open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (output < 0) {
    return absl::InternalError(
        absl::StrCat("open ", output_path, ": ", std::strerror(errno)));
  }

  const absl::Time start = absl::Now();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(output, STDOUT_FILENO);
    dup2(output, STDERR_FILENO);
    execvp(c_argv[0], c_argv.data());
    _exit(127);
  }
  close(output);
  if (pid < 0) {
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return absl::InternalError(
          absl::StrCat("waitpid: ", std::strerror(errno)));
    }
  }
  TimedRun run;
  run.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  run.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.output = Contents(output_path);
  const std::string peak = Contents(peak_path);
  std::error_code ignored;
  std::filesystem::remove(output_path, ignored);
  std::filesystem::remove(peak_path, ignored);
  const std::vector<absl::string_view> lines =
      absl::StrSplit(absl::StripTrailingAsciiWhitespace(peak), '\n');
  if (!absl::SimpleAtoi(lines.back(), &run.peak_rss_kb)) {
    return absl::InternalError(absl::StrCat(
        argv.front(),
        " or /usr/bin/time could not be started (tools/dev deps installs "
        "them): ",
        peak, run.output));
  }
  return run;
}

}  // namespace debrepo::testing
