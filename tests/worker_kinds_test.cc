// Which job kinds workers run: a queued job of a kind that no live worker
// runs says so (GetJob's waiting_reason, DESIGN.md's "a job waiting for a
// worker of its kind says so"), a worker logs at start-up the queued kinds
// it does not run, and the job runs once a worker that runs it starts.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

v1::Job GetJob(Stack& stack, int64_t id) {
  v1::GetJobRequest request;
  request.set_id(id);
  v1::Job job;
  grpc::Status status =
      stack.jobs().GetJob(Deadline(absl::Seconds(10)).get(), request, &job);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return job;
}

v1::Job SubmitNoop(Stack& stack, const std::string& resource) {
  v1::SubmitNoopRequest request;
  request.set_resource(resource);
  v1::Job job;
  grpc::Status status = stack.admin().SubmitNoop(
      Deadline(absl::Seconds(10)).get(), request, &job);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return job;
}

TEST(WorkerKindsTest, QueuedJobSaysWhenNoLiveWorkerRunsItsKind) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();

  // No worker at all.
  v1::CreateRepoRequest create;
  create.mutable_repo()->set_name("patient");
  v1::Job created;
  ASSERT_TRUE(
      stack.repos()
          .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &created)
          .ok());
  v1::Job job = GetJob(stack, created.id());
  EXPECT_EQ(job.state(), v1::QUEUED);
  EXPECT_THAT(job.waiting_reason(),
              AllOf(HasSubstr("waiting for a worker that runs repo.create"),
                    HasSubstr("no worker is running")));

  // A worker that runs every kind but repo.create, one job at a time, each
  // held a few seconds.
  stack.StartWorker(
      {"--test_skip_kinds=repo.create", "--test_stall=3s", "--concurrency=1"});
  const v1::Job first = SubmitNoop(stack, "probe");
  const v1::Job second = SubmitNoop(stack, "probe");
  ASSERT_EQ(WaitUntilRunning(stack, first.id()).state(), v1::RUNNING);
  // Queued behind the first on noop/probe, of a kind a live worker runs:
  // nothing to explain.
  job = GetJob(stack, second.id());
  EXPECT_EQ(job.state(), v1::QUEUED);
  EXPECT_EQ(job.waiting_reason(), "");
  job = GetJob(stack, created.id());
  EXPECT_EQ(job.state(), v1::QUEUED);
  EXPECT_THAT(job.waiting_reason(),
              AllOf(HasSubstr("waiting for a worker that runs repo.create"),
                    HasSubstr("none of the 1 live workers does")));

  // A kind no version of the worker runs yet (a newer server's, say).
  const std::string unknown = db.QueryValue(
      "WITH j AS (INSERT INTO jobs (kind, args, exclusive_keys, shared_keys) "
      "VALUES ('future.kind', '{}', '{future/m}', '{gc}') RETURNING id), "
      "k AS (INSERT INTO job_keys (key, job_id, exclusive) "
      "SELECT 'future/m', id, true FROM j UNION ALL "
      "SELECT 'gc', id, false FROM j) SELECT id FROM j");
  ASSERT_NE(unknown, "");
  EXPECT_THAT(GetJob(stack, std::stoll(unknown)).waiting_reason(),
              HasSubstr("waiting for a worker that runs future.kind"));

  // A worker that runs repo.create: the job runs.
  const int full = stack.StartWorker();
  job = stack.WaitJob(created.id());
  EXPECT_EQ(job.state(), v1::SUCCEEDED) << job.status_message();
  EXPECT_EQ(job.waiting_reason(), "");
  EXPECT_EQ(GetJob(stack, created.id()).waiting_reason(), "");
  job = GetJob(stack, std::stoll(unknown));
  EXPECT_EQ(job.state(), v1::QUEUED);
  EXPECT_THAT(job.waiting_reason(),
              AllOf(HasSubstr("waiting for a worker that runs future.kind"),
                    HasSubstr("none of the 2 live workers does")));
  // The new worker said at start-up that it leaves that job alone.
  EXPECT_THAT(ReadFile(stack.worker_log(full)),
              HasSubstr("1 queued jobs of kind future.kind wait for a "
                        "worker that runs that kind; this one does not"));
}

}  // namespace
}  // namespace debrepo::testing
