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
  for (int64_t size : sizes) files.push_back({"f", size, ""});
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

}  // namespace
}  // namespace debrepo::cli
