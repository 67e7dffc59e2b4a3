// JobHandler: what a worker does for one kind of job.
#ifndef DEBREPO_WORKER_JOB_HANDLER_H_
#define DEBREPO_WORKER_JOB_HANDLER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/transaction.h"

namespace debrepo::worker {

// JobContext collects a job's log lines; they are stored with its outcome.
class JobContext {
 public:
  void Log(absl::string_view line) { log_.emplace_back(line); }
  const std::vector<std::string>& log() const { return log_; }

 private:
  std::vector<std::string> log_;
};

// JobHandler runs one job kind. Handlers are stateless and shared by all
// runner threads.
class JobHandler {
 public:
  virtual ~JobHandler() = default;

  // Prepare is the long phase (downloads, reading files, writing indices),
  // run under the job's resource locks before its transaction. It may
  // write only outputs that are safe to redo: content-addressed or staging
  // files. An error fails the job.
  virtual absl::Status Prepare(const v1::JobArgs& args, JobContext& context) {
    return absl::OkStatus();
  }

  // Apply is the body of the job's SERIALIZABLE transaction: reload every
  // object the job touches by name, check the invariants, mutate, and
  // return the result. It may run several times (after serialization
  // conflicts), so it must not have effects outside `tx`.
  virtual absl::StatusOr<v1::JobResult> Apply(const v1::JobArgs& args,
                                              storage::Transaction& tx,
                                              JobContext& context) = 0;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_JOB_HANDLER_H_
