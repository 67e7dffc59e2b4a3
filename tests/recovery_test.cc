// Failures: a worker killed in the middle of a job, a graceful stop, and
// the database restarted under load.
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/advisory_lock.h"
#include "tests/harness.h"

namespace debrepo::testing {
namespace {

TEST(RecoveryTest, KilledWorkersJobCompletesExactlyOnceElsewhere) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  const int doomed = stack.StartWorker({"--test_stall=60s"});

  v1::CreateRepoRequest create;
  create.mutable_repo()->set_name("survivor");
  v1::Job job;
  ASSERT_TRUE(stack.repos()
                  .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &job)
                  .ok());
  v1::Job running = WaitUntilRunning(stack, job.id());
  ASSERT_EQ(running.state(), v1::RUNNING);
  EXPECT_THAT(running.worker(), ::testing::HasSubstr("test-worker-0"));

  stack.worker(doomed).Signal(SIGKILL);
  stack.worker(doomed).Wait();
  stack.StartWorker();

  v1::Job done = stack.WaitJob(job.id(), absl::Seconds(60));
  EXPECT_EQ(done.state(), v1::SUCCEEDED) << done.status_message();
  EXPECT_EQ(done.attempts(), 2);
  EXPECT_THAT(done.worker(), ::testing::HasSubstr("test-worker-1"));
  EXPECT_THAT(done.log(), ::testing::Contains(::testing::HasSubstr(
                              "died during attempt 1; requeued")));
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM repos"), "1");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_outcomes"), "1");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_keys"), "0");
}

// A job that ended away from the worker that staged it (finalized or
// failed by recovery, retried elsewhere) leaves its staging directory: a
// worker sweeps those of ended (or pruned) jobs when it starts, and keeps
// those of jobs that still run.
TEST(RecoveryTest, AStartingWorkerSweepsTheStagingOfEndedJobs) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  stack.StartWorker();
  const Result done = CreateRepo(stack, "done");
  ASSERT_EQ(done.code, absl::StatusCode::kOk) << done.message;
  stack.worker(0).Signal(SIGTERM);
  stack.worker(0).Wait();
  stack.StartWorker({"--test_stall=60s"});
  v1::CreateRepoRequest create;
  create.mutable_repo()->set_name("held");
  v1::Job held;
  ASSERT_TRUE(stack.repos()
                  .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &held)
                  .ok());
  ASSERT_EQ(WaitUntilRunning(stack, held.id()).state(), v1::RUNNING);

  const std::string staging = stack.blob_dir() + "/staging";
  auto stage = [&](const std::string& directory) {
    std::filesystem::create_directories(staging + "/" + directory);
    std::ofstream(staging + "/" + directory + "/partial") << "bytes";
    return staging + "/" + directory;
  };
  const std::string ended =
      stage(absl::StrCat("job-", done.job.id(), "/shared"));
  const std::string pruned = stage("job-999999/attempt-1");
  const std::string running = stage(absl::StrCat("job-", held.id(), "/shared"));
  const std::string other = stage("not-a-job");
  stack.StartWorker();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline &&
         (std::filesystem::exists(ended) || std::filesystem::exists(pruned))) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_FALSE(
      std::filesystem::exists(absl::StrCat(staging, "/job-", done.job.id())));
  EXPECT_FALSE(std::filesystem::exists(staging + "/job-999999"));
  EXPECT_TRUE(std::filesystem::exists(running + "/partial"));
  EXPECT_TRUE(std::filesystem::exists(other + "/partial"));
}

TEST(RecoveryTest, WorkerDyingBetweenCommitAndFinishIsSettledWithoutRerun) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  const int dying = stack.StartWorker({"--test_exit_after_commit"});
  v1::CreateRepoRequest create;
  create.mutable_repo()->set_name("committed");
  v1::Job job;
  ASSERT_TRUE(stack.repos()
                  .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &job)
                  .ok());
  stack.worker(dying).Wait();  // exits once the transaction committed
  EXPECT_EQ(db.QueryValue("SELECT state FROM jobs"), "running");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_outcomes"), "1");

  stack.StartWorker();
  v1::Job done = stack.WaitJob(job.id(), absl::Seconds(60));
  EXPECT_EQ(done.state(), v1::SUCCEEDED) << done.status_message();
  // Finished from the committed outcome: not claimed or run a second time.
  EXPECT_EQ(done.attempts(), 1);
  EXPECT_EQ(done.result().repo().name(), "committed");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM repos"), "1");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_keys"), "0");
}

TEST(RecoveryTest, JobWhoseWorkersKeepDyingFailsWithAborted) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  const int doomed = stack.StartWorker({"--test_stall=60s"});
  v1::CreateRepoRequest create;
  create.mutable_repo()->set_name("cursed");
  v1::Job job;
  ASSERT_TRUE(stack.repos()
                  .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &job)
                  .ok());
  ASSERT_EQ(WaitUntilRunning(stack, job.id()).state(), v1::RUNNING);
  stack.worker(doomed).Signal(SIGKILL);
  stack.worker(doomed).Wait();
  // This worker's recovery allows one attempt only.
  stack.StartWorker({"--max_attempts=1"});
  v1::Job failed = stack.WaitJob(job.id(), absl::Seconds(60));
  EXPECT_EQ(failed.state(), v1::FAILED);
  EXPECT_EQ(failed.status_code(), static_cast<int>(absl::StatusCode::kAborted));
  EXPECT_THAT(failed.status_message(), ::testing::HasSubstr("died 1 times"));
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM repos"), "0");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_keys"), "0");
}

TEST(RecoveryTest, SigtermFinishesTheCurrentJob) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  const int worker = stack.StartWorker({"--test_stall=2s"});
  v1::CreateRepoRequest create;
  create.mutable_repo()->set_name("finished");
  v1::Job job;
  ASSERT_TRUE(stack.repos()
                  .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &job)
                  .ok());
  ASSERT_EQ(WaitUntilRunning(stack, job.id()).state(), v1::RUNNING);
  stack.worker(worker).Signal(SIGTERM);
  const int status = stack.worker(worker).Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  v1::GetJobRequest get;
  get.set_id(job.id());
  ASSERT_TRUE(
      stack.jobs().GetJob(Deadline(absl::Seconds(5)).get(), get, &job).ok());
  EXPECT_EQ(job.state(), v1::SUCCEEDED);
  EXPECT_EQ(job.attempts(), 1);
}

// True once `process` has exited, waiting up to `timeout`.
bool ExitsWithin(Process& process, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (process.Running()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

v1::Job GetJob(Stack& stack, int64_t id) {
  v1::GetJobRequest get;
  get.set_id(id);
  v1::Job job;
  EXPECT_TRUE(
      stack.jobs().GetJob(Deadline(absl::Seconds(5)).get(), get, &job).ok());
  return job;
}

TEST(RecoveryTest, AfterCommitStepOfAKilledWorkerIsCompletedOnceByRecovery) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  const std::string steps =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/after_commit_steps.log");
  const std::string log_flag = absl::StrCat("--test_after_commit_log=", steps);
  const int doomed =
      stack.StartWorker({"--test_stall_after_commit=60s", log_flag});

  v1::SubmitNoopRequest noop;
  noop.set_after_commit(true);
  v1::Job job;
  ASSERT_TRUE(stack.admin()
                  .SubmitNoop(Deadline(absl::Seconds(10)).get(), noop, &job)
                  .ok());
  // Committed, not yet through its after-commit step: still running.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (db.QueryValue("SELECT count(*) FROM job_outcomes") != "1" &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(25));
  }
  ASSERT_EQ(db.QueryValue("SELECT after_commit::text FROM job_outcomes"),
            "true");
  EXPECT_EQ(GetJob(stack, job.id()).state(), v1::RUNNING);

  stack.worker(doomed).Signal(SIGKILL);
  stack.worker(doomed).Wait();
  EXPECT_EQ(ReadFile(steps), "");  // the step never ran
  stack.StartWorker({log_flag});

  v1::Job done = stack.WaitJob(job.id(), absl::Seconds(60));
  EXPECT_EQ(done.state(), v1::SUCCEEDED) << done.status_message();
  EXPECT_EQ(done.attempts(), 2);
  // Exactly once, by the second worker, on what attempt 1 committed.
  EXPECT_EQ(ReadFile(steps), absl::StrCat("job ", job.id(), " attempt 1\n"));
  EXPECT_THAT(done.log(), ::testing::Contains(::testing::HasSubstr(
                              "requeued to finish its after-commit step")));
  EXPECT_THAT(done.log(), ::testing::Contains(
                              ::testing::HasSubstr("attempt 1 had committed")));
  EXPECT_THAT(done.log(), ::testing::Contains("after-commit step done"));
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_outcomes"), "1");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_keys"), "0");
}

TEST(RecoveryTest, AJobShowsAsEndedOnlyAfterItsAfterCommitStep) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  const std::string steps =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/after_commit_steps_ok.log");
  // Two seconds between the job's commit and its after-commit step.
  stack.StartWorker({absl::StrCat("--test_after_commit_log=", steps),
                     "--test_stall_after_commit=2s"});
  v1::SubmitNoopRequest noop;
  noop.set_after_commit(true);
  v1::Job job;
  ASSERT_TRUE(stack.admin()
                  .SubmitNoop(Deadline(absl::Seconds(10)).get(), noop, &job)
                  .ok());
  v1::Job done = stack.WaitJob(job.id(), absl::Seconds(60));
  EXPECT_EQ(done.state(), v1::SUCCEEDED) << done.status_message();
  EXPECT_EQ(done.attempts(), 1);
  // The step had run when the job showed as ended, and the job's end time
  // is when it ended, not when its transaction began.
  EXPECT_EQ(ReadFile(steps), absl::StrCat("job ", job.id(), " attempt 1\n"));
  EXPECT_THAT(done.log(), ::testing::Contains("after-commit step done"));
  EXPECT_GE(
      absl::Seconds(done.end_time().seconds() - done.start_time().seconds()) +
          absl::Nanoseconds(done.end_time().nanos() -
                            done.start_time().nanos()),
      absl::Seconds(2));
  // A job that asked for no step has none.
  v1::Job plain;
  ASSERT_TRUE(stack.admin()
                  .SubmitNoop(Deadline(absl::Seconds(10)).get(),
                              v1::SubmitNoopRequest(), &plain)
                  .ok());
  EXPECT_EQ(stack.WaitJob(plain.id(), absl::Seconds(60)).state(),
            v1::SUCCEEDED);
  EXPECT_EQ(ReadFile(steps), absl::StrCat("job ", job.id(), " attempt 1\n"));
}

TEST(RecoveryTest, SigtermGivesBackAJobStillInItsLongPhaseAfterTheGrace) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  const int stopping =
      stack.StartWorker({"--test_stall=60s", "--shutdown_grace=1s"});
  v1::CreateRepoRequest create;
  create.mutable_repo()->set_name("handed-back");
  v1::Job job;
  ASSERT_TRUE(stack.repos()
                  .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &job)
                  .ok());
  ASSERT_EQ(WaitUntilRunning(stack, job.id()).state(), v1::RUNNING);
  stack.worker(stopping).Signal(SIGTERM);
  ASSERT_TRUE(ExitsWithin(stack.worker(stopping), absl::Seconds(15)));
  const int status = stack.worker(stopping).Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  v1::Job given_back = GetJob(stack, job.id());
  EXPECT_EQ(given_back.state(), v1::QUEUED);
  EXPECT_EQ(given_back.attempts(), 0);  // no run reached its transaction
  EXPECT_THAT(given_back.log(),
              ::testing::Contains(::testing::HasSubstr(
                  "stopped; gave the job back in its long phase")));
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_outcomes"), "0");

  stack.StartWorker();
  v1::Job done = stack.WaitJob(job.id(), absl::Seconds(60));
  EXPECT_EQ(done.state(), v1::SUCCEEDED) << done.status_message();
  EXPECT_EQ(done.attempts(), 1);
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM repos"), "1");
}

TEST(RecoveryTest, SigtermGivesBackAJobWaitingForItsLocks) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  const int stopping = stack.StartWorker({"--shutdown_grace=1s"});
  // Someone outside the queue holds the repo's lock, so the claimed job
  // waits in LockResources.
  pqxx::connection holder(db.url());
  pqxx::nontransaction(holder).exec_params(
      "SELECT pg_advisory_lock($1)",
      storage::AdvisoryLockKey("repo/locked-out"));
  v1::CreateRepoRequest create;
  create.mutable_repo()->set_name("locked-out");
  v1::Job job;
  ASSERT_TRUE(stack.repos()
                  .CreateRepo(Deadline(absl::Seconds(10)).get(), create, &job)
                  .ok());
  ASSERT_EQ(WaitUntilRunning(stack, job.id()).state(), v1::RUNNING);
  absl::SleepFor(absl::Milliseconds(300));  // into the lock wait
  stack.worker(stopping).Signal(SIGTERM);
  ASSERT_TRUE(ExitsWithin(stack.worker(stopping), absl::Seconds(15)));

  v1::Job given_back = GetJob(stack, job.id());
  EXPECT_EQ(given_back.state(), v1::QUEUED);
  EXPECT_EQ(given_back.attempts(), 0);
  EXPECT_THAT(given_back.log(),
              ::testing::Contains(::testing::HasSubstr(
                  "gave the job back while it waited for its resources")));

  pqxx::nontransaction(holder).exec("SELECT pg_advisory_unlock_all()");
  stack.StartWorker();
  v1::Job done = stack.WaitJob(job.id(), absl::Seconds(60));
  EXPECT_EQ(done.state(), v1::SUCCEEDED) << done.status_message();
  EXPECT_EQ(done.attempts(), 1);
}

TEST(RecoveryTest, DatabaseRestartUnderLoad) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  stack.StartServer();
  stack.StartWorker();
  stack.StartWorker();

  std::atomic<bool> stop{false};
  std::atomic<int> unavailable{0}, succeeded{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop.load(); ++i) {
        v1::CreateRepoRequest request;
        request.mutable_repo()->set_name(absl::StrCat("load-", c, "-", i));
        v1::Job job;
        grpc::Status status = stack.repos(c).CreateRepo(
            Deadline(absl::Seconds(10)).get(), request, &job);
        if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
          ++unavailable;
          absl::SleepFor(absl::Milliseconds(50));
        } else if (status.ok()) {
          ++succeeded;
        } else {
          ++other;
          ADD_FAILURE() << status.error_code() << ": "
                        << status.error_message();
        }
      }
    });
  }
  {
    // Stop the clients however this block is left.
    absl::Cleanup stop_clients = [&] {
      stop.store(true);
      for (std::thread& client : clients) client.join();
    };
    absl::SleepFor(absl::Seconds(1));
    db.RestartServer();
    absl::SleepFor(absl::Seconds(3));
  }
  EXPECT_GT(succeeded.load(), 0);
  EXPECT_EQ(other.load(), 0);

  // Without restarting debrepo: new work succeeds through every server.
  for (int s = 0; s < stack.server_count(); ++s) {
    Result result = CreateRepo(stack, absl::StrCat("after-restart-", s), s);
    EXPECT_EQ(result.code, absl::StatusCode::kOk) << result.message;
  }
  // Every job submitted before, during or after the restart ends; none is
  // left running or queued.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline &&
         db.QueryValue("SELECT count(*) FROM jobs WHERE state IN "
                       "('queued', 'running')") != "0") {
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(
      db.QueryValue(
          "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')"),
      "0");
  // Each accepted create succeeded exactly once, despite the restart.
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM jobs WHERE state <> "
                          "'succeeded'"),
            "0")
      << db.QueryValue(
             "SELECT string_agg(concat_ws(' ', id, state, "
             "status_code, status_message), '; ') FROM jobs WHERE "
             "state <> 'succeeded'");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM jobs j WHERE NOT EXISTS "
                          "(SELECT 1 FROM repos r WHERE r.name = "
                          "j.args->'create_repo'->'repo'->>'name')"),
            "0");
  std::cerr << "during the restart: " << unavailable.load()
            << " calls got UNAVAILABLE, " << succeeded.load()
            << " were accepted\n";
}

}  // namespace
}  // namespace debrepo::testing
