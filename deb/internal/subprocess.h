// Running a helper program (gpgv, dpkg tools) and capturing its output, with
// a time limit and a cap on what it may write; or feeding one (lbzip2) as
// its input is produced. Private to //deb and //publish.
#ifndef DEBREPO_DEB_INTERNAL_SUBPROCESS_H_
#define DEBREPO_DEB_INTERNAL_SUBPROCESS_H_

#include <cstddef>
#include <functional>
#include <memory>
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

// FindOnPath returns the path of the executable `program` in the first
// directory of PATH that has one, or "" when none does.
std::string FindOnPath(absl::string_view program);

// StreamingCommand runs a filter (argv[0], looked up in PATH, in a process
// group of its own) fed as its input is produced: each Write hands it more,
// and whatever it writes to stdout meanwhile goes to the `on_stdout` given
// to Start, in order, on the calling thread. For input too large to hold
// at once, such as a 50 MB index going through lbzip2. One thread at a
// time.
class StreamingCommand {
 public:
  // Start starts the command. FAILED_PRECONDITION when the program cannot
  // be executed, INTERNAL when no process can be started; both name it.
  static absl::StatusOr<std::unique_ptr<StreamingCommand>> Start(
      const std::vector<std::string>& argv,
      std::function<absl::Status(absl::string_view)> on_stdout);

  // Kills the command (and what it started) unless Finish returned.
  ~StreamingCommand();

  // Write feeds `data` to the command, handing its output to on_stdout
  // meanwhile; returns once all of `data` is written, or once the command
  // closed its input (Finish's exit status then says why). Fails with
  // on_stdout's first error, or RESOURCE_EXHAUSTED past 16 MiB of stderr;
  // the caller then drops the command.
  absl::Status Write(absl::string_view data);

  // Finish closes the command's input, hands the rest of its output to
  // on_stdout, waits for it to exit and returns its exit status (128 +
  // the signal that killed it), with what it wrote to stderr in
  // `stderr_data` when given. DEADLINE_EXCEEDED, having killed it, when
  // this takes longer than `timeout`. Call it once, last.
  absl::StatusOr<int> Finish(absl::Duration timeout,
                             std::string* stderr_data = nullptr);

 private:
  struct Process;
  explicit StreamingCommand(std::unique_ptr<Process> process);

  std::unique_ptr<Process> process_;
};

}  // namespace debrepo::deb::internal

#endif  // DEBREPO_DEB_INTERNAL_SUBPROCESS_H_
