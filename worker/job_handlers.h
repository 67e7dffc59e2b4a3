// The registry of job handlers: every job kind a worker can run.
#ifndef DEBREPO_WORKER_JOB_HANDLERS_H_
#define DEBREPO_WORKER_JOB_HANDLERS_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "blobstore/blob_store.h"
#include "deb/gpgv_verifier.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

using JobHandlers =
    absl::flat_hash_map<std::string, std::unique_ptr<JobHandler>>;

// MakeJobHandlers lists every handler by its job kind. Handlers that read
// package files use `blobs`; signatures of .changes files are checked with
// `verifier` (none: only unsigned or unchecked includes work).
JobHandlers MakeJobHandlers(blobstore::BlobStore* blobs,
                            std::optional<deb::GpgvVerifier> verifier);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_JOB_HANDLERS_H_
