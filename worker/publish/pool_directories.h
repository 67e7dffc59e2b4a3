// Making and removing the directories of a publish prefix's pool
// (pool/<component>/<letter>/<source>): one mkdir(2) per source package was
// most of a first publish's pool work, so they are made on threads of their
// own while the long phase lists the packages (PoolDirectoryMaker).
#ifndef DEBREPO_WORKER_PUBLISH_POOL_DIRECTORIES_H_
#define DEBREPO_WORKER_PUBLISH_POOL_DIRECTORIES_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace debrepo::worker {

// MakeDirectory makes `directory` and those leading to it that are
// missing, and returns whether it made `directory`. One mkdir(2) when only
// the last is missing, as for all but the first of a pool's source package
// directories under one letter (create_directories would stat each
// component of the path first). UNAVAILABLE when it cannot.
absl::StatusOr<bool> MakeDirectory(const std::filesystem::path& directory);

// RemoveEmptyDirectories removes each of `directories` (in `pool`) and the
// directories between it and `pool` that it leaves empty, deepest first; a
// directory that is not empty stays. A sibling's after-commit step linking
// into one meanwhile either finds it gone and makes it again, or keeps it
// by its file.
void RemoveEmptyDirectories(
    const std::filesystem::path& pool,
    const std::vector<std::filesystem::path>& directories);

// PoolDirectoryMaker makes the pool directories of the source packages a
// listing names, each once, on `threads` threads of its own (each taking
// `chunk` at a time), as they are named. Those of packages the prefix lists
// already exist: a failed mkdir(2) of each costs less than asking the
// database which are new (0.5 s of its time for 63,440 packages).
class PoolDirectoryMaker {
 public:
  PoolDirectoryMaker(std::filesystem::path prefix_dir, size_t threads,
                     size_t chunk);
  // Abandons (see Finish) unless Finish was called.
  ~PoolDirectoryMaker();

  PoolDirectoryMaker(const PoolDirectoryMaker&) = delete;
  PoolDirectoryMaker& operator=(const PoolDirectoryMaker&) = delete;

  // Add queues the directory of `source` in `component`, unless queued
  // before or not a plain name (which the listing refuses). One thread
  // adds.
  void Add(absl::string_view component, absl::string_view source);

  // Finish waits for the threads to make what is queued and returns how
  // many directories they made, or their first error. With `abandon` (the
  // tree will not be recorded, and its directories would stay empty) it
  // drops what is queued and removes again those they made, if still
  // empty. Called at most once.
  absl::StatusOr<int64_t> Finish(bool abandon);

 private:
  // Run takes `chunk_` directories at a time until the queue is closed and
  // empty.
  void Run();

  const std::filesystem::path prefix_dir_;
  const size_t chunk_;
  // Every "<component>/<source>" added; the adding thread's alone.
  absl::flat_hash_set<std::string> named_;
  absl::Mutex mu_;
  std::deque<std::filesystem::path> queued_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // The directories the threads made (not those that were there).
  std::vector<std::filesystem::path> made_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PUBLISH_POOL_DIRECTORIES_H_
