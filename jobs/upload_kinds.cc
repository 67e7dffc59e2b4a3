#include "jobs/upload_kinds.h"

#include "absl/strings/str_cat.h"
#include "jobs/job_spec.h"
#include "storage/database.h"
#include "storage/upload_store.h"

namespace debrepo::jobs {

const JobKind<v1::AddUploadFileArgs> kAddUploadFile = {
    .name = "upload.add_file",
    .args_case = v1::JobArgs::kAddUploadFile,
    .args = &v1::JobArgs::add_upload_file,
    .keys =
        [](const v1::AddUploadFileArgs& add, ResourceKeys& keys) {
          keys.exclusive.push_back(UploadKey(add.file().directory()));
          return absl::OkStatus();
        },
};

const JobKind<v1::AddUploadFilesArgs> kAddUploadFiles = {
    .name = "upload.add_files",
    .args_case = v1::JobArgs::kAddUploadFiles,
    .args = &v1::JobArgs::add_upload_files,
    .keys =
        [](const v1::AddUploadFilesArgs& add, ResourceKeys& keys) {
          if (add.files().empty() || add.files_size() > kMaxUploadFilesPerJob) {
            return absl::InvalidArgumentError(absl::StrCat(
                "an upload.add_files job records 1 to ", kMaxUploadFilesPerJob,
                " files, not ", add.files_size()));
          }
          for (const v1::UploadFile& file : add.files()) {
            keys.exclusive.push_back(UploadKey(file.directory()));
          }
          return absl::OkStatus();
        },
};

const JobKind<v1::DeleteUploadArgs> kDeleteUpload = {
    .name = "upload.delete",
    .args_case = v1::JobArgs::kDeleteUpload,
    .args = &v1::JobArgs::delete_upload,
    .keys =
        [](const v1::DeleteUploadArgs& drop, ResourceKeys& keys) {
          keys.exclusive.push_back(UploadKey(drop.directory()));
          return absl::OkStatus();
        },
    .fail_fast =
        [](storage::Database& db, const v1::DeleteUploadArgs& drop) {
          return storage::CheckUploadExists(db, drop.directory(),
                                            drop.filename());
        },
};

}  // namespace debrepo::jobs
