// storage/job_progress against PostgreSQL: the last progress a job
// reported shows on the job as Jobs.GetJob and ListJobs read it, and a job
// that reported none has none.
#include "storage/job_progress.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "jobs/job_kinds.h"
#include "storage/database.h"
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

TEST(JobProgressTest, TheLastReportShowsOnTheJob) {
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

  ASSERT_TRUE(
      storage::WriteJobProgress(pool, reporting->id(), Downloading(2)).ok());
  ASSERT_TRUE(
      storage::WriteJobProgress(pool, reporting->id(), Downloading(7)).ok());
  absl::StatusOr<v1::Job> got = jobs.Get(reporting->id());
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
    EXPECT_EQ(job.has_progress(), job.id() == reporting->id()) << job.id();
  }
  got = jobs.Get(silent->id());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_progress());

  // A job that is gone takes its progress with it.
  db.QueryValue("DELETE FROM job_keys; DELETE FROM jobs");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM job_progress"), "0");
}

}  // namespace
}  // namespace debrepo::testing
