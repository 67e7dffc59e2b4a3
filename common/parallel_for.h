// Running independent steps of one loop on several threads.
#ifndef DEBREPO_COMMON_PARALLEL_FOR_H_
#define DEBREPO_COMMON_PARALLEL_FOR_H_

#include <cstddef>

#include "absl/functional/function_ref.h"

namespace debrepo {

// ParallelFor calls `step(i)` once for every i in [0, count), on up to
// `threads` threads (the caller's among them), and returns when all calls
// have returned. Each thread takes the next i not yet taken, in ascending
// order. `step` must be safe to call from several threads at once; a loop
// that stops at its first failure has its steps return at once past the
// lowest i that failed so far.
void ParallelFor(size_t count, size_t threads,
                 absl::FunctionRef<void(size_t i)> step);

}  // namespace debrepo

#endif  // DEBREPO_COMMON_PARALLEL_FOR_H_
