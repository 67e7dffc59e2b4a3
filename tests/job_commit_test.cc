// The job transaction's decisions, against a real PostgreSQL and without
// server or worker processes: a domain failure is recorded on the same
// serializable snapshot that decided it, only serialization failures are
// retried, and a cancellation wins over failure as it does over success.
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jobs/job_kinds.h"
#include "pqxx/pqxx"
#include "storage/database.h"
#include "storage/job_session.h"
#include "storage/job_store.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

class JobCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<storage::JobSession>> session =
        storage::JobSession::Open(db_.url(), "test-runner", {"noop"});
    ASSERT_TRUE(session.ok()) << session.status();
    session_ = *std::move(session);
  }

  // Submits a noop job and claims it with its locks held.
  storage::ClaimedJob SubmitAndClaim() {
    storage::Database pool(db_.url());
    storage::JobStore store(&pool);
    v1::JobArgs args;
    args.mutable_noop()->set_resource("r");
    absl::StatusOr<jobs::JobSpec> spec = jobs::MakeJobSpec(args);
    EXPECT_TRUE(spec.ok()) << spec.status();
    EXPECT_TRUE(store.Submit(*spec, "").ok());
    absl::StatusOr<std::optional<storage::ClaimedJob>> claimed =
        session_->Claim();
    EXPECT_TRUE(claimed.ok() && claimed->has_value());
    EXPECT_TRUE(session_->LockResources(**claimed).ok());
    return **claimed;
  }

  TestDatabase db_{TestDatabase::Schema::kMigrated};
  std::unique_ptr<storage::JobSession> session_;
  storage::RetryPolicy policy_;
};

TEST_F(JobCommitTest, DomainFailureIsRecordedInTheTransactionThatDecidedIt) {
  const storage::ClaimedJob job = SubmitAndClaim();
  std::string body_xid;
  absl::StatusOr<storage::JobOutcome> outcome = session_->Commit(
      job,
      [&](storage::Transaction& tx) -> absl::StatusOr<v1::JobResult> {
        // As storage writes: exec_params, which a lazily begun
        // pqxx::subtransaction would not have put behind its savepoint.
        tx.pqxx().exec_params0("INSERT INTO repos (name) VALUES ($1)",
                               "written");
        body_xid =
            tx.pqxx().exec1("SELECT pg_current_xact_id()::text")[0].c_str();
        return absl::FailedPreconditionError("the repo is in use");
      },
      policy_);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->state, v1::FAILED);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kFailedPrecondition);
  // The transaction that decided the failure is the one that committed it
  // (before, it was rolled back and the failure recorded by another), and
  // the body's write was rolled back to the savepoint.
  EXPECT_EQ(db_.QueryValue(
                absl::StrCat("SELECT pg_xact_status('", body_xid, "'::xid8)")),
            "committed");
  EXPECT_EQ(db_.QueryValue("SELECT state FROM job_outcomes"), "failed");
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM repos"), "0");
}

TEST_F(JobCommitTest, AnAbortedStatusOfTheBodysOwnIsNotRetried) {
  const storage::ClaimedJob job = SubmitAndClaim();
  int runs = 0;
  absl::StatusOr<storage::JobOutcome> outcome = session_->Commit(
      job,
      [&](storage::Transaction&) -> absl::StatusOr<v1::JobResult> {
        ++runs;
        return absl::AbortedError("the upstream archive changed meanwhile");
      },
      policy_);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(outcome->state, v1::FAILED);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(outcome->status.message(),
            "the upstream archive changed meanwhile");
}

TEST_F(JobCommitTest, ASerializationFailureIsRetried) {
  const storage::ClaimedJob job = SubmitAndClaim();
  int runs = 0;
  absl::StatusOr<storage::JobOutcome> outcome = session_->Commit(
      job,
      [&](storage::Transaction&) -> absl::StatusOr<v1::JobResult> {
        if (++runs == 1) {
          return storage::StatusFromException(
              pqxx::serialization_failure("could not serialize access"),
              "test");
        }
        return v1::JobResult();
      },
      policy_);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(outcome->state, v1::SUCCEEDED);
  EXPECT_EQ(outcome->serialization_retries, 1);
}

TEST_F(JobCommitTest, ACancellationWinsOverAFailure) {
  const storage::ClaimedJob job = SubmitAndClaim();
  db_.QueryValue(absl::StrCat("INSERT INTO job_cancellations (job_id) VALUES (",
                              job.id, ")"));
  absl::StatusOr<storage::JobOutcome> outcome = session_->Commit(
      job,
      [&](storage::Transaction&) -> absl::StatusOr<v1::JobResult> {
        return absl::NotFoundError("repo \"x\" does not exist");
      },
      policy_);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->state, v1::CANCELLED);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kCancelled);
}

TEST_F(JobCommitTest, ASuccessOwingAnAfterCommitStepSaysSo) {
  const storage::ClaimedJob job = SubmitAndClaim();
  absl::StatusOr<storage::JobOutcome> outcome = session_->Commit(
      job,
      [&](storage::Transaction&) -> absl::StatusOr<v1::JobResult> {
        return v1::JobResult();
      },
      policy_, /*after_commit=*/true);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(outcome->after_commit);
  EXPECT_EQ(outcome->attempt, 1);
  EXPECT_EQ(db_.QueryValue("SELECT after_commit::text FROM job_outcomes"),
            "true");
}

}  // namespace
}  // namespace debrepo::testing
