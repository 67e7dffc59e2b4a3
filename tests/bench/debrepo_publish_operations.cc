#include "tests/bench/debrepo_publish_operations.h"

#include "absl/time/time.h"
#include "proto/debrepo/v1/publish.grpc.pb.h"
#include "tests/bench/snapshot_workload.h"

namespace debrepo::testing {
namespace {

// A 63,440-package publication with aptly's outputs takes seconds; leave
// room for a slow machine.
constexpr absl::Duration kRpcTimeout = absl::Seconds(120);

}  // namespace

Measured DebrepoPublishOperations::Publish(const std::string& prefix,
                                           const std::string& snapshot,
                                           PublishOutputs outputs) {
  v1::CreatePublicationRequest request;
  v1::Publication& publication = *request.mutable_publication();
  publication.set_prefix(prefix);
  publication.set_distribution(kPublishedDistribution);
  v1::PublishedComponent& component = *publication.add_components();
  component.set_component("main");
  component.set_snapshot(snapshot);
  publication.add_architectures(kArchitecture);
  publication.set_skip_signing(true);
  publication.add_compressions(v1::GZIP);
  if (outputs == PublishOutputs::kAptlyDefaults) {
    publication.add_compressions(v1::BZIP2);
  } else {
    publication.set_skip_contents(true);
  }
  return snapshots_.MeasureJob("CreatePublication", [&](v1::Job* job) {
    return stack_.publish(snapshots_.server())
        .CreatePublication(Deadline(kRpcTimeout).get(), request, job);
  });
}

Measured DebrepoPublishOperations::Switch(const std::string& prefix,
                                          const std::string& snapshot) {
  v1::SwitchPublicationRequest request;
  request.mutable_publication()->set_prefix(prefix);
  request.mutable_publication()->set_distribution(kPublishedDistribution);
  v1::PublishedComponent& component = *request.add_components();
  component.set_component("main");
  component.set_snapshot(snapshot);
  return snapshots_.MeasureJob("SwitchPublication", [&](v1::Job* job) {
    return stack_.publish(snapshots_.server())
        .SwitchPublication(Deadline(kRpcTimeout).get(), request, job);
  });
}

}  // namespace debrepo::testing
