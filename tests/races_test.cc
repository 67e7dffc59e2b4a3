// The invariants of the job protocol under concurrent callers, with two
// servers and two workers (two runners each) against one PostgreSQL.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace debrepo::testing {
namespace {

constexpr int kClients = 32;

class RacesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartServer();
    stack_.StartWorker();
    stack_.StartWorker();
  }

  int Count(const std::string& sql) { return std::stoi(db_.QueryValue(sql)); }

  TestDatabase db_;
  Stack stack_{db_.url()};
};

TEST_F(RacesTest, ConcurrentCreatesOfOneNameHaveExactlyOneWinner) {
  for (int round = 0; round < 3; ++round) {
    const std::string name = absl::StrCat("hot", round);
    std::vector<Result> results(kClients);
    RunConcurrently(kClients, [&](int i) {
      results[i] = CreateRepo(stack_, name, /*server=*/i);
    });
    int ok = 0, exists = 0;
    for (const Result& result : results) {
      if (result.code == absl::StatusCode::kOk) ++ok;
      if (result.code == absl::StatusCode::kAlreadyExists) ++exists;
    }
    EXPECT_EQ(ok, 1) << "round " << round;
    EXPECT_EQ(exists, kClients - 1) << "round " << round;
    EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM repos WHERE name = '",
                                 name, "'")),
              1);
  }
  // Most callers passed the servers' shallow check at once, so the
  // uniqueness was decided by the jobs, not by the fast path.
  EXPECT_GT(Count("SELECT count(*) FROM jobs WHERE kind = 'repo.create' "
                  "AND state = 'failed' AND status_code = 6"),
            3);
}

TEST_F(RacesTest, ConcurrentRenamesOntoOneNameHaveOneWinner) {
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(CreateRepo(stack_, absl::StrCat("src", i)).code,
              absl::StatusCode::kOk);
  }
  std::vector<Result> results(8);
  RunConcurrently(8, [&](int i) {
    results[i] = RenameRepo(stack_, absl::StrCat("src", i), "target", i);
  });
  int winners = 0;
  for (const Result& result : results) {
    if (result.code == absl::StatusCode::kOk) {
      ++winners;
    } else {
      EXPECT_EQ(result.code, absl::StatusCode::kAlreadyExists)
          << result.message;
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM repos WHERE name = 'target'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM repos"), 8);  // nothing lost
}

TEST_F(RacesTest, RenameRacingCreateOfTheNewNameLeavesExactlyOne) {
  for (int round = 0; round < 10; ++round) {
    const std::string from = absl::StrCat("a", round);
    const std::string to = absl::StrCat("b", round);
    ASSERT_EQ(CreateRepo(stack_, from).code, absl::StatusCode::kOk);
    Result rename, create;
    RunConcurrently(2, [&](int i) {
      if (i == 0) {
        rename = RenameRepo(stack_, from, to, 0);
      } else {
        create = CreateRepo(stack_, to, 1);
      }
    });
    // Exactly one of them made `to`; the other says it already exists.
    EXPECT_NE(rename.code == absl::StatusCode::kOk,
              create.code == absl::StatusCode::kOk)
        << rename.message << " / " << create.message;
    const Result& loser =
        rename.code == absl::StatusCode::kOk ? create : rename;
    EXPECT_EQ(loser.code, absl::StatusCode::kAlreadyExists) << loser.message;
    EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM repos WHERE name = '",
                                 to, "'")),
              1);
    EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM repos WHERE name = '",
                                 from, "'")),
              rename.code == absl::StatusCode::kOk ? 0 : 1);
  }
}

TEST_F(RacesTest, RenameRacingDropEndsConsistently) {
  for (int round = 0; round < 10; ++round) {
    const std::string from = absl::StrCat("x", round);
    const std::string to = absl::StrCat("y", round);
    ASSERT_EQ(CreateRepo(stack_, from).code, absl::StatusCode::kOk);
    Result rename, drop;
    RunConcurrently(2, [&](int i) {
      if (i == 0) {
        rename = RenameRepo(stack_, from, to, 0);
      } else {
        drop = DeleteRepo(stack_, from, 1);
      }
    });
    const int remaining = Count(absl::StrCat(
        "SELECT count(*) FROM repos WHERE name IN ('", from, "', '", to, "')"));
    if (drop.code == absl::StatusCode::kOk) {
      // Dropped first: the rename found nothing, and nothing remains.
      EXPECT_EQ(rename.code, absl::StatusCode::kNotFound) << rename.message;
      EXPECT_EQ(remaining, 0);
    } else {
      // Renamed first: the drop found nothing, and the repo lives on as `to`.
      EXPECT_EQ(rename.code, absl::StatusCode::kOk) << rename.message;
      EXPECT_EQ(drop.code, absl::StatusCode::kNotFound) << drop.message;
      EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM repos WHERE name = '",
                                   to, "'")),
                1);
    }
    EXPECT_NE(rename.code, absl::StatusCode::kInternal);
    EXPECT_NE(drop.code, absl::StatusCode::kInternal);
  }
}

TEST_F(RacesTest, ObjectDroppedAfterTheShallowCheckFailsInTheJobWithNotFound) {
  ASSERT_EQ(CreateRepo(stack_, "doomed").code, absl::StatusCode::kOk);
  // With no worker running, both requests pass the server's shallow check
  // and queue up; the drop (older) runs first.
  for (int i = 0; i < 2; ++i) {
    stack_.worker(i).Signal(SIGTERM);
    stack_.worker(i).Wait();
  }
  v1::DeleteRepoRequest drop;
  drop.set_name("doomed");
  v1::Job drop_job;
  ASSERT_TRUE(
      stack_.repos()
          .DeleteRepo(Deadline(absl::Seconds(10)).get(), drop, &drop_job)
          .ok());
  v1::UpdateRepoRequest edit;
  edit.set_name("doomed");
  edit.mutable_repo()->set_comment("too late");
  edit.mutable_update_mask()->add_paths("comment");
  v1::Job edit_job;
  ASSERT_TRUE(
      stack_.repos()
          .UpdateRepo(Deadline(absl::Seconds(10)).get(), edit, &edit_job)
          .ok());
  stack_.StartWorker();
  EXPECT_EQ(stack_.WaitJob(drop_job.id()).state(), v1::SUCCEEDED);
  v1::Job edited = stack_.WaitJob(edit_job.id());
  EXPECT_EQ(edited.state(), v1::FAILED);
  EXPECT_EQ(edited.status_code(),
            static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_THAT(edited.status_message(), ::testing::HasSubstr("does not exist"));
}

TEST_F(RacesTest, JobsOnOneResourceRunInSubmissionOrder) {
  ASSERT_EQ(CreateRepo(stack_, "fifo").code, absl::StatusCode::kOk);
  for (int i = 0; i < 2; ++i) {
    stack_.worker(i).Signal(SIGTERM);
    stack_.worker(i).Wait();
  }
  constexpr int kEdits = 40;
  std::vector<int64_t> ids;
  for (int i = 0; i < kEdits; ++i) {
    v1::UpdateRepoRequest edit;
    edit.set_name("fifo");
    edit.mutable_repo()->set_comment(absl::StrCat(i));
    edit.mutable_update_mask()->add_paths("comment");
    v1::Job job;
    ASSERT_TRUE(stack_.repos()
                    .UpdateRepo(Deadline(absl::Seconds(10)).get(), edit, &job)
                    .ok());
    ids.push_back(job.id());
  }
  stack_.StartWorker();
  stack_.StartWorker();
  for (int64_t id : ids) {
    ASSERT_EQ(stack_.WaitJob(id).state(), v1::SUCCEEDED);
  }
  EXPECT_EQ(db_.QueryValue("SELECT comment FROM repos WHERE name = 'fifo'"),
            absl::StrCat(kEdits - 1));
  // The jobs' transactions ran in submission order: each began (its
  // outcome's time) after the one before it. (What is guaranteed is the
  // order of effects: a runner may claim the next job early, and then waits
  // for the resource's lock.)
  EXPECT_EQ(Count(absl::StrCat(
                "SELECT count(*) FROM (SELECT end_time, lag(end_time) OVER "
                "(ORDER BY id) AS previous_end FROM jobs WHERE id >= ",
                ids.front(), ") t WHERE end_time < previous_end")),
            0)
      << db_.QueryValue(absl::StrCat(
             "SELECT string_agg(concat_ws(' ', id, worker, attempts, "
             "start_time, end_time), E'\\n' ORDER BY id) FROM jobs WHERE id "
             ">= ",
             ids.front()));
}

TEST_F(RacesTest, RetriedRequestIdCreatesOneJob) {
  std::vector<int64_t> ids(kClients);
  RunConcurrently(kClients, [&](int i) {
    v1::CreateRepoRequest request;
    request.mutable_repo()->set_name("once");
    request.set_request_id("3f1c2a9e-retry");
    v1::Job job;
    grpc::Status status = stack_.repos(i).CreateRepo(
        Deadline(absl::Seconds(20)).get(), request, &job);
    EXPECT_TRUE(status.ok()) << status.error_message();
    ids[i] = job.id();
  });
  const int64_t the_id = ids[0];
  ASSERT_NE(the_id, 0);
  for (int64_t id : ids) EXPECT_EQ(id, the_id);
  EXPECT_EQ(stack_.WaitJob(the_id).state(), v1::SUCCEEDED);
  // A retry after the job ran gets that job back, not ALREADY_EXISTS for
  // the repo its own first attempt created.
  {
    v1::CreateRepoRequest request;
    request.mutable_repo()->set_name("once");
    request.set_request_id("3f1c2a9e-retry");
    v1::Job job;
    grpc::Status status = stack_.repos().CreateRepo(
        Deadline(absl::Seconds(10)).get(), request, &job);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(job.id(), the_id);
    EXPECT_EQ(job.state(), v1::SUCCEEDED);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM jobs"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM repos WHERE name = 'once'"), 1);

  // The same request_id for a different request is refused.
  v1::CreateRepoRequest other;
  other.mutable_repo()->set_name("other");
  other.set_request_id("3f1c2a9e-retry");
  v1::Job job;
  grpc::Status status =
      stack_.repos().CreateRepo(Deadline(absl::Seconds(10)).get(), other, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("request_id"));
}

// A retry that reaches another server while its first attempt is landing
// must get that attempt's job, not the ALREADY_EXISTS its effect causes:
// server B looks the request_id up (nothing yet), then waits before its
// fail-fast check; meanwhile the first attempt goes through server A and
// its job creates the repo; B's check then finds the repo.
TEST(RetryRaceTest, RetryWhoseFirstAttemptLandsMeanwhileGetsThatJob) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  stack.StartServer({"--test_delay_fail_fast=3s"});
  stack.StartWorker();
  v1::CreateRepoRequest request;
  request.mutable_repo()->set_name("landing");
  request.set_request_id("6b1d0c7e-retry-race");

  grpc::Status retry_status;
  v1::Job retried;
  std::thread retry([&] {
    retry_status =
        stack.repos(/*index=*/1)
            .CreateRepo(Deadline(absl::Seconds(30)).get(), request, &retried);
  });
  // Let the retry pass its request_id lookup and start waiting.
  absl::SleepFor(absl::Milliseconds(500));
  v1::Job first;
  grpc::Status first_status =
      stack.repos(/*index=*/0)
          .CreateRepo(Deadline(absl::Seconds(10)).get(), request, &first);
  ASSERT_TRUE(first_status.ok()) << first_status.error_message();
  EXPECT_EQ(stack.WaitJob(first.id()).state(), v1::SUCCEEDED);
  retry.join();

  ASSERT_TRUE(retry_status.ok())
      << retry_status.error_code() << ": " << retry_status.error_message();
  EXPECT_EQ(retried.id(), first.id());
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM jobs"), "1");
}

// No wake-up is lost: with the workers' polling an hour apart, every job
// still runs at once, whether it is submitted alone (the runners wait for
// work) or in a burst (most runners are busy and claim again when their
// job ends; submits notify only while one waits).
TEST(WakeUpTest, JobsRunWithoutPollingWhetherRunnersWaitOrAreBusy) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  stack.StartWorker({"--poll_interval=1h", "--concurrency=1"});
  std::atomic<int> unfinished{0};
  auto create_and_wait = [&](const std::string& name) {
    v1::CreateRepoRequest request;
    request.mutable_repo()->set_name(name);
    v1::Job job;
    grpc::Status status = stack.repos().CreateRepo(
        Deadline(absl::Seconds(10)).get(), request, &job);
    ASSERT_TRUE(status.ok()) << status.error_message();
    // Far longer than a job takes; a lost wake-up waits for the poll.
    if (stack.WaitJob(job.id(), absl::Seconds(30)).state() != v1::SUCCEEDED) {
      ++unfinished;
    }
  };
  // One runner: each submit races its claim after the previous job.
  for (int i = 0; i < 30; ++i) create_and_wait(absl::StrCat("alone-", i));
  stack.StartWorker({"--poll_interval=1h", "--concurrency=2"});
  for (int burst = 0; burst < 5; ++burst) {
    std::vector<std::thread> clients;
    for (int client = 0; client < 12; ++client) {
      clients.emplace_back(create_and_wait,
                           absl::StrCat("burst-", burst, "-", client));
    }
    for (std::thread& client : clients) client.join();
  }
  EXPECT_EQ(unfinished.load(), 0);
}

}  // namespace
}  // namespace debrepo::testing
