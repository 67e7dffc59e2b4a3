#include "jobs/job_spec.h"

#include "absl/strings/str_cat.h"

namespace debrepo::jobs {

std::string RepoKey(absl::string_view name) {
  return absl::StrCat("repo/", name);
}

std::string UploadKey(absl::string_view directory) {
  return absl::StrCat("upload/", directory);
}

std::string SnapshotKey(absl::string_view name) {
  return absl::StrCat("snapshot/", name);
}

std::string MirrorKey(absl::string_view name) {
  return absl::StrCat("mirror/", name);
}

std::string PublishedKey(absl::string_view storage, absl::string_view prefix,
                         absl::string_view distribution) {
  return absl::StrCat("published/", storage, "/", prefix, "/", distribution);
}

}  // namespace debrepo::jobs
