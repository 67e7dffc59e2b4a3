#include "common/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace debrepo {

void ParallelFor(size_t count, size_t threads,
                 absl::FunctionRef<void(size_t i)> step) {
  std::atomic<size_t> next{0};
  auto run = [&] {
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
      step(i);
    }
  };
  std::vector<std::thread> helpers;
  const size_t helper_count = std::min(std::max<size_t>(threads, 1), count);
  for (size_t t = 1; t < helper_count; ++t) helpers.emplace_back(run);
  run();
  for (std::thread& helper : helpers) helper.join();
}

absl::Status ParallelForInChunks(
    size_t count, size_t threads, size_t chunk,
    absl::FunctionRef<absl::Status(size_t i)> step) {
  chunk = std::max<size_t>(chunk, 1);
  const size_t chunks = (count + chunk - 1) / chunk;
  std::vector<absl::Status> failures(chunks);
  std::atomic<bool> failed{false};
  ParallelFor(chunks, threads, [&](size_t c) {
    const size_t end = std::min(count, (c + 1) * chunk);
    for (size_t i = c * chunk; i < end; ++i) {
      if (failed.load(std::memory_order_relaxed)) return;
      failures[c] = step(i);
      if (!failures[c].ok()) {
        failed.store(true, std::memory_order_relaxed);
        return;
      }
    }
  });
  for (absl::Status& failure : failures) {
    if (!failure.ok()) return failure;
  }
  return absl::OkStatus();
}

}  // namespace debrepo
