#include "worker/job_handler.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
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

// ProgressLog records what a JobContext's progress writer wrote, from
// whichever thread.
class ProgressLog {
 public:
  JobContext::ProgressWriter Writer() {
    return [this](const v1::JobProgress& progress) {
      absl::MutexLock lock(&mu_);
      written_.push_back(progress.files_done());
      return absl::OkStatus();
    };
  }
  std::vector<int64_t> written() {
    absl::MutexLock lock(&mu_);
    return written_;
  }

 private:
  absl::Mutex mu_;
  std::vector<int64_t> written_ ABSL_GUARDED_BY(mu_);
};

TEST(JobContextTest, ProgressIsThrottledAndTheLastReportFlushed) {
  ProgressLog log;
  JobContext::Options options = OptionsFor(1, 1, TestRoot("progress"));
  options.progress_writer = log.Writer();
  JobContext context(std::move(options));
  // Reports within the interval are not each written; the flush writes
  // the last of them.
  for (int64_t done = 1; done <= 50; ++done) {
    context.ReportProgress(FilesDone(done));
  }
  context.FlushProgress();
  std::vector<int64_t> written = log.written();
  ASSERT_FALSE(written.empty());
  EXPECT_EQ(written.back(), 50);
  EXPECT_LE(written.size(), 2);
  // Nothing new: nothing to write.
  context.FlushProgress();
  EXPECT_EQ(log.written(), written);
}

TEST(JobContextTest, ProgressWrittenAgainAfterTheInterval) {
  ProgressLog log;
  JobContext::Options options = OptionsFor(1, 1, TestRoot("progress2"));
  options.progress_writer = log.Writer();
  JobContext context(std::move(options));
  context.ReportProgress(FilesDone(1));
  absl::SleepFor(JobContext::kProgressInterval + absl::Milliseconds(300));
  context.ReportProgress(FilesDone(2));
  absl::SleepFor(JobContext::kProgressInterval + absl::Milliseconds(300));
  // Written by the context's writer, without a flush.
  EXPECT_EQ(log.written(), std::vector<int64_t>({1, 2}));
}

// A slow database never holds up the thread that reports (a download
// loop): the write happens on the context's own writer.
TEST(JobContextTest, ReportingNeverWaitsForAWrite) {
  absl::Notification release;
  ProgressLog log;
  JobContext::Options options = OptionsFor(1, 1, TestRoot("progress3"));
  options.progress_writer =
      [&release, writer = log.Writer()](const v1::JobProgress& progress) {
        release.WaitForNotificationWithTimeout(absl::Seconds(10));
        return writer(progress);
      };
  JobContext context(std::move(options));
  const absl::Time start = absl::Now();
  for (int64_t done = 1; done <= 50; ++done) {
    context.ReportProgress(FilesDone(done));
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  release.Notify();
  context.FlushProgress();
  ASSERT_FALSE(log.written().empty());
  EXPECT_EQ(log.written().back(), 50);
}

// A loop may ask whether the job was cancelled as often as it likes: the
// database is read at most once per interval, and a cancel, once seen,
// stops the long phase.
TEST(JobContextTest, CancelIsReadAtMostOncePerInterval) {
  int reads = 0;
  bool cancelled = false;
  JobContext::Options options = OptionsFor(1, 1, TestRoot("cancel"));
  options.cancel_reader = [&]() -> absl::StatusOr<bool> {
    ++reads;
    return cancelled;
  };
  JobContext context(std::move(options));
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(context.StopRequested().ok());
  EXPECT_EQ(reads, 1);
  cancelled = true;
  EXPECT_FALSE(context.CancelRequested());  // not read again yet
  absl::SleepFor(JobContext::kCancelCheckInterval + absl::Milliseconds(50));
  EXPECT_EQ(context.StopRequested().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(reads, 2);
  EXPECT_TRUE(context.CancelRequested());
  EXPECT_EQ(reads, 2);
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
