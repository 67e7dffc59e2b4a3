// Running another tool's command (aptly, reprepro) for side-by-side
// benchmarks: timed from fork to exit, with its own peak memory.
#ifndef DEBREPO_TESTS_BENCH_TIMED_COMMAND_H_
#define DEBREPO_TESTS_BENCH_TIMED_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace debrepo::testing {

// TimedRun is how one command ended.
struct TimedRun {
  // The exit status, or 128 + the signal that ended it.
  int exit_code = -1;
  // From fork to waitpid returning: the whole command, including opening
  // and closing the tool's database.
  double seconds = 0;
  // The command's peak resident set size in KiB, as GNU time reports it
  // (its child's ru_maxrss). Not this process's own wait4: a child forked
  // from a large process starts with that process's size as its maximum,
  // which exec keeps.
  int64_t peak_rss_kb = 0;
  // What it wrote to stdout and stderr, interleaved.
  std::string output;
};

// RunTimed runs `argv` (looked up in PATH) under /usr/bin/time, waits for
// it and returns how it ended (a command that fails is still OK: see
// exit_code). Its output goes to a file in `scratch_directory`, not a
// pipe, so the timing does not depend on how fast this process reads.
// INTERNAL when it cannot be started.
absl::StatusOr<TimedRun> RunTimed(const std::vector<std::string>& argv,
                                  const std::string& scratch_directory);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_TIMED_COMMAND_H_
