// repo.add_from_upload: adds the binary packages of an upload directory to
// a local repo.
#ifndef DEBREPO_WORKER_ADD_FROM_UPLOAD_JOB_H_
#define DEBREPO_WORKER_ADD_FROM_UPLOAD_JOB_H_

#include "blobstore/blob_store.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

class AddFromUploadJob : public JobHandler {
 public:
  explicit AddFromUploadJob(blobstore::BlobStore* blobs) : blobs_(*blobs) {}

  // Reads every .deb/.udeb of the directory from the blob store (the long
  // phase); files that are not valid packages are set aside with a reason.
  absl::Status Prepare(const v1::JobArgs& args, JobContext& context) override;

  absl::StatusOr<v1::JobResult> Apply(const v1::JobArgs& args,
                                      storage::Transaction& tx,
                                      JobContext& context) override;

 private:
  blobstore::BlobStore& blobs_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_ADD_FROM_UPLOAD_JOB_H_
