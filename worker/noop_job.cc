#include "worker/noop_job.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> NoopJob::Apply(
    const v1::NoopArgs& /*args*/, const NothingPrepared& /*prepared*/,
    storage::Transaction& /*tx*/, JobContext& /*context*/) const {
  // Nothing to change: the transaction still commits the job's outcome,
  // which is the protocol cost being measured.
  return v1::JobResult();
}

}  // namespace debrepo::worker
