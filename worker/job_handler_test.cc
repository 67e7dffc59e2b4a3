#include "worker/job_handler.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace debrepo::worker {
namespace {

JobContext::Options OptionsFor(int64_t job_id, int attempt,
                               const std::string& staging_root) {
  return {.job_id = job_id,
          .attempt = attempt,
          .staging_root = staging_root,
          .reader = nullptr,
          .interrupted = nullptr};
}

std::string TestRoot(absl::string_view name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

TEST(JobContextTest, KnowsItsJobAndAttempt) {
  JobContext context(OptionsFor(42, 3, TestRoot("ids")));
  EXPECT_EQ(context.job_id(), 42);
  EXPECT_EQ(context.attempt(), 3);
}

TEST(JobContextTest, StagingDirIsCreatedPerJobAndAttempt) {
  const std::string root = TestRoot("staging/nested");
  JobContext first(OptionsFor(7, 1, root));
  absl::StatusOr<std::string> dir = first.StagingDir();
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, root + "/job-7/attempt-1");
  EXPECT_TRUE(std::filesystem::is_directory(*dir));
  EXPECT_EQ(*first.StagingDir(), *dir);

  JobContext retry(OptionsFor(7, 2, root));
  absl::StatusOr<std::string> retry_dir = retry.StagingDir();
  ASSERT_TRUE(retry_dir.ok()) << retry_dir.status();
  EXPECT_EQ(*retry_dir, root + "/job-7/attempt-2");
  EXPECT_TRUE(std::filesystem::is_directory(*retry_dir));
}

TEST(JobContextTest, StagingDirThatCannotBeCreatedIsUnavailable) {
  const std::string file = TestRoot("a-file");
  ASSERT_EQ(std::system(("touch " + file).c_str()), 0);
  JobContext context(OptionsFor(1, 1, file));
  EXPECT_EQ(context.StagingDir().status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(JobContextTest, InterruptedAsksTheWorker) {
  EXPECT_FALSE(JobContext(OptionsFor(1, 1, TestRoot("x"))).Interrupted());
  bool stopping = false;
  JobContext::Options options = OptionsFor(1, 1, TestRoot("x"));
  options.interrupted = [&stopping] { return stopping; };
  JobContext context(std::move(options));
  EXPECT_FALSE(context.Interrupted());
  stopping = true;
  EXPECT_TRUE(context.Interrupted());
}

TEST(JobContextTest, SharedStagingDirOutlivesAttempts) {
  const std::string root = TestRoot("shared");
  JobContext first(OptionsFor(9, 1, root));
  absl::StatusOr<std::string> dir = first.SharedStagingDir();
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, root + "/job-9/shared");
  ASSERT_EQ(std::system(("touch " + *dir + "/partial").c_str()), 0);

  JobContext retry(OptionsFor(9, 2, root));
  absl::StatusOr<std::string> retry_dir = retry.SharedStagingDir();
  ASSERT_TRUE(retry_dir.ok()) << retry_dir.status();
  EXPECT_EQ(*retry_dir, *dir);
  EXPECT_TRUE(std::filesystem::exists(*retry_dir + "/partial"));
  EXPECT_NE(*retry.StagingDir(), *retry_dir);
}

v1::JobProgress FilesDone(int64_t done) {
  v1::JobProgress progress;
  progress.set_phase("downloading");
  progress.set_files_done(done);
  progress.set_files_total(100);
  return progress;
}

TEST(JobContextTest, ProgressIsThrottledAndTheLastReportFlushed) {
  std::vector<int64_t> written;
  JobContext::Options options = OptionsFor(1, 1, TestRoot("progress"));
  options.progress_writer = [&written](const v1::JobProgress& progress) {
    written.push_back(progress.files_done());
    return absl::OkStatus();
  };
  JobContext context(std::move(options));
  // The first report is written at once; those within the interval after
  // it are not, until the flush writes the last of them.
  for (int64_t done = 1; done <= 50; ++done) {
    context.ReportProgress(FilesDone(done));
  }
  EXPECT_EQ(written, std::vector<int64_t>({1}));
  context.FlushProgress();
  EXPECT_EQ(written, std::vector<int64_t>({1, 50}));
  // Nothing new: nothing to write.
  context.FlushProgress();
  EXPECT_EQ(written.size(), 2);
}

TEST(JobContextTest, ProgressWrittenAgainAfterTheInterval) {
  std::vector<int64_t> written;
  JobContext::Options options = OptionsFor(1, 1, TestRoot("progress2"));
  options.progress_writer = [&written](const v1::JobProgress& progress) {
    written.push_back(progress.files_done());
    return absl::OkStatus();
  };
  JobContext context(std::move(options));
  context.ReportProgress(FilesDone(1));
  absl::SleepFor(JobContext::kProgressInterval + absl::Milliseconds(50));
  context.ReportProgress(FilesDone(2));
  EXPECT_EQ(written, std::vector<int64_t>({1, 2}));
}

TEST(JobFailureTest, MarksAStatusAsTheJobsOwnFailure) {
  const absl::Status unavailable =
      absl::UnavailableError("http://archive/x: connection refused");
  EXPECT_FALSE(IsJobFailure(unavailable));
  const absl::Status marked = AsJobFailure(unavailable);
  EXPECT_TRUE(IsJobFailure(marked));
  EXPECT_EQ(marked.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(marked.message(), unavailable.message());
  EXPECT_TRUE(AsJobFailure(absl::OkStatus()).ok());

  absl::StatusOr<int> result = AsJobFailure(absl::StatusOr<int>(unavailable));
  EXPECT_TRUE(IsJobFailure(result.status()));
  EXPECT_EQ(*AsJobFailure(absl::StatusOr<int>(7)), 7);
}

}  // namespace
}  // namespace debrepo::worker
