#include "worker/job_handler.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
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

}  // namespace
}  // namespace debrepo::worker
