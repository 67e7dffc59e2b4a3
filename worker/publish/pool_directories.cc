#include "worker/publish/pool_directories.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <set>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "deb/package_key.h"
#include "worker/publish/file_errors.h"

namespace debrepo::worker {

namespace fs = std::filesystem;

absl::StatusOr<bool> MakeDirectory(const fs::path& directory) {
  if (mkdir(directory.c_str(), 0777) == 0) return true;
  if (errno == EEXIST) return false;
  std::error_code error;
  const bool created = fs::create_directories(directory, error);
  if (error) return FileError("cannot create", directory, error);
  return created;
}

void RemoveEmptyDirectories(const fs::path& pool,
                            const std::vector<fs::path>& directories) {
  std::set<fs::path> all;
  for (const fs::path& leaf : directories) {
    for (fs::path directory = leaf;
         directory != pool && directory.has_relative_path() &&
         all.insert(directory).second;
         directory = directory.parent_path()) {
    }
  }
  // Deepest first, so that a parent is empty once its children are gone.
  std::vector<fs::path> deepest_first(all.begin(), all.end());
  std::sort(deepest_first.begin(), deepest_first.end(),
            [](const fs::path& a, const fs::path& b) {
              return a.string().size() > b.string().size();
            });
  for (const fs::path& directory : deepest_first) rmdir(directory.c_str());
}

PoolDirectoryMaker::PoolDirectoryMaker(fs::path prefix_dir, size_t threads,
                                       size_t chunk)
    : prefix_dir_(std::move(prefix_dir)), chunk_(std::max<size_t>(chunk, 1)) {
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) {
    threads_.emplace_back([this] { Run(); });
  }
}

PoolDirectoryMaker::~PoolDirectoryMaker() {
  if (!threads_.empty()) (void)Finish(/*abandon=*/true);
}

void PoolDirectoryMaker::Add(absl::string_view component,
                             absl::string_view source) {
  if (!named_.insert(absl::StrCat(component, "/", source)).second) return;
  absl::StatusOr<std::string> path = deb::PoolDirectory(component, source);
  if (!path.ok()) return;
  absl::MutexLock lock(&mu_);
  queued_.push_back(prefix_dir_ / *path);
}

absl::StatusOr<int64_t> PoolDirectoryMaker::Finish(bool abandon) {
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    if (abandon) queued_.clear();
  }
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  absl::MutexLock lock(&mu_);
  if (abandon) {
    RemoveEmptyDirectories(prefix_dir_ / "pool", made_);
    made_.clear();
  }
  if (!status_.ok()) return status_;
  return static_cast<int64_t>(made_.size());
}

void PoolDirectoryMaker::Run() {
  while (true) {
    std::vector<fs::path> taken;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return closed_ || !queued_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queued_.empty() || !status_.ok()) return;
      while (!queued_.empty() && taken.size() < chunk_) {
        taken.push_back(std::move(queued_.front()));
        queued_.pop_front();
      }
    }
    std::vector<fs::path> made;
    absl::Status status;
    for (fs::path& directory : taken) {
      absl::StatusOr<bool> created = MakeDirectory(directory);
      if (!created.ok()) {
        status = created.status();
        break;
      }
      if (*created) made.push_back(std::move(directory));
    }
    absl::MutexLock lock(&mu_);
    made_.insert(made_.end(), std::make_move_iterator(made.begin()),
                 std::make_move_iterator(made.end()));
    status_.Update(status);
  }
}

}  // namespace debrepo::worker
