// posix_spawn with three pipes, drained with poll() so that neither side can
// block the other on a full pipe; the poll timeout enforces the deadline.
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
#include <cstring>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

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

}  // namespace

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::string_view stdin_data,
                                         const CommandOptions& options) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command line");
  const Deadline deadline(options.timeout);
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
  // about 10 ms a command (1 CPU-s for a 50 MB bzip2 index in 95 lbzip2
  // pieces). The child gets a process group of its own, so that a timeout
  // kills what it started too (sh -c "...", dpkg-source's tar, ...); it
  // starts with no signal blocked and SIGPIPE, SIGTERM and SIGINT at their
  // defaults (the worker blocks or ignores them for itself), and with no
  // descriptor of ours but its three pipes.
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
  pid_t pid = -1;
  int spawn_error =
      posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1],
                   err_pipe[0], err_pipe[1]}) {
      close(fd);
    }
    if (spawn_error == EAGAIN || spawn_error == ENOMEM) {
      errno = spawn_error;
      return ErrnoError("posix_spawn");
    }
    // The program could not be executed: a shell's exit status for it.
    CommandResult result;
    result.exit_code = 127;
    result.stderr_data =
        absl::StrCat("exec failed: ", std::strerror(spawn_error), "\n");
    return result;
  }
  // The group exists: posix_spawn returns once the child has exec'ed (or
  // fails when it could not join its group).
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  int in_fd = in_pipe[1], out_fd = out_pipe[0], err_fd = err_pipe[0];
  fcntl(in_fd, F_SETFL, O_NONBLOCK);

  // Block SIGPIPE while feeding the child, so a child that exits early cannot
  // kill this process; any SIGPIPE raised here is consumed below.
  sigset_t sigpipe_set, old_mask;
  sigemptyset(&sigpipe_set);
  sigaddset(&sigpipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &sigpipe_set, &old_mask);

  CommandResult result;
  // failure, once set, ends the run: the command is killed and it is returned.
  absl::Status failure;
  size_t written = 0;
  if (stdin_data.empty()) CloseFd(in_fd);
  char buffer[65536];
  while (in_fd >= 0 || out_fd >= 0 || err_fd >= 0) {
    pollfd fds[3] = {
        {in_fd, POLLOUT, 0}, {out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int ready = poll(fds, 3, deadline.PollMillis());
    if (ready < 0) {
      if (errno == EINTR) continue;
      failure = ErrnoError("poll");
      break;
    }
    if (ready == 0 || deadline.Passed()) break;  // Checked after the loop.
    if (in_fd >= 0 && fds[0].revents != 0) {
      // A child that exits without reading its input makes write fail with
      // EPIPE (SIGPIPE is blocked here): stop feeding it.
      ssize_t n = write(in_fd, stdin_data.data() + written,
                        stdin_data.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) CloseFd(in_fd);
      if (written == stdin_data.size()) CloseFd(in_fd);
    }
    for (int i : {1, 2}) {
      int& fd = i == 1 ? out_fd : err_fd;
      if (fd < 0 || fds[i].revents == 0) continue;
      std::string& data = i == 1 ? result.stdout_data : result.stderr_data;
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n > 0) {
        if (static_cast<size_t>(n) > options.max_output_bytes - data.size()) {
          failure = absl::ResourceExhaustedError(
              absl::StrCat("command ", argv[0], " wrote more than ",
                           options.max_output_bytes, " bytes to ",
                           i == 1 ? "stdout" : "stderr", "; killed it"));
          break;
        }
        data.append(buffer, n);
      } else if (n == 0 || errno != EINTR) {
        CloseFd(fd);
      }
    }
    if (!failure.ok()) break;
  }
  if (failure.ok() && deadline.Passed() &&
      (in_fd >= 0 || out_fd >= 0 || err_fd >= 0)) {
    failure = absl::DeadlineExceededError(
        absl::StrCat("command ", argv[0], " did not finish within ",
                     absl::FormatDuration(options.timeout), "; killed it"));
  }
  CloseFd(in_fd);
  CloseFd(out_fd);
  CloseFd(err_fd);

  std::optional<int> status;
  if (failure.ok()) {
    absl::StatusOr<std::optional<int>> waited = WaitForExit(pid, deadline);
    if (!waited.ok()) {
      failure = waited.status();
    } else if (!waited->has_value()) {
      failure = absl::DeadlineExceededError(
          absl::StrCat("command ", argv[0], " did not exit within ",
                       absl::FormatDuration(options.timeout), "; killed it"));
    } else {
      status = **waited;
    }
  }
  if (!status.has_value()) KillAndReap(pid);

  const timespec no_wait = {0, 0};
  while (sigtimedwait(&sigpipe_set, nullptr, &no_wait) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (!failure.ok()) return failure;
  result.exit_code =
      WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  return result;
}

}  // namespace debrepo::deb::internal
