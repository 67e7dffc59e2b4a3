#include "jobs/job_spec.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"

namespace debrepo::jobs {
namespace {

void SortUnique(std::vector<std::string>& keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

}  // namespace

std::string RepoKey(absl::string_view name) {
  return absl::StrCat("repo/", name);
}

std::string UploadKey(absl::string_view directory) {
  return absl::StrCat("upload/", directory);
}

absl::string_view KindOf(const v1::JobArgs& args) {
  switch (args.kind_case()) {
    case v1::JobArgs::kNoop:
      return kNoopKind;
    case v1::JobArgs::kCreateRepo:
      return kCreateRepoKind;
    case v1::JobArgs::kUpdateRepo:
      return kUpdateRepoKind;
    case v1::JobArgs::kDeleteRepo:
      return kDeleteRepoKind;
    case v1::JobArgs::kAddUploadFile:
      return kAddUploadFileKind;
    case v1::JobArgs::kAddUploadFiles:
      return kAddUploadFilesKind;
    case v1::JobArgs::kDeleteUpload:
      return kDeleteUploadKind;
    case v1::JobArgs::kAddFromUpload:
      return kAddFromUploadKind;
    case v1::JobArgs::kRemovePackages:
      return kRemovePackagesKind;
    case v1::JobArgs::kCopyPackages:
      return args.copy_packages().move() ? kMovePackagesKind
                                         : kCopyPackagesKind;
    case v1::JobArgs::kIncludeChanges:
      return kIncludeChangesKind;
    case v1::JobArgs::kAddPackages:
      return kAddPackagesKind;
    case v1::JobArgs::KIND_NOT_SET:
      break;
  }
  return "";
}

absl::StatusOr<JobSpec> MakeJobSpec(v1::JobArgs args) {
  JobSpec spec;
  spec.kind = std::string(KindOf(args));
  switch (args.kind_case()) {
    case v1::JobArgs::kNoop:
      if (!args.noop().resource().empty()) {
        spec.exclusive_keys.push_back(
            absl::StrCat("noop/", args.noop().resource()));
      }
      break;
    case v1::JobArgs::kCreateRepo:
      spec.exclusive_keys.push_back(RepoKey(args.create_repo().repo().name()));
      break;
    case v1::JobArgs::kUpdateRepo: {
      const v1::UpdateRepoArgs& update = args.update_repo();
      spec.exclusive_keys.push_back(RepoKey(update.name()));
      // A rename also locks the new name, so it races fairly with a create
      // of that name.
      if (std::find(update.fields().begin(), update.fields().end(), "name") !=
          update.fields().end()) {
        spec.exclusive_keys.push_back(RepoKey(update.repo().name()));
      }
      break;
    }
    case v1::JobArgs::kDeleteRepo:
      spec.exclusive_keys.push_back(RepoKey(args.delete_repo().name()));
      break;
    case v1::JobArgs::kAddUploadFile:
      spec.exclusive_keys.push_back(
          UploadKey(args.add_upload_file().file().directory()));
      break;
    case v1::JobArgs::kAddUploadFiles: {
      const auto& files = args.add_upload_files().files();
      if (files.empty() || files.size() > kMaxUploadFilesPerJob) {
        return absl::InvalidArgumentError(absl::StrCat(
            "an upload.add_files job records 1 to ", kMaxUploadFilesPerJob,
            " files, not ", files.size()));
      }
      for (const v1::UploadFile& file : files) {
        spec.exclusive_keys.push_back(UploadKey(file.directory()));
      }
      break;
    }
    case v1::JobArgs::kDeleteUpload:
      spec.exclusive_keys.push_back(
          UploadKey(args.delete_upload().directory()));
      break;
    case v1::JobArgs::kAddFromUpload:
      // The directory too: its files are read, then removed.
      spec.exclusive_keys.push_back(RepoKey(args.add_from_upload().name()));
      spec.exclusive_keys.push_back(
          UploadKey(args.add_from_upload().directory()));
      break;
    case v1::JobArgs::kRemovePackages:
      spec.exclusive_keys.push_back(RepoKey(args.remove_packages().name()));
      break;
    case v1::JobArgs::kAddPackages:
      spec.exclusive_keys.push_back(RepoKey(args.add_packages().name()));
      break;
    case v1::JobArgs::kIncludeChanges:
      spec.exclusive_keys.push_back(RepoKey(args.include_changes().name()));
      spec.exclusive_keys.push_back(
          UploadKey(args.include_changes().directory()));
      break;
    case v1::JobArgs::kCopyPackages: {
      // The source is only read by a copy, but changed by a move.
      const v1::CopyPackagesArgs& copy = args.copy_packages();
      spec.exclusive_keys.push_back(RepoKey(copy.destination()));
      (copy.move() ? spec.exclusive_keys : spec.shared_keys)
          .push_back(RepoKey(copy.source()));
      break;
    }
    case v1::JobArgs::KIND_NOT_SET:
      return absl::InvalidArgumentError("the job names no operation");
  }
  spec.shared_keys.push_back(std::string(kGcKey));
  SortUnique(spec.exclusive_keys);
  SortUnique(spec.shared_keys);
  // A key held exclusively is not also held shared.
  std::vector<std::string> shared_only;
  std::set_difference(spec.shared_keys.begin(), spec.shared_keys.end(),
                      spec.exclusive_keys.begin(), spec.exclusive_keys.end(),
                      std::back_inserter(shared_only));
  spec.shared_keys = std::move(shared_only);
  spec.args = std::move(args);
  return spec;
}

}  // namespace debrepo::jobs
