// End to end through gRPC: repos' life cycle, validation, jobs' API.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace debrepo::testing {
namespace {

using ::testing::HasSubstr;

class ReposE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartWorker();
  }

  TestDatabase db_;
  Stack stack_{db_.url()};
};

TEST_F(ReposE2eTest, CreateGetListUpdateDelete) {
  v1::CreateRepoRequest create;
  create.mutable_repo()->set_name("main");
  create.mutable_repo()->set_comment("our packages");
  create.mutable_repo()->set_default_distribution("bookworm");
  create.mutable_repo()->set_default_component("main");
  v1::Job job;
  ASSERT_TRUE(stack_.repos()
                  .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &job)
                  .ok());
  EXPECT_EQ(job.kind(), "repo.create");
  job = stack_.WaitJob(job.id());
  ASSERT_EQ(job.state(), v1::SUCCEEDED) << job.status_message();
  EXPECT_EQ(job.result().repo().comment(), "our packages");
  EXPECT_EQ(job.attempts(), 1);
  EXPECT_THAT(job.worker(), HasSubstr("test-worker-0/"));

  v1::GetRepoRequest get;
  get.set_name("main");
  v1::Repo repo;
  ASSERT_TRUE(stack_.repos()
                  .GetRepo(Deadline(absl::Seconds(10)).get(), get, &repo)
                  .ok());
  EXPECT_EQ(repo.default_distribution(), "bookworm");
  EXPECT_TRUE(repo.has_create_time());

  v1::UpdateRepoRequest update;
  update.set_name("main");
  update.mutable_repo()->set_comment("changed");
  update.mutable_update_mask()->add_paths("comment");
  ASSERT_TRUE(stack_.repos()
                  .UpdateRepo(Deadline(absl::Seconds(10)).get(), update, &job)
                  .ok());
  ASSERT_EQ(stack_.WaitJob(job.id()).state(), v1::SUCCEEDED);
  ASSERT_TRUE(stack_.repos()
                  .GetRepo(Deadline(absl::Seconds(10)).get(), get, &repo)
                  .ok());
  EXPECT_EQ(repo.comment(), "changed");
  EXPECT_EQ(repo.default_distribution(), "bookworm");  // untouched

  Result renamed = RenameRepo(stack_, "main", "primary");
  ASSERT_EQ(renamed.code, absl::StatusCode::kOk) << renamed.message;
  EXPECT_EQ(stack_.repos()
                .GetRepo(Deadline(absl::Seconds(10)).get(), get, &repo)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  Result dropped = DeleteRepo(stack_, "primary");
  ASSERT_EQ(dropped.code, absl::StatusCode::kOk) << dropped.message;
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM repos"), "0");
}

TEST_F(ReposE2eTest, ListPaginates) {
  for (int i = 0; i < 7; ++i) {
    Result created = CreateRepo(stack_, absl::StrCat("r", i));
    ASSERT_EQ(created.code, absl::StatusCode::kOk) << created.message;
  }
  std::vector<std::string> names;
  v1::ListReposRequest request;
  request.set_page_size(3);
  int pages = 0;
  do {
    v1::ListReposResponse response;
    ASSERT_TRUE(
        stack_.repos()
            .ListRepos(Deadline(absl::Seconds(10)).get(), request, &response)
            .ok());
    for (const v1::Repo& repo : response.repos()) names.push_back(repo.name());
    request.set_page_token(response.next_page_token());
    ++pages;
  } while (!request.page_token().empty());
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(names,
              ::testing::ElementsAre("r0", "r1", "r2", "r3", "r4", "r5", "r6"));
  request.set_page_token("garbage");
  v1::ListReposResponse response;
  EXPECT_EQ(
      stack_.repos()
          .ListRepos(Deadline(absl::Seconds(10)).get(), request, &response)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ReposE2eTest, BadRequestsGetClearErrorsAndNoJob) {
  for (const std::string& name :
       std::vector<std::string>{"", "../x", "a b", std::string(101, 'a')}) {
    Result result = CreateRepo(stack_, name);
    EXPECT_EQ(result.code, absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(result.message, HasSubstr("repo name"));
  }
  Result missing = DeleteRepo(stack_, "nope");
  EXPECT_EQ(missing.code, absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message, HasSubstr("\"nope\" does not exist"));

  v1::UpdateRepoRequest update;
  update.set_name("nope");
  update.mutable_update_mask()->add_paths("create_time");
  v1::Job job;
  grpc::Status status = stack_.repos().UpdateRepo(
      Deadline(absl::Seconds(10)).get(), update, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("cannot be changed"));

  // Nothing reached the queue.
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM jobs"), "0");

  ASSERT_EQ(CreateRepo(stack_, "dup").code, absl::StatusCode::kOk);
  Result again = CreateRepo(stack_, "dup");
  EXPECT_EQ(again.code, absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.message, HasSubstr("already exists"));
}

TEST_F(ReposE2eTest, JobsCanBeListedFilteredAndWaitedWithTimeout) {
  ASSERT_EQ(CreateRepo(stack_, "a").code, absl::StatusCode::kOk);
  ASSERT_EQ(CreateRepo(stack_, "a").code, absl::StatusCode::kAlreadyExists);
  v1::ListJobsRequest request;
  request.set_state(v1::SUCCEEDED);
  v1::ListJobsResponse response;
  ASSERT_TRUE(
      stack_.jobs()
          .ListJobs(Deadline(absl::Seconds(10)).get(), request, &response)
          .ok());
  ASSERT_EQ(response.jobs_size(), 1);
  EXPECT_EQ(response.jobs(0).kind(), "repo.create");

  v1::GetJobRequest get;
  get.set_id(response.jobs(0).id());
  v1::Job job;
  ASSERT_TRUE(
      stack_.jobs().GetJob(Deadline(absl::Seconds(10)).get(), get, &job).ok());
  ASSERT_GE(job.log_size(), 1);
  EXPECT_THAT(job.log(0), HasSubstr("attempt 1 on worker test-worker-0"));

  get.set_id(999999);
  EXPECT_EQ(stack_.jobs()
                .GetJob(Deadline(absl::Seconds(10)).get(), get, &job)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ReposE2eTest, CancelQueuedAndRunningJobs) {
  // Stop the only worker so that jobs stay queued.
  stack_.worker(0).Signal(SIGTERM);
  stack_.worker(0).Wait();

  v1::CreateRepoRequest create;
  create.mutable_repo()->set_name("never");
  v1::Job queued;
  ASSERT_TRUE(
      stack_.repos()
          .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &queued)
          .ok());
  v1::WaitJobRequest wait;
  wait.set_id(queued.id());
  *wait.mutable_timeout() =
      google::protobuf::util::TimeUtil::MillisecondsToDuration(300);
  v1::Job still;
  const absl::Time before = absl::Now();
  ASSERT_TRUE(stack_.jobs()
                  .WaitJob(Deadline(absl::Seconds(10)).get(), wait, &still)
                  .ok());
  EXPECT_EQ(still.state(), v1::QUEUED);
  EXPECT_GE(absl::Now() - before, absl::Milliseconds(250));

  v1::CancelJobRequest cancel;
  cancel.set_id(queued.id());
  v1::Job cancelled;
  ASSERT_TRUE(
      stack_.jobs()
          .CancelJob(Deadline(absl::Seconds(10)).get(), cancel, &cancelled)
          .ok());
  EXPECT_EQ(cancelled.state(), v1::CANCELLED);

  // A running job: a stalled worker holds it until cancelled.
  stack_.StartWorker({"--test_stall=3s"});
  create.mutable_repo()->set_name("stopped");
  v1::Job running;
  ASSERT_TRUE(
      stack_.repos()
          .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &running)
          .ok());
  v1::GetJobRequest get;
  get.set_id(running.id());
  for (int i = 0; i < 200 && running.state() != v1::RUNNING; ++i) {
    absl::SleepFor(absl::Milliseconds(25));
    ASSERT_TRUE(stack_.jobs()
                    .GetJob(Deadline(absl::Seconds(10)).get(), get, &running)
                    .ok());
  }
  ASSERT_EQ(running.state(), v1::RUNNING);
  cancel.set_id(running.id());
  ASSERT_TRUE(
      stack_.jobs()
          .CancelJob(Deadline(absl::Seconds(10)).get(), cancel, &cancelled)
          .ok());
  EXPECT_TRUE(cancelled.cancel_requested());
  v1::Job ended = stack_.WaitJob(running.id());
  EXPECT_EQ(ended.state(), v1::CANCELLED);
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM repos"), "0");
  // The cancelled jobs' keys were released: the name is usable.
  EXPECT_EQ(CreateRepo(stack_, "never").code, absl::StatusCode::kOk);
}

}  // namespace
}  // namespace debrepo::testing
