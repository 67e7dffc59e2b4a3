// The publish operations the publish benchmark times, as one interface
// that debrepo (through gRPC) and aptly (its command line) each implement,
// so that both publish exactly the same snapshots with the same outputs.
#ifndef DEBREPO_TESTS_BENCH_PUBLISH_OPERATIONS_H_
#define DEBREPO_TESTS_BENCH_PUBLISH_OPERATIONS_H_

#include <string>

#include "tests/bench/snapshot_operations.h"

namespace debrepo::testing {

// kPublishedDistribution is the distribution every benchmark publication
// has (each at a prefix of its own), one component "main", published for
// kArchitecture (packages of architecture "all" included), unsigned.
inline constexpr char kPublishedDistribution[] = "bench";

// PublishOutputs is which index files a publication writes.
enum class PublishOutputs {
  // aptly's defaults: Packages, Packages.gz, Packages.bz2 and Contents.
  kAptlyDefaults,
  // Packages and Packages.gz only (aptly's -skip-contents -skip-bz2).
  kGzipOnly,
};

// PublishOperations publishes snapshots with one tool.
class PublishOperations {
 public:
  virtual ~PublishOperations() = default;
  // Publish publishes `snapshot` at `prefix` (new), writing `outputs`.
  virtual Measured Publish(const std::string& prefix,
                           const std::string& snapshot,
                           PublishOutputs outputs) = 0;
  // Switch points the publication at `prefix` to `snapshot`.
  virtual Measured Switch(const std::string& prefix,
                          const std::string& snapshot) = 0;
  // PublishRoot is the directory the prefixes are under.
  virtual std::string PublishRoot() const = 0;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_PUBLISH_OPERATIONS_H_
