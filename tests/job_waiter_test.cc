// JobWaiter against a real PostgreSQL: a Wait for a job the server has just
// submitted starts by waiting for the job's end, not by reading it, and
// still never misses that end.

#include "server/job_waiter.h"

#include <memory>
#include <optional>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/job_spec.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "server/submit.h"
#include "storage/database.h"
#include "storage/job_session.h"
#include "storage/job_store.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

using storage::ClaimedJob;
using storage::JobSession;

// Longer than any test waits: a Wait that returns sooner was woken by a
// notification or read the job, not polled.
constexpr absl::Duration kPoll = absl::Minutes(5);
constexpr absl::Duration kPatience = absl::Seconds(20);

class JobWaiterTest : public ::testing::Test {
 protected:
  // The listener's epoch, once it listens.
  uint64_t ListeningEpoch() {
    const absl::Time deadline = absl::Now() + kPatience;
    while (absl::Now() < deadline) {
      if (const uint64_t epoch = waiter_.ListenEpoch(); epoch != 0) {
        return epoch;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    ADD_FAILURE() << "the waiter's listener did not connect";
    return 0;
  }

  // Submits a repo create through the server's submitter, which tells the
  // waiter; returns its id.
  int64_t Submit() {
    if (ListeningEpoch() == 0) return 0;
    v1::JobArgs args;
    args.mutable_create_repo()->mutable_repo()->set_name(
        absl::StrCat("r", ++submitted_));
    absl::StatusOr<v1::Job> job = submitter_.Submit(args, "");
    EXPECT_THAT(job, IsOk());
    if (!job.ok()) return 0;
    return job->id();
  }

  // Runs job `id` to its end as a worker does.
  void Complete(int64_t id) {
    absl::StatusOr<std::unique_ptr<JobSession>> session =
        JobSession::Open(db_.url(), "worker-1", {"a", "repo.create"});
    ASSERT_THAT(session, IsOk());
    absl::StatusOr<std::optional<ClaimedJob>> job = (*session)->Claim();
    ASSERT_THAT(job, IsOk());
    ASSERT_TRUE(job->has_value());
    ASSERT_EQ((*job)->id, id);
    ASSERT_THAT((*session)->LockAndCommit(
                    **job,
                    [](storage::Transaction&) -> absl::StatusOr<v1::JobResult> {
                      return v1::JobResult();
                    },
                    storage::RetryPolicy(), false),
                IsOk());
    ASSERT_THAT((*session)->Finish(id, {}), IsOk());
  }

  TestDatabase db_{TestDatabase::Schema::kMigrated};
  storage::Database pool_{db_.url(), 4};
  storage::JobStore store_{&pool_};
  server::JobWaiter waiter_{db_.url(), &store_, kPoll};
  server::JobSubmitter submitter_{&pool_, &store_,
                                  server::SubmitOptions{.waiter = &waiter_}};
  int submitted_ = 0;
};

TEST_F(JobWaiterTest, AWaitForAJustSubmittedJobWakesOnItsEnd) {
  const int64_t id = Submit();
  absl::StatusOr<v1::Job> waited;
  std::thread wait([&] {
    waited = waiter_.Wait(id, absl::Now() + kPatience, [] { return false; });
  });
  absl::SleepFor(absl::Milliseconds(200));  // the Wait has begun waiting
  Complete(id);
  const absl::Time ended = absl::Now();
  wait.join();
  EXPECT_LT(absl::Now() - ended, absl::Seconds(5));
  ASSERT_THAT(waited, IsOk());
  EXPECT_EQ(waited->state(), v1::SUCCEEDED);
}

TEST_F(JobWaiterTest, AWaitForAJustSubmittedJobThatEndedFirstReturnsAtOnce) {
  const int64_t id = Submit();
  Complete(id);
  absl::SleepFor(absl::Seconds(1));  // the listener has taken the end in
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::Job> waited =
      waiter_.Wait(id, absl::Now() + kPatience, [] { return false; });
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_THAT(waited, IsOk());
  EXPECT_EQ(waited->state(), v1::SUCCEEDED);
}

// The job is deleted behind the waiter's back: a first read would return
// NOT_FOUND at once; a Wait for a job just submitted reads only when
// notified or at its deadline.
TEST_F(JobWaiterTest, AWaitForAJustSubmittedJobDoesNotReadItFirst) {
  const int64_t id = Submit();
  db_.QueryValue(
      absl::StrCat("DELETE FROM jobs WHERE id = ", id, " RETURNING id"));
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::Job> waited =
      waiter_.Wait(id, start + absl::Seconds(2), [] { return false; });
  EXPECT_GE(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(waited.status().code(), absl::StatusCode::kNotFound);
}

// A job that was not submitted here lately is read first, as before.
TEST_F(JobWaiterTest, AWaitForAnotherJobReadsItFirst) {
  jobs::JobSpec spec;
  spec.kind = "a";
  absl::StatusOr<v1::Job> job = store_.Submit(spec, "");
  ASSERT_THAT(job, IsOk());
  db_.QueryValue(
      absl::StrCat("DELETE FROM jobs WHERE id = ", job->id(), " RETURNING id"));
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::Job> waited =
      waiter_.Wait(job->id(), start + kPatience, [] { return false; });
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(waited.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace debrepo::testing
