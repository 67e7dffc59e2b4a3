#include "server/submit.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "google/protobuf/util/message_differencer.h"
#include "jobs/job_kinds.h"

namespace debrepo::server {
namespace {

constexpr size_t kMaxRequestIdLength = 200;

}  // namespace

absl::StatusOr<v1::Job> JobSubmitter::Submit(v1::JobArgs args,
                                             absl::string_view request_id) {
  if (request_id.size() > kMaxRequestIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id is ", request_id.size(), " bytes long; use at most ",
        kMaxRequestIdLength, " (a UUID is typical)"));
  }
  ASSIGN_OR_RETURN(jobs::JobSpec spec, jobs::MakeJobSpec(std::move(args)));
  const jobs::RegisteredJobKind& kind = *jobs::AllJobKinds().Find(spec.args);
  if (kind.has_fail_fast()) {
    // A retry is answered before the check: its first attempt may be what
    // made it fail (a create that succeeded).
    ASSIGN_OR_RETURN(std::optional<v1::Job> earlier,
                     jobs_.FindRetried(spec, request_id));
    if (earlier.has_value()) return *std::move(earlier);
    if (options_.test_delay_fail_fast > absl::ZeroDuration()) {
      absl::SleepFor(options_.test_delay_fail_fast);
    }
    if (absl::Status refused = kind.FailFast(db_, spec.args); !refused.ok()) {
      // The first attempt may have landed through another server since the
      // lookup above, and be what the check saw.
      ASSIGN_OR_RETURN(earlier, jobs_.FindRetried(spec, request_id));
      if (earlier.has_value()) return *std::move(earlier);
      return refused;
    }
  } else if (!spec.requirements.empty() &&
             options_.test_delay_fail_fast > absl::ZeroDuration()) {
    // The insert below checks them, and answers a retried request_id.
    absl::SleepFor(options_.test_delay_fail_fast);
  }
  // Noted before the insert commits: the listener of that epoch hears the
  // job's end.
  const uint64_t epoch =
      options_.waiter != nullptr ? options_.waiter->ListenEpoch() : 0;
  // Submit answers a retried request_id itself.
  absl::StatusOr<v1::Job> job = jobs_.Submit(spec, request_id);
  if (job.ok() && job->state() == v1::QUEUED && options_.waiter != nullptr) {
    options_.waiter->Submitted(job->id(), epoch);
  }
  return job;
}

absl::StatusOr<v1::Job> JobSubmitter::SubmitDerived(
    absl::string_view request_id,
    absl::FunctionRef<absl::StatusOr<v1::JobArgs>()> derive,
    absl::FunctionRef<absl::StatusOr<v1::JobArgs>(const v1::JobArgs&)>
        derive_from) {
  ASSIGN_OR_RETURN(std::optional<v1::Job> earlier,
                   FindDerived(request_id, derive_from));
  if (earlier.has_value()) return *std::move(earlier);
  if (options_.test_delay_fail_fast > absl::ZeroDuration()) {
    absl::SleepFor(options_.test_delay_fail_fast);
  }
  absl::StatusOr<v1::JobArgs> args = derive();
  if (!args.ok()) {
    ASSIGN_OR_RETURN(earlier, FindDerived(request_id, derive_from));
    if (earlier.has_value()) return *std::move(earlier);
    return args.status();
  }
  return Submit(*std::move(args), request_id);
}

absl::StatusOr<std::optional<v1::Job>> JobSubmitter::FindDerived(
    absl::string_view request_id,
    absl::FunctionRef<absl::StatusOr<v1::JobArgs>(const v1::JobArgs&)>
        derive_from) {
  ASSIGN_OR_RETURN(std::optional<v1::Job> earlier,
                   jobs_.FindRequest(request_id));
  if (!earlier.has_value()) return std::nullopt;
  absl::StatusOr<v1::JobArgs> asked = derive_from(earlier->args());
  if (!asked.ok() || !google::protobuf::util::MessageDifferencer::Equals(
                         *asked, earlier->args())) {
    return storage::RequestIdUsedElsewhere(request_id, earlier->id());
  }
  return earlier;
}

}  // namespace debrepo::server
