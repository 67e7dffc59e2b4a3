// Running a helper program (gpgv, dpkg tools) and capturing its output.
#ifndef DEBREPO_DEB_SUBPROCESS_H_
#define DEBREPO_DEB_SUBPROCESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace debrepo::deb {

// CommandResult is what a finished command left behind.
struct CommandResult {
  int exit_code = -1;  // The exit status, or 128 + signal number.
  std::string stdout_data;
  std::string stderr_data;
};

// RunCommand runs argv[0] (looked up in PATH) with `argv`, feeds it
// `stdin_data` and waits for it. A command that runs and fails is still OK:
// callers inspect exit_code. Errors mean the command could not be started.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::string_view stdin_data = "");

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_SUBPROCESS_H_
