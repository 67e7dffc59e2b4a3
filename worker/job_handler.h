// JobHandler: what a worker does for one kind of job.
#ifndef DEBREPO_WORKER_JOB_HANDLER_H_
#define DEBREPO_WORKER_JOB_HANDLER_H_

#include <any>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/transaction.h"

namespace debrepo::worker {

// JobContext is what a running job has besides its arguments: a log, read
// access for its long phase, and a place to keep what that phase prepared.
class JobContext {
 public:
  // A Reader runs a function in a short read-only transaction.
  using Reader = std::function<absl::Status(
      const std::function<absl::Status(storage::Transaction&)>&)>;

  explicit JobContext(Reader reader) : reader_(std::move(reader)) {}

  // Log adds a line to the job's log, stored with its outcome.
  void Log(absl::string_view line) { log_.emplace_back(line); }
  const std::vector<std::string>& log() const { return log_; }

  // Read runs `fn` in a short read-only transaction (for Prepare).
  absl::Status Read(
      const std::function<absl::Status(storage::Transaction&)>& fn) {
    return reader_(fn);
  }

  // prepared holds what Prepare computed for Apply (which may run several
  // times and must not change it).
  std::any& prepared() { return prepared_; }

 private:
  Reader reader_;
  std::vector<std::string> log_;
  std::any prepared_;
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
