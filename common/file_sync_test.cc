#include "common/file_sync.h"

#include <errno.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace debrepo {
namespace {

TEST(SyncFilesystemTest, SyncsTheFileSystemOfAFileOrDirectory) {
  const std::string directory = ::testing::TempDir();
  const std::string file = directory + "/written";
  std::ofstream(file) << "bytes";
  EXPECT_EQ(SyncFilesystem(directory), 0);
  EXPECT_EQ(SyncFilesystem(file), 0);
}

TEST(SyncFilesystemTest, AMissingPathFailsWithItsErrno) {
  errno = 0;
  EXPECT_EQ(SyncFilesystem(::testing::TempDir() + "/missing"), -1);
  EXPECT_EQ(errno, ENOENT);
}

}  // namespace
}  // namespace debrepo
