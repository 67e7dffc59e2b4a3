#include "worker/job_handlers.h"

#include "jobs/admin_kinds.h"
#include "jobs/repo_kinds.h"
#include "jobs/upload_kinds.h"
#include "worker/add_from_upload_job.h"
#include "worker/add_packages_job.h"
#include "worker/add_upload_files_job.h"
#include "worker/copy_packages_job.h"
#include "worker/create_repo_job.h"
#include "worker/delete_repo_job.h"
#include "worker/delete_upload_job.h"
#include "worker/include_changes_job.h"
#include "worker/noop_job.h"
#include "worker/remove_packages_job.h"
#include "worker/update_repo_job.h"

namespace debrepo::worker {

JobHandlers MakeJobHandlers(blobstore::BlobStore* blobs,
                            std::optional<deb::GpgvVerifier> verifier) {
  JobHandlers handlers;
  handlers.emplace(jobs::kNoop.name, std::make_unique<NoopJob>());
  handlers.emplace(jobs::kCreateRepo.name, std::make_unique<CreateRepoJob>());
  handlers.emplace(jobs::kUpdateRepo.name, std::make_unique<UpdateRepoJob>());
  handlers.emplace(jobs::kDeleteRepo.name, std::make_unique<DeleteRepoJob>());
  // One handler for both: a one-file upload keeps the kind that workers
  // of every version run.
  handlers.emplace(jobs::kAddUploadFile.name,
                   std::make_unique<AddUploadFilesJob>());
  handlers.emplace(jobs::kAddUploadFiles.name,
                   std::make_unique<AddUploadFilesJob>());
  handlers.emplace(jobs::kDeleteUpload.name,
                   std::make_unique<DeleteUploadJob>());
  handlers.emplace(jobs::kAddFromUpload.name,
                   std::make_unique<AddFromUploadJob>(blobs));
  handlers.emplace(jobs::kAddPackages.name, std::make_unique<AddPackagesJob>());
  handlers.emplace(jobs::kRemovePackages.name,
                   std::make_unique<RemovePackagesJob>());
  // One handler for both: a move is a copy that also removes.
  handlers.emplace(jobs::kCopyPackages.name,
                   std::make_unique<CopyPackagesJob>());
  handlers.emplace(jobs::kMovePackages.name,
                   std::make_unique<CopyPackagesJob>());
  handlers.emplace(
      jobs::kIncludeChanges.name,
      std::make_unique<IncludeChangesJob>(blobs, std::move(verifier)));
  return handlers;
}

}  // namespace debrepo::worker
