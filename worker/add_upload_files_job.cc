#include "worker/add_upload_file_job.h"

#include "common/status_macros.h"
#include "storage/upload_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> AddUploadFileJob::Apply(
    const v1::JobArgs& args, storage::Transaction& tx,
    JobContext& /*context*/) {
  // The directory is held exclusively: a repo being filled from it sees the
  // directory before or after this file, never half-way.
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_upload_file(),
                   storage::ReplaceUploadFile(tx, args.add_upload_file().file()));
  return result;
}

}  // namespace debrepo::worker
