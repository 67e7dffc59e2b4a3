#include "deb/compression_pool.h"

#include <algorithm>
#include <utility>

namespace debrepo::deb {

CompressionPool::CompressionPool(int threads, size_t max_buffered_bytes,
                                 std::string lbzip2)
    : max_buffered_bytes_(max_buffered_bytes), lbzip2_(std::move(lbzip2)) {
  for (int i = 0; i < std::max(threads, 1); ++i) {
    threads_.emplace_back([this] { Run(); });
  }
}

CompressionPool::~CompressionPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void CompressionPool::Submit(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(task));
}

void CompressionPool::Reserve(size_t bytes) {
  absl::MutexLock lock(&mu_);
  auto fits = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return buffered_bytes_ == 0 ||
           buffered_bytes_ + bytes <= max_buffered_bytes_;
  };
  mu_.Await(absl::Condition(&fits));
  buffered_bytes_ += bytes;
}

void CompressionPool::Release(size_t bytes) {
  absl::MutexLock lock(&mu_);
  buffered_bytes_ -= bytes;
}

bool CompressionPool::TryStartLbzip2() {
  absl::MutexLock lock(&mu_);
  if (lbzip2_.empty() || lbzip2_running_ >= threads()) return false;
  ++lbzip2_running_;
  return true;
}

void CompressionPool::Lbzip2Ended() {
  absl::MutexLock lock(&mu_);
  --lbzip2_running_;
}

void CompressionPool::Run() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !tasks_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (tasks_.empty()) return;  // Stopping, and nothing left to run.
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace debrepo::deb
