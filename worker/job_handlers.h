// The registry of job handlers: every job kind a worker can run.
#ifndef DEBREPO_WORKER_JOB_HANDLERS_H_
#define DEBREPO_WORKER_JOB_HANDLERS_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "blobstore/blob_store.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

using JobHandlers =
    absl::flat_hash_map<std::string, std::unique_ptr<JobHandler>>;

// MakeJobHandlers lists every handler by its job kind. Handlers that read
// package files use `blobs`.
JobHandlers MakeJobHandlers(blobstore::BlobStore* blobs);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_JOB_HANDLERS_H_
