// Garbage collection (`debrepo db cleanup`): the packages nothing holds,
// then the blob-store files nothing refers to.
#ifndef DEBREPO_WORKER_ADMIN_CLEANUP_JOB_H_
#define DEBREPO_WORKER_ADMIN_CLEANUP_JOB_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "blobstore/blob_store.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

// kDefaultBlobGracePeriod is how old an unreferenced blob must be before
// garbage collection deletes it. An upload stores its bytes before the job
// that records them commits: the stream (up to 1,000 files), the job's wait
// in the queue (behind this very cleanup, which every job waits for) and
// its run all fall in between. A day covers any of these by far; an
// unreferenced blob costs only disk space until the next cleanup.
inline constexpr absl::Duration kDefaultBlobGracePeriod = absl::Hours(24);

// PreparedCleanup is what the long phase found: the unreferenced blobs,
// listed in the attempt's staging directory for the after-commit step.
struct PreparedCleanup {
  int64_t blob_count = 0;
  int64_t blob_bytes = 0;
};

// CleanupJob runs gc. Its long phase lists the blobs that no upload and no
// package left after the cleanup refers to and that were written before
// the grace period, into the attempt's staging directory; its transaction
// deletes the packages no repo, snapshot or publication holds; its
// after-commit step deletes the listed blobs, skipping any that a package
// or upload refers to by then or that was written again since. Holding
// "gc" exclusively, it runs while no other job does, so what it read in its
// long phase still holds in its transaction. A dry run lists and counts
// the same things and deletes nothing.
class CleanupJob : public TypedJobHandler<v1::CleanupArgs, PreparedCleanup> {
 public:
  CleanupJob(blobstore::BlobStore* blobs, absl::Duration grace_period)
      : blobs_(*blobs), grace_period_(grace_period) {}

  absl::StatusOr<PreparedCleanup> Prepare(const v1::CleanupArgs& args,
                                          JobContext& context) const override;
  absl::StatusOr<v1::JobResult> Apply(const v1::CleanupArgs& args,
                                      const PreparedCleanup& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;
  bool HasAfterCommit(const v1::CleanupArgs& args) const override {
    return !args.dry_run();
  }
  absl::Status AfterCommit(const v1::CleanupArgs& args,
                           const v1::JobResult& committed,
                           JobContext& context) const override;

 private:
  blobstore::BlobStore& blobs_;
  const absl::Duration grace_period_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_ADMIN_CLEANUP_JOB_H_
