// upload.delete: removes a file, or every file, from an upload directory.
#ifndef DEBREPO_WORKER_UPLOAD_DELETE_UPLOAD_JOB_H_
#define DEBREPO_WORKER_UPLOAD_DELETE_UPLOAD_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

// DeleteUploadJob runs upload.delete.
class DeleteUploadJob : public TypedJobHandler<v1::DeleteUploadArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::DeleteUploadArgs& request,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_UPLOAD_DELETE_UPLOAD_JOB_H_
