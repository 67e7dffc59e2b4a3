// JobHandlers: the registry of job handlers, every job kind a worker runs,
// each bound to its kind's declaration (jobs/<resource>_kinds.h).
#ifndef DEBREPO_WORKER_JOB_HANDLERS_H_
#define DEBREPO_WORKER_JOB_HANDLERS_H_

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "blobstore/blob_store.h"
#include "common/status_macros.h"
#include "deb/gpgv_verifier.h"
#include "jobs/job_kind.h"
#include "worker/admin/cleanup_job.h"
#include "worker/job_handler.h"
#include "worker/mirror/sync_mirror_job.h"
#include "worker/publish/publication_tree.h"

namespace debrepo::worker {
namespace internal {

// BoundJob is a TypedJobHandler's prepared job: its arguments and what its
// long phase produced, applied by the handler's Apply.
template <typename Args, typename Prepared>
class BoundJob final : public PreparedJob {
 public:
  BoundJob(const TypedJobHandler<Args, Prepared>& handler, const Args& args,
           Prepared prepared)
      : handler_(handler), args_(args), prepared_(std::move(prepared)) {}

  absl::StatusOr<v1::JobResult> Apply(storage::Transaction& tx,
                                      JobContext& context) override {
    return handler_.Apply(args_, prepared_, tx, context);
  }

 private:
  const TypedJobHandler<Args, Prepared>& handler_;
  // A copy: the job's arguments are small, and this way a PreparedJob
  // needs nothing else to stay alive.
  const Args args_;
  const Prepared prepared_;
};

// TypedJobAdapter runs a TypedJobHandler as a JobHandler, taking its
// arguments out of JobArgs through the kind's declaration.
template <typename Args, typename Prepared>
class TypedJobAdapter final : public JobHandler {
 public:
  TypedJobAdapter(const jobs::JobKind<Args>& kind,
                  std::unique_ptr<TypedJobHandler<Args, Prepared>> handler)
      : kind_(kind), handler_(std::move(handler)) {}

  absl::StatusOr<std::unique_ptr<PreparedJob>> Prepare(
      const v1::JobArgs& args, JobContext& context) const override {
    ASSIGN_OR_RETURN(const Args* typed, ArgsOf(args));
    if constexpr (std::is_same_v<Prepared, NothingPrepared>) {
      // No long phase (HasLongPhase): the job's locks may already be held
      // in its transaction's round trip, so nothing may run here.
      return std::unique_ptr<PreparedJob>(
          std::make_unique<BoundJob<Args, Prepared>>(*handler_, *typed,
                                                     NothingPrepared{}));
    }
    ASSIGN_OR_RETURN(Prepared prepared, handler_->Prepare(*typed, context));
    return std::unique_ptr<PreparedJob>(
        std::make_unique<BoundJob<Args, Prepared>>(*handler_, *typed,
                                                   std::move(prepared)));
  }

  bool HasLongPhase() const override {
    return !std::is_same_v<Prepared, NothingPrepared>;
  }

  bool HasAfterCommit(const v1::JobArgs& args) const override {
    absl::StatusOr<const Args*> typed = ArgsOf(args);
    return typed.ok() && handler_->HasAfterCommit(**typed);
  }

  absl::Status AfterCommit(const v1::JobArgs& args,
                           const v1::JobResult& committed,
                           JobContext& context) const override {
    ASSIGN_OR_RETURN(const Args* typed, ArgsOf(args));
    return handler_->AfterCommit(*typed, committed, context);
  }

 private:
  absl::StatusOr<const Args*> ArgsOf(const v1::JobArgs& args) const {
    if (args.kind_case() != kind_.args_case) {
      return absl::InternalError(
          absl::StrCat("a ", kind_.name,
                       " job holds another kind's arguments (JobArgs case ",
                       args.kind_case(), ")"));
    }
    return &kind_.ArgsOf(args);
  }

  const jobs::JobKind<Args>& kind_;
  const std::unique_ptr<TypedJobHandler<Args, Prepared>> handler_;
};

}  // namespace internal

// JobHandlers holds one handler per job kind a worker runs.
class JobHandlers {
 public:
  // Add registers `handler` for `kind`, a declaration of jobs/. The
  // handler must take the kind's arguments: registering one for another
  // kind's does not compile.
  template <typename Args, typename Handler>
  void Add(const jobs::JobKind<Args>& kind, std::unique_ptr<Handler> handler) {
    static_assert(std::is_same_v<typename Handler::ArgsType, Args>,
                  "the handler takes another kind's arguments");
    using Prepared = typename Handler::PreparedType;
    static_assert(std::is_base_of_v<TypedJobHandler<Args, Prepared>, Handler>,
                  "a handler implements TypedJobHandler<Args, Prepared>");
    handlers_.emplace_back(
        std::string(kind.name),
        std::make_unique<internal::TypedJobAdapter<Args, Prepared>>(
            kind, std::move(handler)));
  }

  // Remove drops the handler of `kind` (a worker told not to run it);
  // false when there is none.
  bool Remove(absl::string_view kind);

  // Find returns the handler of job kind `kind`, or nullptr.
  const JobHandler* Find(absl::string_view kind) const;

  // kinds lists the registered kinds, in registration order.
  std::vector<std::string> kinds() const;

 private:
  std::vector<std::pair<std::string, std::unique_ptr<JobHandler>>> handlers_;
};

// MakeJobHandlers lists every handler against its kind. Handlers that read
// package files use `blobs`; the publish handlers write trees with
// `trees` (none: this worker has no publish root and runs no publish
// jobs); signatures of .changes files are checked with
// `verifier` (none: only unsigned or unchecked includes work); garbage
// collection keeps unreferenced blobs younger than `blob_grace_period`.
// Testing only: no-op jobs' after-commit steps append to
// `test_after_commit_log` when it is set. Mirror syncs download into
// `blobs` within the bounds of `mirror_sync`.
JobHandlers MakeJobHandlers(
    blobstore::BlobStore* blobs, std::optional<deb::GpgvVerifier> verifier,
    const PublicationTrees* trees = nullptr,
    absl::Duration blob_grace_period = kDefaultBlobGracePeriod,
    const std::string& test_after_commit_log = "",
    const MirrorSyncOptions& mirror_sync = {});

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_JOB_HANDLERS_H_
