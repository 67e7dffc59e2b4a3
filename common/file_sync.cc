#include "common/file_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

namespace debrepo {

int SyncFilesystem(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const int result = syncfs(fd);
  // close() may set errno of its own: keep syncfs's.
  const int sync_errno = errno;
  close(fd);
  errno = sync_errno;
  return result == 0 ? 0 : -1;
}

}  // namespace debrepo
