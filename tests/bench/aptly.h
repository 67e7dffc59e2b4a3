// Running Debian's aptly (1.5) for side-by-side benchmarks: each command in
// a throw-away configuration and root directory of its own, timed, with its
// peak memory.
#ifndef DEBREPO_TESTS_BENCH_APTLY_H_
#define DEBREPO_TESTS_BENCH_APTLY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/bench/timed_command.h"

namespace debrepo::testing {

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

  // Run runs `aptly -config=<conf> args...` with RunTimed.
  absl::StatusOr<TimedRun> Run(const std::vector<std::string>& args) const;

  // PublicDir is where aptly writes published trees.
  std::string PublicDir() const { return directory_ + "/root/public"; }

 private:
  std::string directory_;
  std::string config_path_;
};

// PackageCount returns N of the "Number of packages: N" line that
// `aptly repo show` and `aptly mirror show` print (debrepo's CLI prints it
// too), or -1 when `output` has none.
int64_t PackageCount(const std::string& output);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_APTLY_H_
