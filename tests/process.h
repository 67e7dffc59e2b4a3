// Child processes and data files of tests: what the integration harness
// and the tests of other packages (e.g. fetch/'s loopback HTTP server) run.
#ifndef DEBREPO_TESTS_PROCESS_H_
#define DEBREPO_TESTS_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace debrepo::testing {

// Process is a child process, killed (SIGKILL) when destroyed if still
// running.
class Process {
 public:
  Process(const std::string& binary, const std::vector<std::string>& args,
          const std::string& log_path);
  ~Process();
  void Signal(int signal);
  // Waits for exit; returns the exit status as waitpid gives it (also
  // after Running() saw the exit).
  int Wait();
  bool Running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;  // once exited_
};

// FreePort returns a TCP port of 127.0.0.1 that nobody listened on a
// moment ago (for a child server that needs its port on its command line).
int FreePort();

// RunfilePath resolves a workspace-relative path to a data dependency.
std::string RunfilePath(const std::string& path);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_PROCESS_H_
