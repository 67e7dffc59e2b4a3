// JobSubmitter: the last step of every mutating handler.
#ifndef DEBREPO_SERVER_SUBMIT_H_
#define DEBREPO_SERVER_SUBMIT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/database.h"
#include "storage/job_store.h"

namespace debrepo::server {

// SubmitOptions configures a JobSubmitter.
struct SubmitOptions {
  // Testing only: sleep this long between looking up a retried request_id
  // and the fail-fast check, so that a test can land the same request
  // through another server meanwhile.
  absl::Duration test_delay_fail_fast = absl::ZeroDuration();
};

// JobSubmitter queues jobs. Thread safe.
class JobSubmitter {
 public:
  JobSubmitter(storage::Database* db, storage::JobStore* jobs,
               SubmitOptions options = {})
      : db_(*db), jobs_(*jobs), options_(options) {}

  // Submit computes the job's kind and resource keys from `args` and
  // queues it. A retry (a `request_id` seen before) returns the first job
  // straight away; otherwise the kind's fail-fast check runs first, to
  // reject with NOT_FOUND or ALREADY_EXISTS what the job would certainly
  // refuse. A retry must not be refused because its own first attempt
  // made the check fail (a create that succeeded), even when that attempt
  // lands through another server while this one checks: a failed check is
  // answered with that attempt's job when one has appeared meanwhile.
  absl::StatusOr<v1::Job> Submit(v1::JobArgs args,
                                 absl::string_view request_id);

 private:
  storage::Database& db_;
  storage::JobStore& jobs_;
  const SubmitOptions options_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_SUBMIT_H_
