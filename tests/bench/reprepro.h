// Running Debian's reprepro for side-by-side benchmarks: one distribution
// in a throw-away base directory, its export timed with its peak memory.
#ifndef DEBREPO_TESTS_BENCH_REPREPRO_H_
#define DEBREPO_TESTS_BENCH_REPREPRO_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/bench/timed_command.h"

namespace debrepo::testing {

// Reprepro keeps a reprepro base directory with one distribution,
// "bench", of one component, "main", for `architectures`, writing the
// indices apt reads by default: Packages and Packages.gz.
class Reprepro {
 public:
  // Reprepro writes `directory`/conf/distributions; `directory` must
  // exist. The destructor removes what reprepro made in it.
  Reprepro(const std::string& directory,
           const std::vector<std::string>& architectures);
  ~Reprepro();
  Reprepro(const Reprepro&) = delete;
  Reprepro& operator=(const Reprepro&) = delete;

  // IncludeDebs adds every .deb file of `files_directory` (untimed set-up;
  // reprepro exports after each call).
  absl::Status IncludeDebs(const std::string& files_directory) const;

  // Export writes the distribution's indices again (`reprepro export`),
  // timed.
  absl::StatusOr<TimedRun> Export() const;

  // DistDir is the exported dists/bench directory.
  std::string DistDir() const { return directory_ + "/dists/bench"; }

 private:
  std::string directory_;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_REPREPRO_H_
