// The job kinds that create, change and drop snapshots.
#ifndef DEBREPO_JOBS_SNAPSHOT_KINDS_H_
#define DEBREPO_JOBS_SNAPSHOT_KINDS_H_

#include "jobs/job_kind.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// kCreateSnapshot ("snapshot.create") makes a snapshot of a repo or a
// mirror (holding it shared, so it sees a whole job's changes or none),
// of package keys, or empty.
extern const JobKind<v1::CreateSnapshotArgs> kCreateSnapshot;
// kUpdateSnapshot ("snapshot.update") edits a snapshot's description, or
// renames it (holding the old and the new name).
extern const JobKind<v1::UpdateSnapshotArgs> kUpdateSnapshot;
// kDeleteSnapshot ("snapshot.delete") drops a snapshot.
extern const JobKind<v1::DeleteSnapshotArgs> kDeleteSnapshot;
// kMergeSnapshots ("snapshot.merge") makes a snapshot from several,
// holding each source shared.
extern const JobKind<v1::MergeSnapshotsArgs> kMergeSnapshots;
// kPullSnapshot ("snapshot.pull") makes a snapshot from a base and what it
// pulls from a source, holding both shared. A dry run creates nothing and
// so does not hold the destination's name.
extern const JobKind<v1::PullSnapshotArgs> kPullSnapshot;
// kFilterSnapshot ("snapshot.filter") makes a snapshot of part of another,
// holding the source shared.
extern const JobKind<v1::FilterSnapshotArgs> kFilterSnapshot;

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_SNAPSHOT_KINDS_H_
