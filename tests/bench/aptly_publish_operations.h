// PublishOperations carried out by aptly's command line.
#ifndef DEBREPO_TESTS_BENCH_APTLY_PUBLISH_OPERATIONS_H_
#define DEBREPO_TESTS_BENCH_APTLY_PUBLISH_OPERATIONS_H_

#include <string>
#include <vector>

#include "tests/bench/aptly.h"
#include "tests/bench/publish_operations.h"

namespace debrepo::testing {

// AptlyPublishOperations times each `aptly publish` command as a whole
// process, with its peak memory.
class AptlyPublishOperations : public PublishOperations {
 public:
  // AptlyPublishOperations publishes from `aptly`'s root, which must
  // outlive it.
  explicit AptlyPublishOperations(const Aptly& aptly) : aptly_(aptly) {}

  Measured Publish(const std::string& prefix, const std::string& snapshot,
                   PublishOutputs outputs) override;
  Measured Switch(const std::string& prefix,
                  const std::string& snapshot) override;
  std::string PublishRoot() const override { return aptly_.PublicDir(); }

 private:
  Measured Timed(const std::vector<std::string>& args) const;

  const Aptly& aptly_;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_APTLY_PUBLISH_OPERATIONS_H_
