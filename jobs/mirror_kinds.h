// The job kinds that create, change, sync and drop mirrors.
#ifndef DEBREPO_JOBS_MIRROR_KINDS_H_
#define DEBREPO_JOBS_MIRROR_KINDS_H_

#include "jobs/job_kind.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// kCreateMirror ("mirror.create") adds a mirror, with no packages, under a
// name no mirror has.
extern const JobKind<v1::CreateMirrorArgs> kCreateMirror;
// kUpdateMirror ("mirror.update") edits a mirror's settings, or renames it
// (holding the old and the new name).
extern const JobKind<v1::UpdateMirrorArgs> kUpdateMirror;
// kDeleteMirror ("mirror.delete") drops a mirror.
extern const JobKind<v1::DeleteMirrorArgs> kDeleteMirror;
// kSyncMirror ("mirror.sync") downloads what a mirror selects and replaces
// its package list, holding the mirror for the whole download: edits,
// drops and snapshots of it wait.
extern const JobKind<v1::SyncMirrorArgs> kSyncMirror;

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_MIRROR_KINDS_H_
