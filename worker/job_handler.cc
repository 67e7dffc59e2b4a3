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
    LogWarning("job ", options_.job_id,
               ": cannot check for a cancel: ", requested.status().ToString());
    return false;
  }
  cancel_requested_ = *requested;
  return cancel_requested_;
}

absl::Status JobContext::StopRequested() {
  if (Interrupted()) return absl::CancelledError("the worker is stopping");
  if (CancelRequested()) {
    return absl::CancelledError("cancelled while it ran; nothing was recorded");
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

JobContext::~JobContext() {
  std::thread writer;
  {
    absl::MutexLock lock(&progress_mu_);
    closing_ = true;
    writer = std::move(progress_writer_);
  }
  if (writer.joinable()) writer.join();
}

void JobContext::ReportProgress(const v1::JobProgress& progress) {
  if (options_.progress_writer == nullptr) return;
  absl::MutexLock lock(&progress_mu_);
  latest_progress_ = progress;
  ++progress_reported_;
  if (!progress_writer_.joinable() && !closing_) {
    progress_writer_ = std::thread([this] { ProgressWriterLoop(); });
  }
}

void JobContext::FlushProgress() { WriteLatestProgress(); }

void JobContext::ProgressWriterLoop() {
  while (true) {
    {
      absl::MutexLock lock(&progress_mu_);
      auto unwritten = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(progress_mu_) {
        return closing_ || progress_written_ < progress_reported_;
      };
      progress_mu_.Await(absl::Condition(&unwritten));
      auto closing = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(progress_mu_) {
        return closing_;
      };
      progress_mu_.AwaitWithDeadline(absl::Condition(&closing),
                                     last_progress_write_ + kProgressInterval);
      if (closing_) return;
    }
    WriteLatestProgress();
  }
}

void JobContext::WriteLatestProgress() {
  absl::MutexLock write_lock(&progress_write_mu_);
  v1::JobProgress progress;
  int64_t number = 0;
  {
    absl::MutexLock lock(&progress_mu_);
    if (progress_written_ == progress_reported_) return;
    progress = *latest_progress_;
    number = progress_reported_;
  }
  if (absl::Status written = options_.progress_writer(progress);
      !written.ok()) {
    LogWarning("job ", options_.job_id,
               ": progress not recorded: ", written.ToString());
  }
  absl::MutexLock lock(&progress_mu_);
  progress_written_ = number;
  last_progress_write_ = absl::Now();
}

}  // namespace debrepo::worker
