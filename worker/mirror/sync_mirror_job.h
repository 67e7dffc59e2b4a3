// mirror.sync: fetches and verifies a mirror's Release, reads the indices it
// selects, downloads the files of the packages it keeps into the blob
// store, and replaces the mirror's package list in one transaction.
#ifndef DEBREPO_WORKER_MIRROR_SYNC_MIRROR_JOB_H_
#define DEBREPO_WORKER_MIRROR_SYNC_MIRROR_JOB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "blobstore/blob_store.h"
#include "proto/debrepo/v1/mirrors_types.pb.h"
#include "storage/mirror_store.h"
#include "storage/package_spool.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

// MirrorSyncOptions bound a sync's network use (the worker's --mirror_*
// flags). Defaults are the brief's: a hostile or broken upstream fails a
// sync in bounded time.
struct MirrorSyncOptions {
  // Files downloading at once.
  int download_concurrency = 8;
  // Requests per file (and per Release or index) that may fail with
  // network trouble before the sync fails.
  int max_tries = 5;
  absl::Duration connect_timeout = absl::Seconds(30);
  // Longest time a transfer may go without a byte.
  absl::Duration stall_timeout = absl::Seconds(60);
  // Wait after a first failed request; doubled with each failure.
  absl::Duration first_retry_delay = absl::Milliseconds(500);
};

// PreparedSync is what a sync's long phase read and downloaded.
struct PreparedSync {
  // The mirror as the long phase read it: Apply refuses to record packages
  // chosen under other settings.
  v1::Mirror mirror;
  storage::MirrorRelease release;
  // The chosen packages, spooled on disk (read again by each run of the
  // transaction), and which spooled entries are in the new list.
  std::unique_ptr<storage::PackageSpool> spool;
  std::vector<bool> take;
  // The keys of the new list.
  std::vector<std::string> keys;
  // Counts for the result.
  int64_t downloaded_files = 0;
  int64_t downloaded_bytes = 0;
  int64_t reused_files = 0;
  int64_t duplicate_stanzas = 0;
};

// SyncMirrorJob runs mirror.sync. Everything slow happens in Prepare,
// under the mirror's exclusive key: the previous package list serves
// meanwhile, and a failed, killed or cancelled sync leaves it intact;
// downloads are content-addressed, so the next attempt fetches only what
// is missing (partial files resume from the job's shared staging
// directory).
class SyncMirrorJob : public TypedJobHandler<v1::SyncMirrorArgs, PreparedSync> {
 public:
  SyncMirrorJob(blobstore::BlobStore* blobs, MirrorSyncOptions options);

  // Reads the mirror, fetches and verifies its Release (InRelease, else
  // Release and Release.gpg), reads each planned index (the best form the
  // archive has), chooses packages (filter, dependencies, the duplicate
  // rule) and downloads their files, reporting progress. Upstream
  // problems are FAILED_PRECONDITION naming the URL; network trouble that
  // retries did not cure is UNAVAILABLE (DEADLINE_EXCEEDED for a stall),
  // recorded as the job's failure.
  absl::StatusOr<PreparedSync> Prepare(const v1::SyncMirrorArgs& sync,
                                       JobContext& context) const override;

  // Reloads the mirror by name (NOT_FOUND when dropped or renamed), refuses
  // if its settings changed since Prepare read them (FAILED_PRECONDITION:
  // sync again), stores the new packages and replaces the list.
  absl::StatusOr<v1::JobResult> Apply(const v1::SyncMirrorArgs& sync,
                                      const PreparedSync& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;

 private:
  blobstore::BlobStore* const blobs_;
  const MirrorSyncOptions options_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_MIRROR_SYNC_MIRROR_JOB_H_
