#include "worker/add_upload_files_job.h"

#include <vector>

#include "common/status_macros.h"
#include "storage/upload_store.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> AddUploadFilesJob::Apply(
    const v1::JobArgs& args, storage::Transaction& tx,
    JobContext& /*context*/) {
  // The directory is held exclusively: a repo being filled from it sees the
  // directory before or after all of these files, never half-way; and they
  // are recorded in one statement of the job's transaction, so all or none.
  v1::JobResult result;
  if (args.has_add_upload_file()) {
    google::protobuf::RepeatedPtrField<v1::UploadFile> one;
    *one.Add() = args.add_upload_file().file();
    ASSIGN_OR_RETURN(std::vector<v1::UploadFile> stored,
                     storage::ReplaceUploadFiles(tx, one));
    *result.mutable_upload_file() = std::move(stored.front());
    return result;
  }
  ASSIGN_OR_RETURN(
      std::vector<v1::UploadFile> stored,
      storage::ReplaceUploadFiles(tx, args.add_upload_files().files()));
  v1::AddUploadFilesResult& recorded = *result.mutable_add_upload_files();
  recorded.set_file_count(static_cast<int64_t>(stored.size()));
  for (const v1::UploadFile& file : stored) {
    recorded.set_total_size(recorded.total_size() + file.size());
  }
  return result;
}

}  // namespace debrepo::worker
