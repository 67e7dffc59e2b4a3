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

}  // namespace debrepo
