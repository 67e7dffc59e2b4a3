// The no-op job: proves the pipeline works and measures its cost.
#ifndef DEBREPO_WORKER_NOOP_JOB_H_
#define DEBREPO_WORKER_NOOP_JOB_H_

#include "worker/job_handler.h"

namespace debrepo::worker {

class NoopJob : public TypedJobHandler<v1::NoopArgs> {
 public:
  absl::StatusOr<v1::JobResult> Apply(const v1::NoopArgs& args,
                                      const NothingPrepared& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_NOOP_JOB_H_
