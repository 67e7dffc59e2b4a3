// SnapshotOperations carried out by Debian's aptly, one command each, in a
// throw-away aptly root.
#ifndef DEBREPO_TESTS_BENCH_APTLY_SNAPSHOT_OPERATIONS_H_
#define DEBREPO_TESTS_BENCH_APTLY_SNAPSHOT_OPERATIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "tests/bench/aptly.h"
#include "tests/bench/snapshot_operations.h"

namespace debrepo::testing {

// AptlySnapshotOperations times each aptly command from fork to exit (so
// each includes opening aptly's database, as a user's command does) and
// takes its peak memory from wait4. Counts are read afterwards, untimed,
// with `aptly snapshot show`.
class AptlySnapshotOperations : public SnapshotOperations {
 public:
  // AptlySnapshotOperations keeps aptly's root, config and the package
  // files it adds under `directory`, which must exist.
  explicit AptlySnapshotOperations(const std::string& directory);

  // Load writes the workload's files to disk and adds them with `aptly
  // repo add`.
  absl::Status Load(const SnapshotWorkload& workload) override;
  // StartAfresh does nothing: each aptly command is a new process.
  absl::Status StartAfresh() override { return absl::OkStatus(); }
  Measured CreateFromRepo(const std::string& snapshot,
                          const std::string& repo) override;
  Measured Merge(const std::string& destination,
                 const std::vector<std::string>& sources) override;
  // Diff counts the "+", "-" and "!" lines of `aptly snapshot diff`.
  Measured Diff(const std::string& left, const std::string& right) override;
  Measured Filter(const std::string& source, const std::string& destination,
                  const std::string& query) override;
  // Pull gives each name as a query argument of its own.
  Measured Pull(const std::string& base, const std::string& source,
                const std::string& destination,
                const std::vector<std::string>& names) override;
  // PackageIds reads `aptly snapshot show -with-packages`.
  absl::StatusOr<std::vector<std::string>> PackageIds(
      const std::string& snapshot) override;

  // aptly is the aptly root the operations run in.
  const Aptly& aptly() const { return aptly_; }

 private:
  // Timed runs `args`, timed; when aptly succeeds, `count` (untimed)
  // makes the Measured's count from the run.
  Measured Timed(
      const std::vector<std::string>& args,
      absl::FunctionRef<absl::StatusOr<int64_t>(const TimedRun&)> count);
  // TimedCreation is Timed counting the packages of the snapshot `created`.
  Measured TimedCreation(const std::vector<std::string>& args,
                         const std::string& created);

  std::string directory_;
  Aptly aptly_;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_APTLY_SNAPSHOT_OPERATIONS_H_
