#include "tests/bench/aptly.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace debrepo::testing {

Aptly::Aptly(const std::string& directory)
    : directory_(directory),
      config_path_(directory + "/aptly.conf"),
      output_path_(directory + "/output.txt") {
  // Only rootDir is set: aptly's defaults for the rest (architectures from
  // the packages, Depends and Pre-Depends followed, first alternative).
  std::ofstream(config_path_)
      << "{\"rootDir\": \"" << directory_ << "/root\"}\n";
}

Aptly::~Aptly() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_ + "/root", ignored);
  std::filesystem::remove(config_path_, ignored);
  std::filesystem::remove(output_path_, ignored);
}

absl::StatusOr<AptlyRun> Aptly::Run(
    const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"aptly", "-config=" + config_path_};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (std::string& arg : argv) c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);
  const int output = open(output_path_.c_str(),
                          O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (output < 0) {
    return absl::InternalError(
        absl::StrCat("open ", output_path_, ": ", std::strerror(errno)));
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
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      return absl::InternalError(absl::StrCat("wait4: ", std::strerror(errno)));
    }
  }
  AptlyRun run;
  run.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  run.peak_rss_kb = usage.ru_maxrss;
  run.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream written(output_path_);
  std::stringstream text;
  text << written.rdbuf();
  run.output = text.str();
  if (run.exit_code == 127 && run.output.empty()) {
    return absl::InternalError(
        "aptly could not be started: is it installed "
        "(tools/dev deps)?");
  }
  return run;
}

}  // namespace debrepo::testing
