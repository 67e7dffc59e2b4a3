#include "common/file_sync.h"

#include <errno.h>

#include <filesystem>
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

TEST(SyncTreeTest, SyncsEveryFileAndDirectoryOfATree) {
  const std::string tree = ::testing::TempDir() + "/tree";
  std::filesystem::create_directories(tree + "/a/b");
  std::ofstream(tree + "/a/b/file") << "bytes";
  std::ofstream(tree + "/top") << "bytes";
  std::filesystem::create_hard_link(tree + "/top", tree + "/a/link");
  std::filesystem::create_symlink("/nonexistent", tree + "/a/dangling");
  EXPECT_EQ(SyncTree(tree), 0);
  EXPECT_EQ(SyncPath(tree + "/a/b/file"), 0);
}

TEST(SyncTreeTest, AMissingTreeFailsWithItsErrno) {
  errno = 0;
  EXPECT_EQ(SyncTree(::testing::TempDir() + "/missing-tree"), -1);
  EXPECT_EQ(errno, ENOENT);
  errno = 0;
  EXPECT_EQ(SyncPath(::testing::TempDir() + "/missing-file"), -1);
  EXPECT_EQ(errno, ENOENT);
}

}  // namespace
}  // namespace debrepo
