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

// SyncPath flushes the file or directory at `path` (a directory's entries)
// as fsync(2) does. Returns 0, or -1 with errno set.
int SyncPath(const std::string& path);

// SyncTree flushes `directory` and every file and directory under it, one
// fsync each: unlike SyncFilesystem, it never waits for other writers of
// the file system, so it is the cheaper way to make a tree of tens of
// files durable. Symbolic links are not followed. Returns 0, or -1 with
// errno set by the first step that failed.
int SyncTree(const std::string& directory);

}  // namespace debrepo

#endif  // DEBREPO_COMMON_FILE_SYNC_H_
