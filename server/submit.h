// Submit: the last step of every mutating handler.
#ifndef DEBREPO_SERVER_SUBMIT_H_
#define DEBREPO_SERVER_SUBMIT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/job_store.h"

namespace debrepo::server {

// SubmitJob computes the job's kind and resource keys from `args` and
// queues it, idempotently per `request_id`.
absl::StatusOr<v1::Job> SubmitJob(storage::JobStore& jobs, v1::JobArgs args,
                                  absl::string_view request_id);

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_SUBMIT_H_
