#include "tests/bench/job_time.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "proto/debrepo/v1/jobs.grpc.pb.h"

namespace debrepo::testing {

Measured JobTime(Stack& stack, absl::string_view kind) {
  using ::google::protobuf::util::TimeUtil;
  v1::ListJobsRequest request;
  request.set_kind(std::string(kind));
  v1::ListJobsResponse response;
  Measured measured;
  const grpc::Status listed = stack.jobs(0).ListJobs(
      Deadline(absl::Seconds(30)).get(), request, &response);
  if (!listed.ok() || response.jobs_size() != 1) {
    measured.status =
        absl::InternalError(absl::StrCat("cannot find the ", kind, " job"));
    return measured;
  }
  const v1::Job& job = response.jobs(0);
  measured.seconds = absl::ToDoubleSeconds(
      absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(job.end_time())) -
      absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(job.start_time())));
  return measured;
}

}  // namespace debrepo::testing
