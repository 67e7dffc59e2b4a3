// posix_spawn with three pipes, drained with poll() so that neither side can
// block the other on a full pipe; the poll timeout enforces the deadline.
// RunCommand and StreamingCommand share the start (Spawn), the feeding and
// draining (Pump) and the end (Reap).
#include "deb/internal/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace debrepo::deb::internal {
namespace {

using Clock = std::chrono::steady_clock;

absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Deadline is an optional point on the monotonic clock.
class Deadline {
 public:
  explicit Deadline(absl::Duration timeout) {
    if (timeout == absl::InfiniteDuration()) return;
    timeout = std::max(timeout, absl::ZeroDuration());
    // Beyond a year is as good as never, and keeps the sum from overflowing.
    if (timeout < absl::Hours(24 * 365)) {
      at_ = Clock::now() + absl::ToChronoNanoseconds(timeout);
    }
  }

  bool Passed() const { return at_.has_value() && Clock::now() >= *at_; }

  // PollMillis is poll()'s timeout: -1 for none, else the milliseconds left,
  // rounded up so that poll does not wake just before the deadline.
  int PollMillis() const {
    if (!at_.has_value()) return -1;
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(*at_ - Clock::now());
    return static_cast<int>(
        std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
  }

 private:
  std::optional<Clock::time_point> at_;
};

// WaitForExit reaps `pid`, returning its wait status, or nullopt when the
// deadline passes first.
absl::StatusOr<std::optional<int>> WaitForExit(pid_t pid,
                                               const Deadline& deadline) {
  auto pause = std::chrono::microseconds(500);
  while (true) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return std::optional<int>(status);
    if (done < 0 && errno != EINTR) return ErrnoError("waitpid");
    if (deadline.Passed()) return std::optional<int>();
    // The pipes are closed, so the child is normally about to exit: poll
    // quickly at first and back off up to 50 ms.
    usleep(static_cast<useconds_t>(pause.count()));
    pause = std::min(pause * 2, std::chrono::microseconds(50000));
  }
}

// KillAndReap kills the command's process group and reaps the command.
void KillAndReap(pid_t pid) {
  kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// SigpipeBlocked blocks SIGPIPE in this thread while it lives, so that a
// command exiting before it read its input cannot kill this process (write
// then fails with EPIPE); the SIGPIPEs raised meanwhile are consumed.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &old_mask_);
  }
  ~SigpipeBlocked() {
    const timespec no_wait = {0, 0};
    while (sigtimedwait(&sigpipe_, nullptr, &no_wait) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

 private:
  sigset_t sigpipe_;
  sigset_t old_mask_;
};

// Child is a started command: its process id and our ends of its pipes
// (-1 once closed).
struct Child {
  pid_t pid = -1;
  int in = -1;
  int out = -1;
  int err = -1;

  void CloseAll() {
    CloseFd(in);
    CloseFd(out);
    CloseFd(err);
  }
};

// Spawn starts argv[0] (looked up in PATH) in a process group of its own,
// with pipes for its stdin (non-blocking on our side), stdout and stderr.
// FAILED_PRECONDITION, saying why, when the program cannot be executed;
// INTERNAL when no process can be started.
absl::StatusOr<Child> Spawn(const std::vector<std::string>& argv) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return ErrnoError("pipe");
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return ErrnoError("pipe");
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) close(fd);
    return ErrnoError("pipe");
  }
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  // posix_spawn, not fork: glibc starts the child with vfork semantics,
  // without copying the parent's page tables and without the parent's
  // copy-on-write faults afterwards, which for a worker of 150 MB cost
  // about 10 ms a command. The child gets a process group of its own, so
  // that a timeout kills what it started too (sh -c "...", dpkg-source's
  // tar, ...); it starts with no signal blocked and SIGPIPE, SIGTERM and
  // SIGINT at their defaults (the worker blocks or ignores them for
  // itself), and with no descriptor of ours but its three pipes.
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP |
                                            POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t no_signals, default_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  sigemptyset(&default_signals);
  for (int signal_number : {SIGPIPE, SIGTERM, SIGINT}) {
    sigaddset(&default_signals, signal_number);
  }
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
  Child child;
  int spawn_error = posix_spawnp(&child.pid, args[0], &actions, &attributes,
                                 args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  // The group exists: posix_spawn returns once the child has exec'ed (or
  // fails when it could not join its group).
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  child.in = in_pipe[1];
  child.out = out_pipe[0];
  child.err = err_pipe[0];
  if (spawn_error != 0) {
    child.CloseAll();
    errno = spawn_error;
    if (spawn_error == EAGAIN || spawn_error == ENOMEM) {
      return ErrnoError("posix_spawn");
    }
    return absl::FailedPreconditionError(
        absl::StrCat("exec failed: ", std::strerror(spawn_error)));
  }
  fcntl(child.in, F_SETFL, O_NONBLOCK);
  return child;
}

// Pump writes `input` to the child's stdin and hands what it writes to its
// stdout and stderr meanwhile to `on_stdout` and `on_stderr`, until all of
// `input` is written; with `to_end`, it then closes stdin and goes on until
// both outputs end. A child that exits without reading its input ends the
// writing (its exit status says why). Stops with the first error of a
// callback, or DEADLINE_EXCEEDED (naming `name` and `timeout`) once
// `deadline` passes.
absl::Status Pump(
    Child& child, absl::string_view input, bool to_end, absl::string_view name,
    absl::Duration timeout, const Deadline& deadline,
    const std::function<absl::Status(absl::string_view)>& on_stdout,
    const std::function<absl::Status(absl::string_view)>& on_stderr) {
  SigpipeBlocked sigpipe_blocked;
  size_t written = 0;
  auto more_to_do = [&] {
    if (written < input.size() && child.in >= 0) return true;
    return to_end && (child.in >= 0 || child.out >= 0 || child.err >= 0);
  };
  if (to_end && input.empty()) CloseFd(child.in);
  char buffer[65536];
  while (more_to_do()) {
    const bool feeding = child.in >= 0 && written < input.size();
    pollfd fds[3] = {{feeding ? child.in : -1, POLLOUT, 0},
                     {child.out, POLLIN, 0},
                     {child.err, POLLIN, 0}};
    int ready = poll(fds, 3, deadline.PollMillis());
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("poll");
    }
    if (ready == 0 || deadline.Passed()) {
      return absl::DeadlineExceededError(
          absl::StrCat("command ", name, " did not finish within ",
                       absl::FormatDuration(timeout), "; killed it"));
    }
    if (feeding && fds[0].revents != 0) {
      // A child that exits without reading its input makes write fail with
      // EPIPE (SIGPIPE is blocked here): stop feeding it.
      ssize_t n =
          write(child.in, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) CloseFd(child.in);
      if (to_end && written == input.size()) CloseFd(child.in);
    }
    for (int i : {1, 2}) {
      int& fd = i == 1 ? child.out : child.err;
      if (fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n > 0) {
        const auto& on_output = i == 1 ? on_stdout : on_stderr;
        RETURN_IF_ERROR(on_output(absl::string_view(buffer, n)));
      } else if (n == 0 || errno != EINTR) {
        CloseFd(fd);
      }
    }
  }
  return absl::OkStatus();
}

// Reap closes what is left of the child's pipes and waits for it to exit,
// returning its exit status (or 128 + the signal that killed it); kills it
// when the deadline passes first (DEADLINE_EXCEEDED).
absl::StatusOr<int> Reap(Child& child, absl::string_view name,
                         absl::Duration timeout, const Deadline& deadline) {
  child.CloseAll();
  absl::StatusOr<std::optional<int>> waited = WaitForExit(child.pid, deadline);
  if (!waited.ok() || !waited->has_value()) {
    KillAndReap(child.pid);
    child.pid = -1;
    if (!waited.ok()) return waited.status();
    return absl::DeadlineExceededError(
        absl::StrCat("command ", name, " did not exit within ",
                     absl::FormatDuration(timeout), "; killed it"));
  }
  child.pid = -1;
  const int status = **waited;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Kill kills the child's process group, if it still runs, and reaps it.
void Kill(Child& child) {
  child.CloseAll();
  if (child.pid > 0) KillAndReap(child.pid);
  child.pid = -1;
}

// AppendCapped returns a callback that appends output to `data`, failing
// RESOURCE_EXHAUSTED past `cap` bytes.
std::function<absl::Status(absl::string_view)> AppendCapped(
    std::string& data, size_t cap, absl::string_view name,
    absl::string_view stream) {
  return [&data, cap, name, stream](absl::string_view bytes) {
    if (bytes.size() > cap - data.size()) {
      return absl::ResourceExhaustedError(
          absl::StrCat("command ", name, " wrote more than ", cap, " bytes to ",
                       stream, "; killed it"));
    }
    data.append(bytes.data(), bytes.size());
    return absl::OkStatus();
  };
}

}  // namespace

std::string FindOnPath(absl::string_view program) {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path == nullptr ? "" : path, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", program);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::string_view stdin_data,
                                         const CommandOptions& options) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command line");
  const Deadline deadline(options.timeout);
  CommandResult result;
  absl::StatusOr<Child> child = Spawn(argv);
  if (absl::IsFailedPrecondition(child.status())) {
    // The program could not be executed: a shell's exit status for it.
    result.exit_code = 127;
    result.stderr_data = absl::StrCat(child.status().message(), "\n");
    return result;
  }
  if (!child.ok()) return child.status();
  absl::Status pumped = Pump(
      *child, stdin_data, /*to_end=*/true, argv[0], options.timeout, deadline,
      AppendCapped(result.stdout_data, options.max_output_bytes, argv[0],
                   "stdout"),
      AppendCapped(result.stderr_data, options.max_output_bytes, argv[0],
                   "stderr"));
  if (!pumped.ok()) {
    Kill(*child);
    return pumped;
  }
  ASSIGN_OR_RETURN(result.exit_code,
                   Reap(*child, argv[0], options.timeout, deadline));
  return result;
}

// StreamingCommand's state: the child, what it wrote to stderr, and where
// its stdout goes.
struct StreamingCommand::Process {
  std::string name;
  Child child;
  std::function<absl::Status(absl::string_view)> on_stdout;
  std::string stderr_data;
};

StreamingCommand::StreamingCommand(std::unique_ptr<Process> process)
    : process_(std::move(process)) {}

StreamingCommand::~StreamingCommand() {
  if (process_ != nullptr) Kill(process_->child);
}

absl::StatusOr<std::unique_ptr<StreamingCommand>> StreamingCommand::Start(
    const std::vector<std::string>& argv,
    std::function<absl::Status(absl::string_view)> on_stdout) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command line");
  auto process = std::make_unique<Process>();
  process->name = argv[0];
  process->on_stdout = std::move(on_stdout);
  absl::StatusOr<Child> child = Spawn(argv);
  if (!child.ok()) {
    return absl::Status(
        child.status().code(),
        absl::StrCat("cannot run ", argv[0], ": ", child.status().message()));
  }
  process->child = *child;
  return absl::WrapUnique(new StreamingCommand(std::move(process)));
}

absl::Status StreamingCommand::Write(absl::string_view data) {
  return Pump(process_->child, data, /*to_end=*/false, process_->name,
              absl::InfiniteDuration(), Deadline(absl::InfiniteDuration()),
              process_->on_stdout,
              AppendCapped(process_->stderr_data, kDefaultMaxOutputBytes,
                           process_->name, "stderr"));
}

absl::StatusOr<int> StreamingCommand::Finish(absl::Duration timeout,
                                             std::string* stderr_data) {
  const Deadline deadline(timeout);
  Process& process = *process_;
  absl::Status pumped =
      Pump(process.child, "", /*to_end=*/true, process.name, timeout, deadline,
           process.on_stdout,
           AppendCapped(process.stderr_data, kDefaultMaxOutputBytes,
                        process.name, "stderr"));
  if (!pumped.ok()) {
    Kill(process.child);
    return pumped;
  }
  ASSIGN_OR_RETURN(const int exit_code,
                   Reap(process.child, process.name, timeout, deadline));
  if (stderr_data != nullptr) *stderr_data = std::move(process.stderr_data);
  return exit_code;
}

}  // namespace debrepo::deb::internal
