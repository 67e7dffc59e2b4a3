#include "server/submit.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "jobs/job_spec.h"

namespace debrepo::server {
namespace {

constexpr size_t kMaxRequestIdLength = 200;

}  // namespace

absl::StatusOr<v1::Job> SubmitJob(
    storage::JobStore& jobs, v1::JobArgs args, absl::string_view request_id,
    const std::function<absl::Status()>& fail_fast) {
  if (request_id.size() > kMaxRequestIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id is ", request_id.size(), " bytes long; use at most ",
        kMaxRequestIdLength, " (a UUID is typical)"));
  }
  ASSIGN_OR_RETURN(jobs::JobSpec spec, jobs::MakeJobSpec(std::move(args)));
  if (fail_fast) {
    // A retry is answered before the checks: its first attempt may be what
    // made them fail (a create that succeeded).
    ASSIGN_OR_RETURN(std::optional<v1::Job> earlier,
                     jobs.FindRetried(spec, request_id));
    if (earlier.has_value()) return *std::move(earlier);
    RETURN_IF_ERROR(fail_fast());
  }
  // Submit answers a retried request_id itself.
  return jobs.Submit(spec, request_id);
}

}  // namespace debrepo::server
