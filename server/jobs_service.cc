#include "server/jobs_service.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "server/grpc_status.h"
#include "server/page_token.h"

namespace debrepo::server {
namespace {

// Answer this long before the caller's deadline so the reply arrives.
constexpr absl::Duration kDeadlineMargin = absl::Milliseconds(100);
// Without a timeout or deadline, a Wait returns after this long.
constexpr absl::Duration kDefaultWait = absl::Minutes(1);
// The longest timeout a Wait accepts.
constexpr absl::Duration kMaxWait = absl::Hours(1);

absl::Status ValidateJobId(int64_t id) {
  if (id <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job id ", id, " is not valid; job ids are positive integers"));
  }
  return absl::OkStatus();
}

absl::Status ListJobs(storage::JobStore& jobs,
                      const v1::ListJobsRequest& request,
                      v1::ListJobsResponse& response) {
  ASSIGN_OR_RETURN(std::string position, DecodePageToken(request.page_token()));
  storage::JobFilter filter;
  if (!position.empty() && !absl::SimpleAtoi(position, &filter.before_id)) {
    return absl::InvalidArgumentError("page_token is corrupt");
  }
  if (!v1::JobState_IsValid(request.state())) {
    return absl::InvalidArgumentError(
        absl::StrCat("state ", request.state(), " is not a JobState"));
  }
  filter.state = request.state();
  filter.kind = request.kind();
  const int page_size = PageSize(request.page_size());
  filter.limit = page_size + 1;
  ASSIGN_OR_RETURN(std::vector<v1::Job> found, jobs.List(filter));
  response.set_next_page_token(
      TakePage(found, page_size,
               [](const v1::Job& job) { return absl::StrCat(job.id()); }));
  for (v1::Job& job : found) *response.add_jobs() = std::move(job);
  return absl::OkStatus();
}

absl::StatusOr<v1::Job> WaitJob(JobWaiter& waiter,
                                const grpc::ServerContext& context,
                                const v1::WaitJobRequest& request) {
  RETURN_IF_ERROR(ValidateJobId(request.id()));
  absl::Time deadline = absl::Now() + kDefaultWait;
  if (request.has_timeout()) {
    if (request.timeout().seconds() < 0 || request.timeout().nanos() < 0 ||
        request.timeout().seconds() > kMaxWait / absl::Seconds(1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "timeout must be between 0 and ", absl::FormatDuration(kMaxWait),
          "; call WaitJob again to wait longer"));
    }
    deadline = absl::Now() + absl::Seconds(request.timeout().seconds()) +
               absl::Nanoseconds(request.timeout().nanos());
  }
  const absl::Time call_deadline =
      absl::FromChrono(context.deadline()) - kDeadlineMargin;
  return waiter.Wait(request.id(), std::min(deadline, call_deadline),
                     [&context] { return context.IsCancelled(); });
}

}  // namespace

grpc::Status JobsService::GetJob(grpc::ServerContext*,
                                 const v1::GetJobRequest* request,
                                 v1::Job* response) {
  if (absl::Status valid = ValidateJobId(request->id()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  return Respond(jobs_.Get(request->id()), response);
}

grpc::Status JobsService::ListJobs(grpc::ServerContext*,
                                   const v1::ListJobsRequest* request,
                                   v1::ListJobsResponse* response) {
  return ToGrpcStatus(server::ListJobs(jobs_, *request, *response));
}

grpc::Status JobsService::WaitJob(grpc::ServerContext* context,
                                  const v1::WaitJobRequest* request,
                                  v1::Job* response) {
  return Respond(server::WaitJob(waiter_, *context, *request), response);
}

grpc::Status JobsService::CancelJob(grpc::ServerContext*,
                                    const v1::CancelJobRequest* request,
                                    v1::Job* response) {
  if (absl::Status valid = ValidateJobId(request->id()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  return Respond(jobs_.Cancel(request->id()), response);
}

}  // namespace debrepo::server
