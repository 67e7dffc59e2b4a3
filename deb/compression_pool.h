// CompressionPool: the threads that compress index files for
// CompressedWriters, and the budget of written data waiting for them.
#ifndef DEBREPO_DEB_COMPRESSION_POOL_H_
#define DEBREPO_DEB_COMPRESSION_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace debrepo::deb {

// CompressionPool runs tasks on a fixed set of threads, first come first
// served, and bounds the data buffered for them: a writer Reserves the
// bytes of a chunk before handing it over, and the chunk's last reader
// Releases them. Thread-safe.
class CompressionPool {
 public:
  // CompressionPool starts `threads` threads (at least one); at most
  // `max_buffered_bytes` may be reserved at once, except that one
  // reservation of any size is always let through, so a chunk larger than
  // the budget cannot wait forever. `lbzip2`, when not empty, is the path
  // of lbzip2(1): a writer's bzip2 variant of at least a chunk then goes
  // through one lbzip2 process on as many threads of its own, instead of
  // libbz2 pieces on these, while fewer than `threads` such processes run
  // (each holds about 16 MB at 2 threads; a distribution of many
  // components and architectures has an index of each open at once).
  CompressionPool(int threads, size_t max_buffered_bytes,
                  std::string lbzip2 = "");

  // ~CompressionPool runs the tasks still queued, then joins the threads.
  ~CompressionPool();

  CompressionPool(const CompressionPool&) = delete;
  CompressionPool& operator=(const CompressionPool&) = delete;

  int threads() const { return static_cast<int>(threads_.size()); }
  const std::string& lbzip2() const { return lbzip2_; }

  // Submit queues `task` to run on one of the threads.
  void Submit(std::function<void()> task);

  // Reserve waits until `bytes` fit in the budget and takes them.
  void Reserve(size_t bytes);

  // Release returns `bytes` reserved earlier to the budget.
  void Release(size_t bytes);

  // TryStartLbzip2 takes one of the `threads` places for an lbzip2
  // process, or says that none is free (false, also without lbzip2);
  // Lbzip2Ended gives a place back once its process has exited.
  bool TryStartLbzip2();
  void Lbzip2Ended();

 private:
  void Run();

  const size_t max_buffered_bytes_;
  const std::string lbzip2_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  size_t buffered_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int lbzip2_running_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
};

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_COMPRESSION_POOL_H_
