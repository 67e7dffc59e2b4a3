// PublishRoots: the directories a worker publishes into, one per storage
// ("filesystem:default" from --publish_root, "filesystem:NAME" from
// --publish_storage=NAME=PATH), and how publish jobs sign.
#ifndef DEBREPO_WORKER_PUBLISH_PUBLISH_ROOTS_H_
#define DEBREPO_WORKER_PUBLISH_PUBLISH_ROOTS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "publish/signer.h"

namespace debrepo::worker {

// PublishConfig is what publish jobs take from the worker's flags.
struct PublishConfig {
  // Storage name → absolute directory.
  std::map<std::string, std::string> roots;
  // The key that signs, unless a publication names another key id.
  publish::SigningKey signing_key;
  // Threads compressing one tree's indices at once.
  int compression_threads = 2;
  // Testing only: wait this long after putting a tree in place, before
  // pruning the pool, so tests can kill a worker there.
  absl::Duration test_stall_before_prune = absl::ZeroDuration();
};

// ParsePublishRoots builds the storage → directory map from --publish_root
// (may be empty: no default storage) and --publish_storage entries
// ("NAME=PATH"); INVALID_ARGUMENT for a malformed entry, a bad name, a
// relative path, a storage named twice, or two storages whose roots are
// one directory or one inside the other.
absl::StatusOr<std::map<std::string, std::string>> ParsePublishRoots(
    absl::string_view publish_root,
    const std::vector<std::string>& publish_storages);

// PublishRootOf returns the directory of `storage`; FAILED_PRECONDITION,
// saying what to configure, when this worker has none.
absl::StatusOr<std::string> PublishRootOf(const PublishConfig& config,
                                          absl::string_view storage);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PUBLISH_PUBLISH_ROOTS_H_
