#include "worker/job_handler.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace debrepo::worker {
namespace {

// The payload AsJobFailure adds to a status.
constexpr char kJobFailureUrl[] = "type.debrepo.dev/job_failure";

}  // namespace

absl::Status AsJobFailure(absl::Status status) {
  if (!status.ok()) status.SetPayload(kJobFailureUrl, absl::Cord("1"));
  return status;
}

bool IsJobFailure(const absl::Status& status) {
  return status.GetPayload(kJobFailureUrl).has_value();
}

JobContext::JobContext(Options options) : options_(std::move(options)) {}

absl::StatusOr<std::string> JobContext::MakeStagingDir(
    absl::string_view leaf) const {
  const std::string path =
      absl::StrCat(options_.staging_root, "/job-", options_.job_id, "/", leaf);
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create the staging directory ", path, ": ",
                     error.message(), "; check --staging_dir"));
  }
  return path;
}

absl::Status JobContext::Read(
    const std::function<absl::Status(storage::Transaction&)>& fn) {
  absl::MutexLock lock(&session_mu_);
  return options_.reader(fn);
}

bool JobContext::CancelRequested() {
  absl::MutexLock lock(&session_mu_);
  if (cancel_requested_ || options_.cancel_reader == nullptr ||
      absl::Now() - last_cancel_check_ < kCancelCheckInterval) {
    return cancel_requested_;
  }
  last_cancel_check_ = absl::Now();
  absl::StatusOr<bool> requested = options_.cancel_reader();
  if (!requested.ok()) {
    LogWarning("job ", options_.job_id, ": cannot check for a cancel: ",
               requested.status().ToString());
    return false;
  }
  cancel_requested_ = *requested;
  return cancel_requested_;
}

absl::Status JobContext::StopRequested() {
  if (Interrupted()) return absl::CancelledError("the worker is stopping");
  if (CancelRequested()) {
    return absl::CancelledError(
        "cancelled while it ran; nothing was recorded");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> JobContext::StagingDir() {
  if (!staging_dir_.has_value()) {
    absl::StatusOr<std::string> path =
        MakeStagingDir(absl::StrCat("attempt-", options_.attempt));
    if (!path.ok()) return path.status();
    staging_dir_ = *std::move(path);
  }
  return *staging_dir_;
}

absl::StatusOr<std::string> JobContext::SharedStagingDir() {
  if (!shared_staging_dir_.has_value()) {
    absl::StatusOr<std::string> path = MakeStagingDir("shared");
    if (!path.ok()) return path.status();
    shared_staging_dir_ = *std::move(path);
  }
  return *shared_staging_dir_;
}

void JobContext::ReportProgress(const v1::JobProgress& progress) {
  absl::MutexLock lock(&progress_mu_);
  pending_progress_ = progress;
  progress_written_ = false;
  if (absl::Now() - last_progress_write_ >= kProgressInterval) {
    WriteProgressLocked();
  }
}

void JobContext::FlushProgress() {
  absl::MutexLock lock(&progress_mu_);
  if (!progress_written_) WriteProgressLocked();
}

void JobContext::WriteProgressLocked() {
  progress_written_ = true;
  last_progress_write_ = absl::Now();
  if (options_.progress_writer == nullptr) return;
  if (absl::Status written = options_.progress_writer(*pending_progress_);
      !written.ok()) {
    LogWarning("job ", options_.job_id,
               ": progress not recorded: ", written.ToString());
  }
}

}  // namespace debrepo::worker
