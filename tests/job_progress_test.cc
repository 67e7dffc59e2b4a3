// storage/job_progress against PostgreSQL: the last progress a job's
// running attempt reported shows on the job as Jobs.GetJob and ListJobs
// read it, a job that reported none has none, and a requeued job shows
// none of its ended attempt's.
#include "storage/job_progress.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jobs/job_kinds.h"
#include "storage/database.h"
#include "storage/job_maintenance.h"
#include "storage/job_session.h"
#include "storage/job_store.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

v1::JobProgress Downloading(int64_t files_done) {
  v1::JobProgress progress;
  progress.set_phase("downloading");
  progress.set_indices_done(3);
  progress.set_indices_total(3);
  progress.set_files_done(files_done);
  progress.set_files_total(10);
  progress.set_bytes_done(files_done * 1000);
  progress.set_bytes_total(10000);
  return progress;
}

TEST(JobProgressTest, TheLastReportOfTheRunningAttemptShowsOnTheJob) {
  TestDatabase db(TestDatabase::Schema::kMigrated);
  storage::Database pool(db.url());
  storage::JobStore jobs(&pool);
  v1::JobArgs args;
  args.mutable_sync_mirror()->set_name("m");
  absl::StatusOr<jobs::JobSpec> spec = jobs::MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<v1::Job> reporting = jobs.Submit(*spec, "");
  ASSERT_TRUE(reporting.ok()) << reporting.status();
  absl::StatusOr<v1::Job> silent = jobs.Submit(*spec, "");
  ASSERT_TRUE(silent.ok()) << silent.status();
  EXPECT_FALSE(reporting->has_progress());
  const int64_t id = reporting->id();

  // Only the attempt that runs the job writes its progress.
  ASSERT_TRUE(storage::WriteJobProgress(pool, id, 1, Downloading(1)).ok());
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_progress"), "0");
  absl::StatusOr<std::unique_ptr<storage::JobSession>> session =
      storage::JobSession::Open(db.url(), "w1", {"mirror.sync"});
  ASSERT_TRUE(session.ok()) << session.status();
  absl::StatusOr<std::optional<storage::ClaimedJob>> claimed =
      (*session)->Claim();
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  ASSERT_EQ((*claimed)->id, id);
  ASSERT_EQ((*claimed)->attempt, 1);

  ASSERT_TRUE(storage::WriteJobProgress(pool, id, 1, Downloading(2)).ok());
  ASSERT_TRUE(storage::WriteJobProgress(pool, id, 1, Downloading(7)).ok());
  // An older attempt still running somewhere does not overwrite it.
  ASSERT_TRUE(storage::WriteJobProgress(pool, id, 0, Downloading(9)).ok());
  absl::StatusOr<v1::Job> got = jobs.Get(id);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_progress());
  EXPECT_EQ(got->progress().phase(), "downloading");
  EXPECT_EQ(got->progress().files_done(), 7);
  EXPECT_EQ(got->progress().bytes_total(), 10000);
  EXPECT_EQ(got->progress().indices_done(), 3);
  EXPECT_GT(got->progress().update_time().seconds(), 0);
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_progress"), "1");

  absl::StatusOr<std::vector<v1::Job>> listed = jobs.List({});
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2);
  for (const v1::Job& job : *listed) {
    EXPECT_EQ(job.has_progress(), job.id() == id) << job.id();
  }
  got = jobs.Get(silent->id());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_progress());

  // A job given back shows no progress of the attempt that gave it back.
  ASSERT_TRUE((*session)->Requeue(**claimed, "stopped").ok());
  got = jobs.Get(id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->state(), v1::QUEUED);
  EXPECT_FALSE(got->has_progress());

  // Nor does one recovery requeued after its worker died; and that
  // worker's attempt, should it still run, no longer writes.
  claimed = (*session)->Claim();
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  ASSERT_EQ((*claimed)->id, id);
  const int attempt = (*claimed)->attempt;
  ASSERT_TRUE(
      storage::WriteJobProgress(pool, id, attempt, Downloading(3)).ok());
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_progress"), "1");
  session->reset();  // the worker's session is gone, and its job lock
  absl::StatusOr<std::unique_ptr<storage::JobMaintenance>> maintenance =
      storage::JobMaintenance::Open(db.url());
  ASSERT_TRUE(maintenance.ok()) << maintenance.status();
  absl::StatusOr<storage::RecoveryReport> recovered =
      (*maintenance)->RecoverOrphans(5);
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(recovered->requeued, 1);
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_progress"), "0");
  ASSERT_TRUE(
      storage::WriteJobProgress(pool, id, attempt, Downloading(4)).ok());
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_progress"), "0");

  // A job that is gone takes its progress with it.
  db.QueryValue(absl::StrCat(
      "UPDATE jobs SET state = 'running', attempts = 9 WHERE id = ", id));
  ASSERT_TRUE(storage::WriteJobProgress(pool, id, 9, Downloading(5)).ok());
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_progress"), "1");
  db.QueryValue("DELETE FROM job_keys; DELETE FROM jobs");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_progress"), "0");
}

}  // namespace
}  // namespace debrepo::testing
