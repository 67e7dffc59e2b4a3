// Running a helper program (gpgv, dpkg tools) and capturing its output, with
// a time limit and a cap on what it may write. Private to //deb and
// //publish.
#ifndef DEBREPO_DEB_INTERNAL_SUBPROCESS_H_
#define DEBREPO_DEB_INTERNAL_SUBPROCESS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace debrepo::deb::internal {

// kDefaultMaxOutputBytes is the default cap on each of stdout and stderr.
inline constexpr size_t kDefaultMaxOutputBytes = size_t{16} << 20;

// CommandOptions bounds a command run by RunCommand.
struct CommandOptions {
  // timeout is how long the command may run, from fork to exit. Past it the
  // command's process group is killed with SIGKILL.
  absl::Duration timeout = absl::Minutes(5);
  // max_output_bytes caps each of stdout and stderr; a command that writes
  // more is killed.
  size_t max_output_bytes = kDefaultMaxOutputBytes;
};

// CommandResult is what a finished command left behind.
struct CommandResult {
  int exit_code = -1;  // The exit status, or 128 + signal number.
  std::string stdout_data;
  std::string stderr_data;
};

// RunCommand runs argv[0] (looked up in PATH) with `argv` in a process group
// of its own, feeds it `stdin_data` and waits for it. A command that runs and
// fails is still OK: callers inspect exit_code. Errors: INVALID_ARGUMENT for
// an empty argv, DEADLINE_EXCEEDED when it outlives `options.timeout`,
// RESOURCE_EXHAUSTED when it writes more than `options.max_output_bytes` to
// stdout or stderr (in both cases it is killed, with whatever it started in
// its process group), INTERNAL when it cannot be started.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::string_view stdin_data = "",
                                         const CommandOptions& options = {});

}  // namespace debrepo::deb::internal

#endif  // DEBREPO_DEB_INTERNAL_SUBPROCESS_H_
