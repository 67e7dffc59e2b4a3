// JobSubmitter: the last step of every mutating handler.
#ifndef DEBREPO_SERVER_SUBMIT_H_
#define DEBREPO_SERVER_SUBMIT_H_

#include <optional>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "server/job_waiter.h"
#include "storage/database.h"
#include "storage/job_store.h"

namespace debrepo::server {

// SubmitOptions configures a JobSubmitter.
struct SubmitOptions {
  // The server's JobWaiter, told of each job queued (JobWaiter::Submitted)
  // so that waiting for it right after needs no first read; may be null.
  JobWaiter* waiter = nullptr;
  // Testing only: sleep this long between looking up a retried request_id
  // and the fail-fast check (or SubmitDerived's reads; for a kind whose
  // checks are requirements, before the insert that makes them), so that a
  // test can land the same request through another server meanwhile.
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
  // straight away; otherwise the kind's fail-fast check runs first (or, for
  // its requirements, in the job's insert), to reject with NOT_FOUND or
  // ALREADY_EXISTS what the job would certainly refuse. A retry must not be
  // refused because its own first attempt made the check fail (a create that
  // succeeded), even when that attempt lands through another server while this
  // one checks: a failed check is answered with that attempt's job when one has
  // appeared meanwhile.
  absl::StatusOr<v1::Job> Submit(v1::JobArgs args,
                                 absl::string_view request_id);

  // SubmitDerived submits the job whose arguments `derive` makes from what
  // it reads in the database (defaults, the sources a job will hold), for
  // a handler that would otherwise read before Submit. A retried
  // `request_id` is answered with its first job before `derive` runs, and
  // again when `derive` fails (its first attempt, landing meanwhile
  // through another server, may be what made it fail), as Submit does
  // around the fail-fast check. `derive_from` makes the same arguments
  // taking what `derive` reads from an earlier job's arguments instead; a
  // request_id whose job's arguments differ from them (or that
  // `derive_from` refuses) was used for another request: INVALID_ARGUMENT.
  absl::StatusOr<v1::Job> SubmitDerived(
      absl::string_view request_id,
      absl::FunctionRef<absl::StatusOr<v1::JobArgs>()> derive,
      absl::FunctionRef<absl::StatusOr<v1::JobArgs>(const v1::JobArgs&)>
          derive_from);

 private:
  storage::Database& db_;
  storage::JobStore& jobs_;
  // The job an earlier request with `request_id` created, checked
  // against `derive_from` as SubmitDerived says.
  absl::StatusOr<std::optional<v1::Job>> FindDerived(
      absl::string_view request_id,
      absl::FunctionRef<absl::StatusOr<v1::JobArgs>(const v1::JobArgs&)>
          derive_from);

  const SubmitOptions options_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_SUBMIT_H_
