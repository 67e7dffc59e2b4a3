// upload.add_file: records an uploaded file (its bytes already in the blob
// store) in its upload directory.
#ifndef DEBREPO_WORKER_ADD_UPLOAD_FILE_JOB_H_
#define DEBREPO_WORKER_ADD_UPLOAD_FILE_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

class AddUploadFileJob : public JobHandler {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::JobArgs& args,
                                      storage::Transaction& tx,
                                      JobContext& context) override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_ADD_UPLOAD_FILE_JOB_H_
