#include "cli/task_commands.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/fake_server.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

class TaskCommandsTest : public ::testing::Test {
 protected:
  absl::Status Run(const std::vector<std::string>& args,
                   const Options& options = {}) {
    return server_.RunCommand(TaskCommands(), args, options, &out_);
  }

  // AddJob stores a job in `state` and returns its ID.
  int64_t AddJob(const std::string& kind, v1::JobState state) {
    v1::Job job;
    job.set_id(static_cast<int64_t>(server_.jobs.size()) + 1);
    job.set_kind(kind);
    job.set_state(state);
    server_.jobs[job.id()] = job;
    return job.id();
  }

  FakeServer server_;
  std::string out_;
};

TEST_F(TaskCommandsTest, ListFollowsPagesAndPassesFilters) {
  AddJob("repo.create", v1::SUCCEEDED);
  AddJob("repo.update", v1::FAILED);
  AddJob("noop", v1::QUEUED);
  ASSERT_THAT(Run({"task", "list", "-state=Failed", "-kind", "repo.update"}),
              IsOk());
  ASSERT_FALSE(server_.list_jobs_requests.empty());
  EXPECT_EQ(server_.list_jobs_requests[0].state(), v1::FAILED);
  EXPECT_EQ(server_.list_jobs_requests[0].kind(), "repo.update");
  // The fake ignores filters; every page is shown.
  EXPECT_EQ(out_,
            "List of tasks:\n * [3] noop: QUEUED\n * [2] repo.update: FAILED\n"
            " * [1] repo.create: SUCCEEDED\n");
}

TEST_F(TaskCommandsTest, ListEmptyAndBadState) {
  ASSERT_THAT(Run({"task", "list"}), IsOk());
  EXPECT_EQ(out_, "No tasks found.\n");
  const absl::Status status = Run({"task", "list", "-state=done"});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("bad state \"done\""));
}

TEST_F(TaskCommandsTest, Show) {
  v1::Job job;
  job.set_id(7);
  job.set_kind("repo.delete");
  job.set_state(v1::FAILED);
  job.set_attempts(2);
  job.set_worker("w1");
  job.set_status_code(static_cast<int>(absl::StatusCode::kFailedPrecondition));
  job.set_status_message("repo \"r\" is in use");
  job.mutable_create_time()->set_seconds(1700000000);
  job.add_exclusive_keys("repo/r");
  job.add_log("checking references");
  server_.jobs[7] = job;
  ASSERT_THAT(Run({"task", "show", "7"}), IsOk());
  EXPECT_EQ(out_,
            "ID: 7\nKind: repo.delete\nState: FAILED\n"
            "Created: 2023-11-14T22:13:20Z\nAttempts: 2\nWorker: w1\n"
            "Exclusive keys: repo/r\n"
            "Status: FAILED_PRECONDITION: repo \"r\" is in use\n"
            "Log:\n  checking references\n");
}

TEST_F(TaskCommandsTest, ShowSaysWhatAQueuedJobWaitsFor) {
  v1::Job job;
  job.set_id(8);
  job.set_kind("mirror.update");
  job.set_state(v1::QUEUED);
  job.set_waiting_reason(
      "waiting for a worker that runs mirror.update: none of the 2 live "
      "workers does");
  server_.jobs[8] = job;
  ASSERT_THAT(Run({"task", "show", "8"}), IsOk());
  EXPECT_EQ(out_,
            "ID: 8\nKind: mirror.update\nState: QUEUED\n"
            "Why queued: waiting for a worker that runs mirror.update: none "
            "of the 2 live workers does\n"
            "Attempts: 0\n");
}

TEST_F(TaskCommandsTest, ShowPrintsProgress) {
  v1::Job job;
  job.set_id(9);
  job.set_kind("mirror.sync");
  job.set_state(v1::RUNNING);
  job.set_attempts(1);
  v1::JobProgress& progress = *job.mutable_progress();
  progress.set_phase("downloading");
  progress.set_files_done(1);
  progress.set_files_total(4);
  progress.mutable_update_time()->set_seconds(1700000000);
  server_.jobs[9] = job;
  ASSERT_THAT(Run({"task", "show", "9"}), IsOk());
  EXPECT_EQ(out_,
            "ID: 9\nKind: mirror.sync\nState: RUNNING\nAttempts: 1\n"
            "Progress: downloading: files 1/4 (25%) (at "
            "2023-11-14T22:13:20Z)\n");
}

TEST_F(TaskCommandsTest, ShowMissingAndBadId) {
  EXPECT_THAT(Run({"task", "show", "99"}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(IsUsageError(Run({"task", "show", "0"})));
  EXPECT_TRUE(IsUsageError(Run({"task", "show", "x1"})));
}

TEST_F(TaskCommandsTest, Wait) {
  const int64_t id = AddJob("noop", v1::QUEUED);
  ASSERT_THAT(Run({"task", "wait", std::to_string(id)}), IsOk());
  EXPECT_EQ(out_, "Task 1 (noop) succeeded.\n");

  server_.end_state = v1::FAILED;
  server_.end_code = static_cast<int>(absl::StatusCode::kAborted);
  server_.end_message = "gave up after 5 attempts";
  const int64_t failing = AddJob("noop", v1::QUEUED);
  const absl::Status status = Run({"task", "wait", std::to_string(failing)});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(status.message(), "gave up after 5 attempts");
}

TEST_F(TaskCommandsTest, CancelQueued) {
  const int64_t id = AddJob("noop", v1::QUEUED);
  ASSERT_THAT(Run({"task", "cancel", std::to_string(id)}), IsOk());
  EXPECT_EQ(out_, "Task 1 has been cancelled.\n");
}

TEST_F(TaskCommandsTest, CancelRunningWaitsForTheEnd) {
  const int64_t id = AddJob("noop", v1::RUNNING);
  server_.running_polls = 0;
  server_.end_state = v1::CANCELLED;
  ASSERT_THAT(Run({"task", "cancel", std::to_string(id)}), IsOk());
  EXPECT_EQ(out_, "Task 1 has been cancelled.\n");
  EXPECT_EQ(server_.wait_calls, 1);

  Options options;
  options.async = true;
  const int64_t other = AddJob("noop", v1::RUNNING);
  ASSERT_THAT(Run({"task", "cancel", std::to_string(other)}, options), IsOk());
  EXPECT_THAT(out_, HasSubstr("Cancellation of task 2 requested"));
}

TEST_F(TaskCommandsTest, CancelEndedIsAnError) {
  const int64_t id = AddJob("noop", v1::SUCCEEDED);
  const absl::Status status = Run({"task", "cancel", std::to_string(id)});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("task 1 ended SUCCEEDED"));
}

}  // namespace
}  // namespace debrepo::cli
