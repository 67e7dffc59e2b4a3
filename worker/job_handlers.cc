#include "worker/job_handlers.h"

#include <algorithm>

#include "jobs/admin_kinds.h"
#include "jobs/mirror_kinds.h"
#include "jobs/publish_kinds.h"
#include "jobs/repo_kinds.h"
#include "jobs/snapshot_kinds.h"
#include "jobs/upload_kinds.h"
#include "worker/admin/noop_job.h"
#include "worker/mirror/create_mirror_job.h"
#include "worker/mirror/delete_mirror_job.h"
#include "worker/mirror/update_mirror_job.h"
#include "worker/publish/create_publication_job.h"
#include "worker/publish/delete_publication_job.h"
#include "worker/publish/switch_publication_job.h"
#include "worker/publish/update_publication_job.h"
#include "worker/repo/add_from_upload_job.h"
#include "worker/repo/add_packages_job.h"
#include "worker/repo/copy_packages_job.h"
#include "worker/repo/create_repo_job.h"
#include "worker/repo/delete_repo_job.h"
#include "worker/repo/import_from_mirror_job.h"
#include "worker/repo/include_changes_job.h"
#include "worker/repo/remove_packages_job.h"
#include "worker/repo/update_repo_job.h"
#include "worker/snapshot/create_snapshot_job.h"
#include "worker/snapshot/delete_snapshot_job.h"
#include "worker/snapshot/filter_snapshot_job.h"
#include "worker/snapshot/merge_snapshots_job.h"
#include "worker/snapshot/pull_snapshot_job.h"
#include "worker/snapshot/update_snapshot_job.h"
#include "worker/upload/add_upload_files_job.h"
#include "worker/upload/delete_upload_job.h"

namespace debrepo::worker {

namespace {

// Named matches the registry entry of job kind `kind`.
auto Named(absl::string_view kind) {
  return [kind](const auto& entry) { return entry.first == kind; };
}

}  // namespace

const JobHandler* JobHandlers::Find(absl::string_view kind) const {
  auto it = std::find_if(handlers_.begin(), handlers_.end(), Named(kind));
  return it == handlers_.end() ? nullptr : it->second.get();
}

bool JobHandlers::Remove(absl::string_view kind) {
  auto it = std::find_if(handlers_.begin(), handlers_.end(), Named(kind));
  if (it == handlers_.end()) return false;
  handlers_.erase(it);
  return true;
}

std::vector<std::string> JobHandlers::kinds() const {
  std::vector<std::string> kinds;
  for (const auto& [name, handler] : handlers_) kinds.push_back(name);
  return kinds;
}

JobHandlers MakeJobHandlers(blobstore::BlobStore* blobs,
                            std::optional<deb::GpgvVerifier> verifier,
                            const PublicationTrees* trees,
                            absl::Duration blob_grace_period,
                            const std::string& test_after_commit_log,
                            const MirrorSyncOptions& mirror_sync) {
  JobHandlers handlers;
  handlers.Add(jobs::kNoop, std::make_unique<NoopJob>(test_after_commit_log));
  handlers.Add(jobs::kCleanup,
               std::make_unique<CleanupJob>(blobs, blob_grace_period));
  handlers.Add(jobs::kCreateRepo, std::make_unique<CreateRepoJob>());
  handlers.Add(jobs::kUpdateRepo, std::make_unique<UpdateRepoJob>());
  handlers.Add(jobs::kDeleteRepo, std::make_unique<DeleteRepoJob>());
  handlers.Add(jobs::kAddFromUpload, std::make_unique<AddFromUploadJob>(blobs));
  handlers.Add(jobs::kIncludeChanges,
               std::make_unique<IncludeChangesJob>(blobs, std::move(verifier)));
  handlers.Add(jobs::kAddPackages, std::make_unique<AddPackagesJob>());
  handlers.Add(jobs::kRemovePackages, std::make_unique<RemovePackagesJob>());
  // One handler for both: a move is a copy that also removes.
  handlers.Add(jobs::kCopyPackages, std::make_unique<CopyPackagesJob>());
  handlers.Add(jobs::kMovePackages, std::make_unique<CopyPackagesJob>());
  handlers.Add(jobs::kImportFromMirror,
               std::make_unique<ImportFromMirrorJob>());
  handlers.Add(jobs::kAddUploadFile, std::make_unique<AddUploadFileJob>());
  handlers.Add(jobs::kAddUploadFiles, std::make_unique<AddUploadFilesJob>());
  handlers.Add(jobs::kDeleteUpload, std::make_unique<DeleteUploadJob>());
  handlers.Add(jobs::kCreateSnapshot, std::make_unique<CreateSnapshotJob>());
  handlers.Add(jobs::kUpdateSnapshot, std::make_unique<UpdateSnapshotJob>());
  handlers.Add(jobs::kDeleteSnapshot, std::make_unique<DeleteSnapshotJob>());
  handlers.Add(jobs::kMergeSnapshots, std::make_unique<MergeSnapshotsJob>());
  handlers.Add(jobs::kPullSnapshot, std::make_unique<PullSnapshotJob>());
  handlers.Add(jobs::kFilterSnapshot, std::make_unique<FilterSnapshotJob>());
  handlers.Add(jobs::kCreateMirror, std::make_unique<CreateMirrorJob>());
  handlers.Add(jobs::kUpdateMirror, std::make_unique<UpdateMirrorJob>());
  handlers.Add(jobs::kDeleteMirror, std::make_unique<DeleteMirrorJob>());
  handlers.Add(jobs::kSyncMirror,
               std::make_unique<SyncMirrorJob>(blobs, mirror_sync));
  if (trees != nullptr) {
    handlers.Add(jobs::kCreatePublication,
                 std::make_unique<CreatePublicationJob>(trees));
    handlers.Add(jobs::kUpdatePublication,
                 std::make_unique<UpdatePublicationJob>(trees));
    handlers.Add(jobs::kSwitchPublication,
                 std::make_unique<SwitchPublicationJob>(trees));
    handlers.Add(jobs::kDeletePublication,
                 std::make_unique<DeletePublicationJob>(trees));
  }
  return handlers;
}

}  // namespace debrepo::worker
