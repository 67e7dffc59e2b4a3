// JobKind: the one declaration of a job kind (its name, its arguments'
// type and place in JobArgs, its resource keys and its fail-fast check),
// which servers and workers both read. Declarations live in the
// per-resource tables (jobs/<resource>_kinds.h) and are listed in
// jobs/job_kinds.cc.
#ifndef DEBREPO_JOBS_JOB_KIND_H_
#define DEBREPO_JOBS_JOB_KIND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "jobs/job_spec.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::storage {
class Database;
}  // namespace debrepo::storage

namespace debrepo::jobs {

// ResourceKeys are the keys a job asks for, in any order and with
// duplicates; MakeJobSpec adds "gc" and normalises them.
struct ResourceKeys {
  std::vector<std::string> exclusive;
  std::vector<std::string> shared;
};

// JobKind<Args> declares one job kind whose arguments are an `Args` in the
// JobArgs oneof. Declare it once, as a constant in a per-resource table,
// and list it in AllJobKinds(); handlers and checks take it by type, so
// none can read another kind's arguments.
template <typename Args>
struct JobKind {
  using ArgsType = Args;

  // name is the kind as stored in the jobs table and shown to users
  // ("repo.create"): never change it once jobs of it may exist.
  absl::string_view name;
  // args_case and args are the JobArgs oneof case holding the arguments,
  // and its accessor (e.g. &v1::JobArgs::create_repo).
  v1::JobArgs::KindCase args_case;
  const Args& (v1::JobArgs::*args)() const;
  // keys adds the job's resource keys (DESIGN.md, "Resource keys per
  // operation") to `keys`; INVALID_ARGUMENT for arguments no job of this
  // kind can take.
  absl::Status (*keys)(const Args& args, ResourceKeys& keys);
  // selects tells, when several kinds share one oneof case, whether `args`
  // are this kind's (e.g. a move is a copy with move set); nullptr when
  // the kind has its case alone.
  bool (*selects)(const Args& args) = nullptr;
  // fail_fast, when set, reads storage to refuse at submission what the
  // job would certainly refuse (NOT_FOUND, ALREADY_EXISTS). The job checks
  // again under its locks; this only spares callers a queued failure.
  absl::Status (*fail_fast)(storage::Database& db, const Args& args) = nullptr;
  // requirements, when set, adds the checks that the job's insert makes
  // itself, in the order they are answered (Requirement says what they
  // are). A kind whose checks all have this form declares them so, rather
  // than as a fail_fast read: the submit then takes one round trip.
  void (*requirements)(const Args& args,
                       std::vector<Requirement>& requirements) = nullptr;

  // ArgsOf returns this kind's arguments from `job_args`, whose case must
  // be args_case.
  const Args& ArgsOf(const v1::JobArgs& job_args) const {
    return (job_args.*args)();
  }
};

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_JOB_KIND_H_
