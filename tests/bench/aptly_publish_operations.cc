#include "tests/bench/aptly_publish_operations.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/bench/bench_table.h"
#include "tests/bench/snapshot_workload.h"

namespace debrepo::testing {

Measured AptlyPublishOperations::Timed(
    const std::vector<std::string>& args) const {
  return MeasuredRun(aptly_.Run(args), "aptly",
                     absl::StrCat("aptly ", absl::StrJoin(args, " ")));
}

Measured AptlyPublishOperations::Publish(const std::string& prefix,
                                         const std::string& snapshot,
                                         PublishOutputs outputs) {
  std::vector<std::string> args = {
      "publish",         "snapshot",
      "-skip-signing",   absl::StrCat("-distribution=", kPublishedDistribution),
      "-component=main", absl::StrCat("-architectures=", kArchitecture)};
  if (outputs == PublishOutputs::kGzipOnly) {
    args.push_back("-skip-contents");
    args.push_back("-skip-bz2");
  }
  args.push_back(snapshot);
  args.push_back(prefix);
  return Timed(args);
}

Measured AptlyPublishOperations::Switch(const std::string& prefix,
                                        const std::string& snapshot) {
  return Timed({"publish", "switch", "-skip-signing", kPublishedDistribution,
                prefix, snapshot});
}

}  // namespace debrepo::testing
