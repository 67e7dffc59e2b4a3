#include "worker/after_commit.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace debrepo::worker {

absl::Status RunAfterCommit(const JobHandler& handler, const v1::JobArgs& args,
                            const v1::JobResult& committed, JobContext& context,
                            const AfterCommitBackoff& backoff,
                            const std::function<bool(absl::Duration)>& wait) {
  absl::Duration delay = backoff.initial;
  for (int attempt = 1;; ++attempt) {
    absl::Status done = handler.AfterCommit(args, committed, context);
    if (done.ok()) {
      context.Log(attempt == 1 ? std::string("after-commit step done")
                               : absl::StrCat("after-commit step done on try ",
                                              attempt));
      return done;
    }
    LogWarning("job ", context.job_id(), ": after-commit step failed (try ",
               attempt, "): ", done.ToString());
    context.Log(absl::StrCat("after-commit step failed (try ", attempt,
                             "): ", done.ToString(), "; retrying in ",
                             absl::FormatDuration(delay)));
    if (!wait(delay)) return done;
    delay = std::min(delay * 2, backoff.max);
  }
}

}  // namespace debrepo::worker
