// repo.include_changes: adds the binary packages that signed .changes files
// in an upload directory describe.
#ifndef DEBREPO_WORKER_REPO_INCLUDE_CHANGES_JOB_H_
#define DEBREPO_WORKER_REPO_INCLUDE_CHANGES_JOB_H_

#include <optional>

#include "blobstore/blob_store.h"
#include "deb/gpgv_verifier.h"
#include "worker/job_handler.h"
#include "worker/repo/package_import.h"

namespace debrepo::worker {

// IncludeChangesJob runs repo.include_changes.
class IncludeChangesJob
    : public TypedJobHandler<v1::IncludeChangesArgs, PreparedImport> {
 public:
  // `verifier` checks signatures; without one, only accept_unsigned or
  // ignore_signature requests can include anything.
  IncludeChangesJob(blobstore::BlobStore* blobs,
                    std::optional<deb::GpgvVerifier> verifier)
      : blobs_(*blobs), verifier_(std::move(verifier)) {}

  // Verifies each .changes, checks the files it lists, and reads its
  // packages (the long phase).
  absl::StatusOr<PreparedImport> Prepare(const v1::IncludeChangesArgs& request,
                                         JobContext& context) const override;

  absl::StatusOr<v1::JobResult> Apply(const v1::IncludeChangesArgs& request,
                                      const PreparedImport& prepared,
                                      storage::Transaction& tx,
                                      JobContext& context) const override;

 private:
  blobstore::BlobStore& blobs_;
  const std::optional<deb::GpgvVerifier> verifier_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_INCLUDE_CHANGES_JOB_H_
