// PublishOperations carried out by debrepo: real debrepo-server and
// debrepo-worker processes (a tests/harness Stack), through gRPC.
#ifndef DEBREPO_TESTS_BENCH_DEBREPO_PUBLISH_OPERATIONS_H_
#define DEBREPO_TESTS_BENCH_DEBREPO_PUBLISH_OPERATIONS_H_

#include <string>
#include <utility>

#include "tests/bench/debrepo_snapshot_operations.h"
#include "tests/bench/publish_operations.h"
#include "tests/harness.h"

namespace debrepo::testing {

// DebrepoPublishOperations times each publish from its submission to
// Jobs.WaitJob returning the ended job (the whole job path, the switch
// into place after the commit included), with the peak memory of the
// server and worker that `snapshots` measures.
class DebrepoPublishOperations : public PublishOperations {
 public:
  // `stack` and `snapshots` (which loaded the packages into `stack`, its
  // workers publishing to `publish_root`) must outlive it.
  DebrepoPublishOperations(Stack& stack, DebrepoSnapshotOperations& snapshots,
                           std::string publish_root)
      : stack_(stack),
        snapshots_(snapshots),
        publish_root_(std::move(publish_root)) {}

  Measured Publish(const std::string& prefix, const std::string& snapshot,
                   PublishOutputs outputs) override;
  Measured Switch(const std::string& prefix,
                  const std::string& snapshot) override;
  std::string PublishRoot() const override { return publish_root_; }

 private:
  Stack& stack_;
  DebrepoSnapshotOperations& snapshots_;
  const std::string publish_root_;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_DEBREPO_PUBLISH_OPERATIONS_H_
