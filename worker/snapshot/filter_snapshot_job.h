// snapshot.filter: makes a snapshot of the packages of another that match
// a query, optionally with their dependencies.
#ifndef DEBREPO_WORKER_SNAPSHOT_FILTER_SNAPSHOT_JOB_H_
#define DEBREPO_WORKER_SNAPSHOT_FILTER_SNAPSHOT_JOB_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "worker/job_handler.h"

namespace debrepo::worker {

// PreparedFilter is what a filter's long phase resolved.
struct PreparedFilter {
  // With with_deps: the matching packages and their dependencies within
  // the source, sorted.
  std::optional<std::vector<int64_t>> package_ids;
};

// FilterSnapshotJob runs snapshot.filter.
class FilterSnapshotJob
    : public TypedJobHandler<v1::FilterSnapshotArgs, PreparedFilter> {
 public:
  // With with_deps, resolves the dependencies of the matching packages
  // within the source (held shared since before this phase).
  absl::StatusOr<PreparedFilter> Prepare(const v1::FilterSnapshotArgs& filter,
                                         JobContext& context) const override;

  absl::StatusOr<v1::JobResult> Apply(const v1::FilterSnapshotArgs& filter,
                                      const PreparedFilter& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_SNAPSHOT_FILTER_SNAPSHOT_JOB_H_
