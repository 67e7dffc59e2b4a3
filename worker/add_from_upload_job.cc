#include "worker/add_from_upload_job.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/package_import.h"

namespace debrepo::worker {

absl::Status AddFromUploadJob::Prepare(const v1::JobArgs& args,
                                       JobContext& context) {
  ASSIGN_OR_RETURN(
      std::vector<v1::UploadFile> files,
      ListUploadDirectory(context, args.add_from_upload().directory()));
  PreparedImport prepared;
  for (const v1::UploadFile& file : files) {
    if (!IsBinaryPackageFile(file.filename())) {
      prepared.SetAside(file.filename(),
                        "not a binary package (.deb or .udeb); source "
                        "packages (.dsc) are not supported yet");
      continue;
    }
    absl::StatusOr<storage::NewPackage> package = ReadPackage(blobs_, file);
    if (!package.ok()) {
      prepared.SetAside(file.filename(), package.status().message());
      continue;
    }
    prepared.packages.push_back({file, *std::move(package)});
  }
  context.Log(absl::StrCat("read ", prepared.packages.size(), " packages, ",
                           prepared.failed.size(), " files set aside"));
  context.prepared() = std::move(prepared);
  return absl::OkStatus();
}

absl::StatusOr<v1::JobResult> AddFromUploadJob::Apply(
    const v1::JobArgs& args, storage::Transaction& tx, JobContext& context) {
  const v1::AddFromUploadArgs& request = args.add_from_upload();
  return ImportPrepared(tx, request.name(), request.directory(), context,
                        request.force_replace(), request.no_remove_files());
}

}  // namespace debrepo::worker
