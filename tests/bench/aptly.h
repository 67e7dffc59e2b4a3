// Running Debian's aptly (1.5) for side-by-side benchmarks: each command in
// a throw-away configuration and root directory of its own, timed, with its
// peak memory.
#ifndef DEBREPO_TESTS_BENCH_APTLY_H_
#define DEBREPO_TESTS_BENCH_APTLY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace debrepo::testing {

// AptlyRun is how one aptly command ended.
struct AptlyRun {
  // The exit status, or 128 + the signal that ended it.
  int exit_code = -1;
  // From fork to waitpid returning: the whole command, including opening
  // and closing aptly's LevelDB database.
  double seconds = 0;
  // The command's peak resident set size in KiB, as GNU time reports it
  // (its child's ru_maxrss). Not this process's own wait4: a child forked
  // from a large process starts with that process's size as its maximum,
  // which exec keeps.
  int64_t peak_rss_kb = 0;
  // What it wrote to stdout and stderr, interleaved.
  std::string output;
};

// Aptly runs `aptly` (from PATH) against a configuration whose rootDir is
// under a directory of its own, so that nothing of the user's aptly state
// is read or changed.
class Aptly {
 public:
  // Aptly writes `directory`/aptly.conf naming `directory`/root as aptly's
  // rootDir; `directory` must exist. The destructor removes both.
  explicit Aptly(const std::string& directory);
  ~Aptly();
  Aptly(const Aptly&) = delete;
  Aptly& operator=(const Aptly&) = delete;

  // Run runs `aptly -config=<conf> args...` under /usr/bin/time, waits for
  // it and returns how it ended (a command that fails is still OK: see
  // exit_code). Its output goes to a file, not a pipe, so the timing does
  // not depend on how fast this process reads. INTERNAL when it cannot be
  // started.
  absl::StatusOr<AptlyRun> Run(const std::vector<std::string>& args) const;

 private:
  std::string directory_;
  std::string config_path_;
  std::string output_path_;
  std::string peak_path_;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_APTLY_H_
