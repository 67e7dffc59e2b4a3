#include "cli/job_progress.h"

#include <optional>

#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

v1::JobProgress Downloading(int64_t files_done, int64_t files_total,
                            int64_t bytes_done, int64_t bytes_total) {
  v1::JobProgress progress;
  progress.set_phase("downloading");
  progress.set_indices_done(3);
  progress.set_indices_total(3);
  progress.set_files_done(files_done);
  progress.set_files_total(files_total);
  progress.set_bytes_done(bytes_done);
  progress.set_bytes_total(bytes_total);
  return progress;
}

TEST(JobProgressTest, CountsNameEveryKnownTotal) {
  v1::JobProgress progress = Downloading(120, 500, 1536, 3 << 20);
  progress.set_indices_done(2);
  EXPECT_EQ(ProgressCounts(progress),
            "downloading: indices 2/3, files 120/500, 1.50 KiB/3.00 MiB");
}

TEST(JobProgressTest, CountsLeaveOutIndicesAllReadOnceFilesAreCounted) {
  EXPECT_EQ(ProgressCounts(Downloading(120, 500, 1536, 3 << 20)),
            "downloading: files 120/500, 1.50 KiB/3.00 MiB");
  EXPECT_EQ(ProgressCounts(Downloading(0, 0, 0, 0)),
            "downloading: indices 3/3");
}

TEST(JobProgressTest, CountsLeaveOutUnknownTotals) {
  v1::JobProgress progress;
  progress.set_phase("reading indices");
  progress.set_indices_done(1);
  progress.set_indices_total(4);
  EXPECT_EQ(ProgressCounts(progress), "reading indices: indices 1/4");
  progress.clear_indices_total();
  EXPECT_EQ(ProgressCounts(progress), "reading indices");
  EXPECT_EQ(ProgressCounts(v1::JobProgress()), "running");
}

TEST(JobProgressTest, FractionPrefersBytesThenFilesThenIndices) {
  EXPECT_DOUBLE_EQ(*ProgressFraction(Downloading(1, 2, 1, 4)), 0.25);
  EXPECT_DOUBLE_EQ(*ProgressFraction(Downloading(1, 2, 0, 0)), 0.5);
  EXPECT_DOUBLE_EQ(*ProgressFraction(Downloading(0, 0, 0, 0)), 1.0);
  EXPECT_EQ(ProgressFraction(v1::JobProgress()), std::nullopt);
}

TEST(JobProgressTest, FractionStaysWithinZeroAndOne) {
  // A worker may count a retried file twice.
  EXPECT_DOUBLE_EQ(*ProgressFraction(Downloading(0, 0, 9, 4)), 1.0);
}

TEST(JobProgressTest, BarFillsInProportion) {
  EXPECT_EQ(ProgressBar(0, 10), "[          ]   0%");
  EXPECT_EQ(ProgressBar(0.45, 10), "[===>      ]  45%");
  EXPECT_EQ(ProgressBar(1, 10), "[==========] 100%");
  EXPECT_EQ(ProgressBar(7, 4), "[====] 100%");
}

TEST(JobProgressTest, SummaryAddsThePercentage) {
  EXPECT_EQ(ProgressSummary(Downloading(1, 4, 0, 0)),
            "downloading: files 1/4 (25%)");
  v1::JobProgress recording;
  recording.set_phase("recording packages");
  EXPECT_EQ(ProgressSummary(recording), "recording packages");
}

}  // namespace
}  // namespace debrepo::cli
