// SubmitJob: the last step of every mutating handler.
#ifndef DEBREPO_SERVER_SUBMIT_H_
#define DEBREPO_SERVER_SUBMIT_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/job_store.h"

namespace debrepo::server {

// SubmitJob computes the job's kind and resource keys from `args` and
// queues it. A retry (a `request_id` seen before) returns the first job
// straight away; otherwise `fail_fast` runs first, to reject with NOT_FOUND
// or ALREADY_EXISTS what the job would certainly refuse. (A retry must not
// be refused because its own first attempt already created the name.)
absl::StatusOr<v1::Job> SubmitJob(
    storage::JobStore& jobs, v1::JobArgs args, absl::string_view request_id,
    const std::function<absl::Status()>& fail_fast = nullptr);

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_SUBMIT_H_
