#include "worker/delete_upload_job.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/upload_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> DeleteUploadJob::Apply(const v1::JobArgs& args,
                                                     storage::Transaction& tx,
                                                     JobContext& /*context*/) {
  const v1::DeleteUploadArgs& request = args.delete_upload();
  ASSIGN_OR_RETURN(const int64_t deleted,
                   storage::DeleteUploadFiles(tx, request.directory(),
                                              request.filename()));
  if (deleted == 0) {
    return absl::NotFoundError(
        request.filename().empty()
            ? absl::StrCat("upload directory \"", request.directory(),
                           "\" does not exist (it has no files)")
            : absl::StrCat("upload directory \"", request.directory(),
                           "\" has no file \"", request.filename(), "\""));
  }
  v1::JobResult result;
  result.mutable_delete_upload()->set_deleted_files(deleted);
  return result;
}

}  // namespace debrepo::worker
