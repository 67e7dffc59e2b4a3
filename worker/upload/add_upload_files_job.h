// upload.add_file and upload.add_files: record uploaded files (their bytes
// already durable in the blob store) in their upload directory.
#ifndef DEBREPO_WORKER_UPLOAD_ADD_UPLOAD_FILES_JOB_H_
#define DEBREPO_WORKER_UPLOAD_ADD_UPLOAD_FILES_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// AddUploadFileJob records a one-file upload (upload.add_file, the kind
// that workers of every version run).
class AddUploadFileJob : public TypedJobHandler<v1::AddUploadFileArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::AddUploadFileArgs& add,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

// AddUploadFilesJob records a multi-file upload (upload.add_files).
class AddUploadFilesJob : public TypedJobHandler<v1::AddUploadFilesArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::AddUploadFilesArgs& add,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_UPLOAD_ADD_UPLOAD_FILES_JOB_H_
