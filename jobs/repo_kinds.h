// The job kinds that change local repos.
#ifndef DEBREPO_JOBS_REPO_KINDS_H_
#define DEBREPO_JOBS_REPO_KINDS_H_

#include "jobs/job_kind.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// kCreateRepo ("repo.create") adds a repo under a name no repo has.
extern const JobKind<v1::CreateRepoArgs> kCreateRepo;
// kUpdateRepo ("repo.update") edits a repo, or renames it (holding the old
// and the new name).
extern const JobKind<v1::UpdateRepoArgs> kUpdateRepo;
// kDeleteRepo ("repo.delete") drops a repo.
extern const JobKind<v1::DeleteRepoArgs> kDeleteRepo;
// kAddFromUpload ("repo.add_from_upload") adds the packages of an upload
// directory, holding the directory too.
extern const JobKind<v1::AddFromUploadArgs> kAddFromUpload;
// kIncludeChanges ("repo.include_changes") adds what the .changes files of
// an upload directory list, holding the directory too.
extern const JobKind<v1::IncludeChangesArgs> kIncludeChanges;
// kAddPackages ("repo.add_packages") adds stored packages by key.
extern const JobKind<v1::AddPackagesArgs> kAddPackages;
// kRemovePackages ("repo.remove_packages") removes packages by key or query.
extern const JobKind<v1::RemovePackagesArgs> kRemovePackages;
// kCopyPackages ("repo.copy_packages") and kMovePackages
// ("repo.move_packages") share CopyPackagesArgs: a move has `move` set.
extern const JobKind<v1::CopyPackagesArgs> kCopyPackages;
extern const JobKind<v1::CopyPackagesArgs> kMovePackages;
// kImportFromMirror ("repo.import") copies packages of a mirror into a
// repo, holding the mirror shared.
extern const JobKind<v1::ImportFromMirrorArgs> kImportFromMirror;

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_REPO_KINDS_H_
