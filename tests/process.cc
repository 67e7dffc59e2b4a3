#include "tests/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

extern char** environ;

namespace debrepo::testing {

Process::Process(const std::string& binary,
                 const std::vector<std::string>& args,
                 const std::string& log_path) {
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // Children must not inherit the test's blocked signals.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  const int error = posix_spawn(&pid_, binary.c_str(), &actions, &attributes,
                                argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    ADD_FAILURE() << "cannot start " << binary << ": " << strerror(error);
    exited_ = true;
  }
}

Process::~Process() {
  if (!exited_) {
    kill(pid_, SIGKILL);
    Wait();
  }
}

void Process::Signal(int signal) {
  if (!exited_) kill(pid_, signal);
}

int Process::Wait() {
  if (!exited_) {
    waitpid(pid_, &status_, 0);
    exited_ = true;
  }
  return status_;
}

bool Process::Running() {
  if (exited_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
  return !exited_;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string RunfilePath(const std::string& path) {
  // Under `bazel test`, TEST_SRCDIR; under `bazel run` or when run by hand,
  // the runfiles tree beside the executable.
  std::string root;
  if (const char* srcdir = std::getenv("TEST_SRCDIR")) {
    root = srcdir;
  } else if (const char* runfiles = std::getenv("RUNFILES_DIR")) {
    root = runfiles;
  } else {
    char self[4096] = {};
    const ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (length <= 0) return path;
    root = absl::StrCat(std::string(self, length), ".runfiles");
  }
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(root, "/", workspace ? workspace : "debrepo", "/", path);
}

}  // namespace debrepo::testing
