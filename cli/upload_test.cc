#include "cli/upload.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/job_spec.h"

namespace debrepo::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// WriteTestFile writes `contents` to a new file named `name` in the test's
// temporary directory and returns its path.
std::string WriteTestFile(const std::string& name,
                          const std::string& contents) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(HashFilesTest, HashesEveryFileInOrder) {
  std::vector<std::string> paths;
  for (int i = 0; i < 300; ++i) {
    paths.push_back(WriteTestFile(absl::StrCat("ordered-", i, ".deb"),
                                  absl::StrCat("contents ", i)));
  }
  const absl::StatusOr<std::vector<LocalFile>> files = HashFiles(paths);
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    const absl::StatusOr<LocalFile> alone = HashFile(paths[i]);
    ASSERT_TRUE(alone.ok()) << alone.status();
    EXPECT_EQ((*files)[i].path, paths[i]);
    EXPECT_EQ((*files)[i].stored_name, absl::StrCat("ordered-", i, ".deb"));
    EXPECT_EQ((*files)[i].size, alone->size);
    EXPECT_EQ((*files)[i].sha256, alone->sha256);
  }
  // printf 'contents 0' | sha256sum
  EXPECT_EQ((*files)[0].sha256,
            "1f4fe5127dfec7ccffd5ee098586041663ca74980bf8eeab18ea7719b7ee3d1d");
  EXPECT_EQ((*files)[0].size, 10);
}

TEST(HashFilesTest, NamesTheFirstUnreadableFile) {
  std::vector<std::string> paths;
  for (int i = 0; i < 300; ++i) {
    paths.push_back(WriteTestFile(absl::StrCat("missing-", i, ".deb"), "x"));
  }
  // Many missing files after the first: whichever thread fails first, the
  // error is the first one's in the list.
  for (int i = 120; i < 300; i += 7) std::remove(paths[i].c_str());
  const absl::StatusOr<std::vector<LocalFile>> files = HashFiles(paths);
  EXPECT_TRUE(absl::IsNotFound(files.status())) << files.status();
  EXPECT_THAT(files.status().message(),
              HasSubstr(absl::StrCat("cannot read ", paths[120])));
}

TEST(HashFilesTest, TwoFilesWithOneStoredNameAreAnError) {
  const std::string first = WriteTestFile("same name.deb", "a");
  const std::string second = WriteTestFile("same_name.deb", "b");
  const absl::StatusOr<std::vector<LocalFile>> files =
      HashFiles({first, second});
  EXPECT_TRUE(absl::IsInvalidArgument(files.status())) << files.status();
  EXPECT_THAT(files.status().message(),
              HasSubstr("two files would be stored as same_name.deb"));
}

// BatchSizes returns how many files each upload of UploadBatches carries
// for files of these sizes.
std::vector<size_t> BatchSizes(const std::vector<int64_t>& sizes) {
  std::vector<LocalFile> files;
  for (int64_t size : sizes) files.push_back({"f", "f", size, ""});
  std::vector<size_t> counts;
  for (absl::Span<const LocalFile> batch : UploadBatches(files)) {
    counts.push_back(batch.size());
  }
  return counts;
}

TEST(UploadBatchesTest, AtMostTheJobLimitOfFiles) {
  EXPECT_THAT(
      BatchSizes(std::vector<int64_t>(2 * jobs::kMaxUploadFilesPerJob + 1, 10)),
      ElementsAre(jobs::kMaxUploadFilesPerJob, jobs::kMaxUploadFilesPerJob, 1));
  EXPECT_THAT(BatchSizes({}), ElementsAre());
}

TEST(UploadBatchesTest, AtMostTheByteLimitUnlessOneFileIsLarger) {
  constexpr int64_t kMiB = 1 << 20;
  EXPECT_THAT(BatchSizes({100 * kMiB, 100 * kMiB, 100 * kMiB, 56 * kMiB}),
              ElementsAre(2, 2));
  EXPECT_THAT(BatchSizes({1, kMaxUploadBytes + 1, 1}), ElementsAre(1, 1, 1));
  EXPECT_THAT(BatchSizes({kMaxUploadBytes / 2, kMaxUploadBytes / 2, 0}),
              ElementsAre(3));
}

TEST(StoredFileNameTest, UnsafeCharactersBecomeUnderscores) {
  EXPECT_EQ(StoredFileName("hello (1).deb"), "hello__1_.deb");
  EXPECT_EQ(StoredFileName("\xc3\xa9t\xc3\xa9.deb"), "__t__.deb");
  EXPECT_EQ(StoredFileName(".hidden.deb"), "_hidden.deb");
  EXPECT_EQ(StoredFileName("a\\b\tc.deb"), "a_b_c.deb");
}

TEST(StoredFileNameTest, DebianFileNamesStayAsTheyAre) {
  for (const char* name :
       {"hello_2.10-3+b1_amd64.deb", "hello_2.10.orig.tar.gz",
        "libc6-udeb_2.36-9~bpo11_amd64.udeb", "hello_2.10-3.dsc"}) {
    EXPECT_EQ(StoredFileName(name), name);
  }
}

}  // namespace
}  // namespace debrepo::cli
