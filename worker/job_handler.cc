#include "worker/job_handler.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

namespace debrepo::worker {

JobContext::JobContext(Options options) : options_(std::move(options)) {}

absl::StatusOr<std::string> JobContext::StagingDir() {
  if (staging_dir_.has_value()) return *staging_dir_;
  const std::string path =
      absl::StrCat(options_.staging_root, "/job-", options_.job_id, "/attempt-",
                   options_.attempt);
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create the staging directory ", path, ": ",
                     error.message(), "; check --staging_dir"));
  }
  staging_dir_ = path;
  return path;
}

}  // namespace debrepo::worker
