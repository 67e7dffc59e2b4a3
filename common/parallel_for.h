// Running independent steps of one loop on several threads.
#ifndef DEBREPO_COMMON_PARALLEL_FOR_H_
#define DEBREPO_COMMON_PARALLEL_FOR_H_

#include <cstddef>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace debrepo {

// ParallelFor calls `step(i)` once for every i in [0, count), on up to
// `threads` threads (the caller's among them), and returns when all calls
// have returned. Each thread takes the next i not yet taken, in ascending
// order. `step` must be safe to call from several threads at once; a loop
// that stops at its first failure has its steps return at once past the
// lowest i that failed so far.
void ParallelFor(size_t count, size_t threads,
                 absl::FunctionRef<void(size_t i)> step);

// ParallelForInChunks calls `step(i)` for i in [0, count) on up to
// `threads` threads, each taking `chunk` consecutive i at a time (steps on
// neighbouring items, e.g. files in one directory, then mostly run on one
// thread), until a step fails. Returns the failure of the lowest chunk
// that failed (steps after a failure are not called, unless already under
// way on another thread), or OK when every step succeeded.
absl::Status ParallelForInChunks(
    size_t count, size_t threads, size_t chunk,
    absl::FunctionRef<absl::Status(size_t i)> step);

}  // namespace debrepo

#endif  // DEBREPO_COMMON_PARALLEL_FOR_H_
