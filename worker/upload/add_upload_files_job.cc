#include "worker/upload/add_upload_files_job.h"

#include <vector>

#include "common/status_macros.h"
#include "storage/upload_store.h"

namespace debrepo::worker {

// Both kinds hold the directory exclusively: a repo being filled from it
// sees the directory before or after all of the files, never half-way; and
// they are recorded in one statement of the job's transaction, so all or
// none.

absl::StatusOr<v1::JobResult> AddUploadFileJob::Apply(
    const v1::AddUploadFileArgs& add, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  google::protobuf::RepeatedPtrField<v1::UploadFile> one;
  *one.Add() = add.file();
  ASSIGN_OR_RETURN(std::vector<v1::UploadFile> stored,
                   storage::ReplaceUploadFiles(tx, one));
  v1::JobResult result;
  *result.mutable_upload_file() = std::move(stored.front());
  return result;
}

absl::StatusOr<v1::JobResult> AddUploadFilesJob::Apply(
    const v1::AddUploadFilesArgs& add, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& /*context*/) const {
  ASSIGN_OR_RETURN(std::vector<v1::UploadFile> stored,
                   storage::ReplaceUploadFiles(tx, add.files()));
  v1::JobResult result;
  v1::AddUploadFilesResult& recorded = *result.mutable_add_upload_files();
  recorded.set_file_count(static_cast<int64_t>(stored.size()));
  for (const v1::UploadFile& file : stored) {
    recorded.set_total_size(recorded.total_size() + file.size());
  }
  return result;
}

}  // namespace debrepo::worker
