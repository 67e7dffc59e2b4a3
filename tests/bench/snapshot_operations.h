// The snapshot operations the snapshot benchmark times, as one interface
// that debrepo (through gRPC) and aptly (its command line) each implement,
// so that both run exactly the same sequence on the same packages.
#ifndef DEBREPO_TESTS_BENCH_SNAPSHOT_OPERATIONS_H_
#define DEBREPO_TESTS_BENCH_SNAPSHOT_OPERATIONS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/bench/snapshot_workload.h"

namespace debrepo::testing {

// Measured is one timed operation.
struct Measured {
  // OK, or why the operation failed (its other fields then mean nothing).
  absl::Status status;
  // Wall time of the operation as a client sees it.
  double seconds = 0;
  // Peak resident memory of each process involved, during the operation
  // only, in KiB: (process, KiB).
  std::vector<std::pair<std::string, int64_t>> peak_kb;
  // What it produced, to check that both tools did the same work: the new
  // snapshot's package count, or the number of a diff's lines.
  int64_t count = 0;
};

// SnapshotOperations runs snapshot operations with one tool. Snapshot
// names are the caller's; each operation's destination is a new name.
class SnapshotOperations {
 public:
  virtual ~SnapshotOperations() = default;
  // Load creates the local repos "a" and "b" holding the workload's
  // packages (untimed set-up).
  virtual absl::Status Load(const SnapshotWorkload& workload) = 0;
  // StartAfresh makes the next operation's peak memory its own, not left
  // over from earlier ones (an allocator keeps what a process freed).
  virtual absl::Status StartAfresh() = 0;
  // CreateFromRepo snapshots `repo` as `snapshot`.
  virtual Measured CreateFromRepo(const std::string& snapshot,
                                  const std::string& repo) = 0;
  // Merge merges `sources` (left to right, the last one holding a name and
  // architecture wins) into `destination`.
  virtual Measured Merge(const std::string& destination,
                         const std::vector<std::string>& sources) = 0;
  // Diff lists what differs from `left` to `right` (every line, added,
  // removed and changed).
  virtual Measured Diff(const std::string& left, const std::string& right) = 0;
  // Filter keeps the packages of `source` matching `query` and their
  // dependencies (for kArchitecture) in `destination`.
  virtual Measured Filter(const std::string& source,
                          const std::string& destination,
                          const std::string& query) = 0;
  // Pull pulls the packages `names` of `source`, with their dependencies
  // (for kArchitecture), into `base`, replacing base's versions of them,
  // and saves the result as `destination`.
  virtual Measured Pull(const std::string& base, const std::string& source,
                        const std::string& destination,
                        const std::vector<std::string>& names) = 0;
  // PackageIds lists the packages of `snapshot` as "name_version_arch",
  // sorted (untimed): what the tools made can then be compared.
  virtual absl::StatusOr<std::vector<std::string>> PackageIds(
      const std::string& snapshot) = 0;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_SNAPSHOT_OPERATIONS_H_
