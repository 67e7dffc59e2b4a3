// upload.add_file and upload.add_files: record uploaded files (their bytes
// already durable in the blob store) in their upload directory.
#ifndef DEBREPO_WORKER_ADD_UPLOAD_FILES_JOB_H_
#define DEBREPO_WORKER_ADD_UPLOAD_FILES_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// AddUploadFilesJob runs both kinds: a one-file upload is recorded as
// upload.add_file (which workers of every version run), a multi-file one
// as upload.add_files.
class AddUploadFilesJob : public JobHandler {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::JobArgs& args,
                                      storage::Transaction& tx,
                                      JobContext& context) override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_ADD_UPLOAD_FILES_JOB_H_
