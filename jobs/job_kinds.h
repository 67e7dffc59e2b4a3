// The registry of every job kind, and what servers derive from it: a
// job's kind and resource keys (MakeJobSpec) and its fail-fast check.
#ifndef DEBREPO_JOBS_JOB_KINDS_H_
#define DEBREPO_JOBS_JOB_KINDS_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "jobs/job_kind.h"
#include "jobs/job_spec.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// RegisteredJobKind is a declared JobKind seen through JobArgs, for code
// that handles every kind alike.
class RegisteredJobKind {
 public:
  template <typename Args>
  explicit RegisteredJobKind(const JobKind<Args>& kind)
      : name_(kind.name),
        args_case_(kind.args_case),
        args_type_(Args::descriptor()),
        selects_([&kind](const v1::JobArgs& args) {
          return kind.selects == nullptr || kind.selects(kind.ArgsOf(args));
        }),
        keys_([&kind](const v1::JobArgs& args, ResourceKeys& keys) {
          return kind.keys(kind.ArgsOf(args), keys);
        }) {
    if (kind.fail_fast != nullptr) {
      fail_fast_ = [&kind](storage::Database& db, const v1::JobArgs& args) {
        return kind.fail_fast(db, kind.ArgsOf(args));
      };
    }
    if (kind.requirements != nullptr) {
      requirements_ = [&kind](const v1::JobArgs& args,
                              std::vector<Requirement>& requirements) {
        kind.requirements(kind.ArgsOf(args), requirements);
      };
    }
  }

  absl::string_view name() const { return name_; }
  v1::JobArgs::KindCase args_case() const { return args_case_; }
  // args_type is the message type of the kind's arguments.
  const google::protobuf::Descriptor* args_type() const { return args_type_; }

  // Selects is true when `args` are this kind's.
  bool Selects(const v1::JobArgs& args) const {
    return args.kind_case() == args_case_ && selects_(args);
  }
  // AddKeys adds the resource keys of `args` (this kind's) to `keys`.
  absl::Status AddKeys(const v1::JobArgs& args, ResourceKeys& keys) const {
    return keys_(args, keys);
  }
  // has_fail_fast is true when the kind has a fail-fast check; FailFast
  // runs it on `args` (this kind's), OK when there is none.
  bool has_fail_fast() const { return fail_fast_ != nullptr; }
  absl::Status FailFast(storage::Database& db, const v1::JobArgs& args) const {
    return fail_fast_ ? fail_fast_(db, args) : absl::OkStatus();
  }
  // AddRequirements adds the checks the job's insert makes on `args` (this
  // kind's) to `requirements`; none when the kind declares none.
  void AddRequirements(const v1::JobArgs& args,
                       std::vector<Requirement>& requirements) const {
    if (requirements_) requirements_(args, requirements);
  }

 private:
  absl::string_view name_;
  v1::JobArgs::KindCase args_case_;
  const google::protobuf::Descriptor* args_type_;
  std::function<bool(const v1::JobArgs&)> selects_;
  std::function<absl::Status(const v1::JobArgs&, ResourceKeys&)> keys_;
  std::function<absl::Status(storage::Database&, const v1::JobArgs&)>
      fail_fast_;
  std::function<void(const v1::JobArgs&, std::vector<Requirement>&)>
      requirements_;
};

// JobKindRegistry holds declared kinds, in the order they were added.
class JobKindRegistry {
 public:
  // Add registers `kind`, a constant with static storage duration.
  template <typename Args>
  void Add(const JobKind<Args>& kind) {
    kinds_.emplace_back(kind);
  }

  // Find returns the kind of `args`, or nullptr when none is set (or the
  // case is one this binary has no kind for).
  const RegisteredJobKind* Find(const v1::JobArgs& args) const;

  const std::vector<RegisteredJobKind>& kinds() const { return kinds_; }

 private:
  std::vector<RegisteredJobKind> kinds_;
};

// AllJobKinds lists every declared kind (in job_kinds.cc: a new kind is
// added there, by hand).
const JobKindRegistry& AllJobKinds();

// MakeJobSpec names the job kind for `args` and computes its resource keys
// (DESIGN.md, "Resource keys per operation"): the kind's, and "gc" shared.
// INVALID_ARGUMENT when `args` hold no operation or arguments its kind
// refuses.
absl::StatusOr<JobSpec> MakeJobSpec(v1::JobArgs args);

// KindOf returns the job kind for `args`, or "" when none is set.
absl::string_view KindOf(const v1::JobArgs& args);

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_JOB_KINDS_H_
