// snapshot.merge: makes a snapshot of several others, merged by aptly's
// rules (MergeSnapshotsRequest).
#ifndef DEBREPO_WORKER_SNAPSHOT_MERGE_SNAPSHOTS_JOB_H_
#define DEBREPO_WORKER_SNAPSHOT_MERGE_SNAPSHOTS_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// MergeSnapshotsJob runs snapshot.merge. It has no long phase: the merge
// reads each source in the transaction, under the sources' shared locks,
// so it sees them as they are when the job holds its locks.
class MergeSnapshotsJob : public TypedJobHandler<v1::MergeSnapshotsArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::MergeSnapshotsArgs& merge,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_SNAPSHOT_MERGE_SNAPSHOTS_JOB_H_
