#include "worker/upload/delete_upload_job.h"

#include <cstdint>

#include "common/status_macros.h"
#include "storage/upload_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> DeleteUploadJob::Apply(
    const v1::DeleteUploadArgs& request, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  ASSIGN_OR_RETURN(
      const int64_t deleted,
      storage::DeleteUploadFiles(tx, request.directory(), request.filename()));
  if (deleted == 0) {
    return storage::UploadNotFound(request.directory(), request.filename());
  }
  v1::JobResult result;
  result.mutable_delete_upload()->set_deleted_files(deleted);
  return result;
}

}  // namespace debrepo::worker
