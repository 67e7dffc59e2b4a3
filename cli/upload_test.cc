#include "cli/upload.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/job_spec.h"

namespace debrepo::cli {
namespace {

using ::testing::ElementsAre;

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
