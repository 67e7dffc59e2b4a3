// The no-op job: proves the pipeline works and measures its cost.
#ifndef DEBREPO_WORKER_ADMIN_NOOP_JOB_H_
#define DEBREPO_WORKER_ADMIN_NOOP_JOB_H_

#include <string>

#include "worker/job_handler.h"

namespace debrepo::worker {

// NoopJob runs noop: it commits an outcome and changes nothing.
class NoopJob : public TypedJobHandler<v1::NoopArgs> {
 public:
  // Testing only: with a `test_after_commit_log`, each after-commit step
  // appends "job <id> attempt <n>" to that file, so tests can count how
  // often the step ran, on any worker.
  explicit NoopJob(std::string test_after_commit_log = "")
      : test_after_commit_log_(std::move(test_after_commit_log)) {}

  absl::StatusOr<v1::JobResult> Apply(const v1::NoopArgs& args,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;

  // A no-op job asked for one has an after-commit step, which changes
  // nothing either: it probes that phase.
  bool HasAfterCommit(const v1::NoopArgs& args) const override {
    return args.after_commit();
  }
  absl::Status AfterCommit(const v1::NoopArgs& args,
                           const v1::JobResult& committed,
                           JobContext& context) const override;

 private:
  const std::string test_after_commit_log_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_ADMIN_NOOP_JOB_H_
