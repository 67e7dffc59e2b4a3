// Making what was written to a file system durable.
#ifndef DEBREPO_COMMON_FILE_SYNC_H_
#define DEBREPO_COMMON_FILE_SYNC_H_

#include <string>

namespace debrepo {

// SyncFilesystem flushes every written file and directory entry of the
// file system holding `path` (a file or directory), as syncfs(2) does: one
// call instead of an fsync of each of thousands of files. Returns 0, or -1
// with errno set (by the open or the syncfs that failed).
int SyncFilesystem(const std::string& path);

}  // namespace debrepo

#endif  // DEBREPO_COMMON_FILE_SYNC_H_
