#include "common/file_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace debrepo {

namespace {

// SyncOpened opens `path` read-only and calls `sync` (fsync or syncfs) on
// it, keeping the call's errno.
int SyncOpened(const std::string& path, int (*sync)(int)) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const int result = sync(fd);
  // close() may set errno of its own: keep the sync's.
  const int sync_errno = errno;
  close(fd);
  errno = sync_errno;
  return result == 0 ? 0 : -1;
}

}  // namespace

int SyncFilesystem(const std::string& path) { return SyncOpened(path, syncfs); }

int SyncPath(const std::string& path) { return SyncOpened(path, fsync); }

int SyncTree(const std::string& directory) {
  std::error_code error;
  for (auto it =
           std::filesystem::recursive_directory_iterator(directory, error);
       !error && it != std::filesystem::recursive_directory_iterator();
       it.increment(error)) {
    const std::filesystem::file_status status = it->symlink_status(error);
    if (error) break;
    if ((std::filesystem::is_regular_file(status) ||
         std::filesystem::is_directory(status)) &&
        SyncPath(it->path().string()) != 0) {
      return -1;
    }
  }
  if (error) {
    errno = error.value();
    return -1;
  }
  return SyncPath(directory);
}

}  // namespace debrepo
