// repo.include_changes: adds the binary packages that signed .changes files
// in an upload directory describe.
#ifndef DEBREPO_WORKER_INCLUDE_CHANGES_JOB_H_
#define DEBREPO_WORKER_INCLUDE_CHANGES_JOB_H_

#include <optional>

#include "blobstore/blob_store.h"
#include "deb/gpgv_verifier.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

class IncludeChangesJob : public JobHandler {
 public:
  // `verifier` checks signatures; without one, only accept_unsigned or
  // ignore_signature requests can include anything.
  IncludeChangesJob(blobstore::BlobStore* blobs,
                    std::optional<deb::GpgvVerifier> verifier)
      : blobs_(*blobs), verifier_(std::move(verifier)) {}

  // Verifies each .changes, checks the files it lists, and reads its
  // packages (the long phase).
  absl::Status Prepare(const v1::JobArgs& args, JobContext& context) override;

  absl::StatusOr<v1::JobResult> Apply(const v1::JobArgs& args,
                                      storage::Transaction& tx,
                                      JobContext& context) override;

 private:
  blobstore::BlobStore& blobs_;
  const std::optional<deb::GpgvVerifier> verifier_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_INCLUDE_CHANGES_JOB_H_
