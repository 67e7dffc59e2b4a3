// SnapshotOperations carried out by debrepo: real debrepo-server and
// debrepo-worker processes (a tests/harness Stack), through gRPC.
#ifndef DEBREPO_TESTS_BENCH_DEBREPO_SNAPSHOT_OPERATIONS_H_
#define DEBREPO_TESTS_BENCH_DEBREPO_SNAPSHOT_OPERATIONS_H_

#include <functional>
#include <string>
#include <vector>

#include "tests/bench/snapshot_operations.h"
#include "tests/harness.h"

namespace debrepo::testing {

// DebrepoSnapshotOperations times each mutation from its submission to
// Jobs.WaitJob returning the ended job (the whole job path: submit, claim,
// locks, the job's transaction, finish, notify), and Diff from its first
// request to its last page. Peak memory is the VmHWM of the server and the
// worker the operations use, reset before each operation (to the current
// size: see StartAfresh). Counts are read afterwards with GetSnapshot,
// untimed.
class DebrepoSnapshotOperations : public SnapshotOperations {
 public:
  // DebrepoSnapshotOperations loads through server 0 and worker 0 of
  // `stack`, which must be running and outlive it; the workers it starts
  // get `worker_flags` too.
  explicit DebrepoSnapshotOperations(
      Stack& stack, std::vector<std::string> worker_flags = {});

  // Load uploads the workload's files (8 concurrent streams of 1,000
  // files) and adds them to repos "a" and "b", then starts afresh.
  absl::Status Load(const SnapshotWorkload& workload) override;
  // StartAfresh starts a server and a worker for the operations that
  // follow and stops the other workers.
  absl::Status StartAfresh() override;
  Measured CreateFromRepo(const std::string& snapshot,
                          const std::string& repo) override;
  Measured Merge(const std::string& destination,
                 const std::vector<std::string>& sources) override;
  // Diff reads every page of DiffSnapshots (10,000 changes a page).
  Measured Diff(const std::string& left, const std::string& right) override;
  Measured Filter(const std::string& source, const std::string& destination,
                  const std::string& query) override;
  // Pull joins the names into one query with "|".
  Measured Pull(const std::string& base, const std::string& source,
                const std::string& destination,
                const std::vector<std::string>& names) override;
  // PackageIds reads every page of ListSnapshotPackages (keys only).
  absl::StatusOr<std::vector<std::string>> PackageIds(
      const std::string& snapshot) override;

  // MeasureJob measures `submit` (the RPC `rpc_name`, returning a Job) and
  // the wait for the job, on the server and worker the operations use;
  // the status is the job's.
  Measured MeasureJob(const std::string& rpc_name,
                      const std::function<grpc::Status(v1::Job*)>& submit);
  // server is the index of the server the operations use.
  int server() const { return server_; }

 private:
  // Measure runs `operation` (which sets the Measured's status and count)
  // timed, with the peak memory of the server and worker during it.
  Measured Measure(const std::function<void(Measured&)>& operation);
  // TimedJob is MeasureJob that, when the job succeeds, counts the
  // packages of snapshot `created`.
  Measured TimedJob(const std::string& rpc_name,
                    const std::function<grpc::Status(v1::Job*)>& submit,
                    const std::string& created);

  Stack& stack_;
  const std::vector<std::string> worker_flags_;
  // The server and worker the operations use (and measure).
  int server_ = 0;
  int worker_ = 0;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_DEBREPO_SNAPSHOT_OPERATIONS_H_
