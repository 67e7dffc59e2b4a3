#include "worker/admin/noop_job.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> NoopJob::Apply(
    const v1::NoopArgs& /*args*/, const NothingPrepared& /*prepared*/,
    storage::Transaction& /*tx*/, JobContext& /*context*/) const {
  // Nothing to change: the transaction still commits the job's outcome,
  // which is the protocol cost being measured.
  return v1::JobResult();
}

absl::Status NoopJob::AfterCommit(const v1::NoopArgs& /*args*/,
                                  const v1::JobResult& /*committed*/,
                                  JobContext& context) const {
  if (test_after_commit_log_.empty()) return absl::OkStatus();
  const std::string line = absl::StrCat("job ", context.job_id(), " attempt ",
                                        context.attempt(), "\n");
  // One write(2) with O_APPEND: lines of several workers never interleave.
  const int fd = open(test_after_commit_log_.c_str(),
                      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, line.data(), line.size()) !=
                    static_cast<ssize_t>(line.size())) {
    const int error = errno;
    if (fd >= 0) close(fd);
    return absl::UnavailableError(absl::StrCat(
        "cannot append to ", test_after_commit_log_, ": ", strerror(error)));
  }
  close(fd);
  return absl::OkStatus();
}

}  // namespace debrepo::worker
