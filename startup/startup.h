// The start-up every debrepo-server and debrepo-worker goes through before
// serving: wait for the database and migrate its schema, check that the
// storage roots are the ones the database knows, open them.
#ifndef DEBREPO_STARTUP_STARTUP_H_
#define DEBREPO_STARTUP_STARTUP_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "blobstore/fs_blob_store.h"

namespace debrepo::startup {

// StartupOptions are the settings start-up needs.
struct StartupOptions {
  std::string database_url;
  // The blob store directory (--blob_dir).
  std::string blob_dir;
  // Publish roots, storage name → directory (a worker's --publish_root and
  // --publish_storage), checked like the blob store under kind "publish".
  std::map<std::string, std::string> publish_roots;
};

// Started is what a process needs once started.
struct Started {
  std::unique_ptr<blobstore::FsBlobStore> blobs;
};

// StartUp waits for the database (logging while it is unreachable),
// applies the schema migrations, checks that `blob_dir` is the blob store
// the database knows (recording it on the first start) and opens it, and
// checks each publish root the same way. Errors
// say what to fix; the caller logs them and exits.
absl::StatusOr<Started> StartUp(const StartupOptions& options);

}  // namespace debrepo::startup

#endif  // DEBREPO_STARTUP_STARTUP_H_
