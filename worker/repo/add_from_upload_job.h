// repo.add_from_upload: adds the binary packages of an upload directory to
// a local repo.
#ifndef DEBREPO_WORKER_REPO_ADD_FROM_UPLOAD_JOB_H_
#define DEBREPO_WORKER_REPO_ADD_FROM_UPLOAD_JOB_H_

#include "blobstore/blob_store.h"
#include "worker/job_handler.h"
#include "worker/repo/package_import.h"

namespace debrepo::worker {

// AddFromUploadJob runs repo.add_from_upload.
class AddFromUploadJob
    : public TypedJobHandler<v1::AddFromUploadArgs, PreparedImport> {
 public:
  explicit AddFromUploadJob(blobstore::BlobStore* blobs) : blobs_(*blobs) {}

  // Reads every package of the directory from the blob store (the long
  // phase); files that are not valid packages are set aside with a reason.
  absl::StatusOr<PreparedImport> Prepare(const v1::AddFromUploadArgs& add,
                                         JobContext& context) const override;

  absl::StatusOr<v1::JobResult> Apply(const v1::AddFromUploadArgs& add,
                                      const PreparedImport& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;

 private:
  blobstore::BlobStore& blobs_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_ADD_FROM_UPLOAD_JOB_H_
