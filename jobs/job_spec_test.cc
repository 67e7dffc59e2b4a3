#include "jobs/job_spec.h"

#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::jobs {
namespace {

using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;

TEST(JobSpecTest, CreateLocksTheNameExclusively) {
  v1::JobArgs args;
  args.mutable_create_repo()->mutable_repo()->set_name("main");
  absl::StatusOr<JobSpec> spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "repo.create");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("repo/main"));
  EXPECT_THAT(spec->shared_keys, ElementsAre("gc"));
}

TEST(JobSpecTest, RenameLocksOldAndNewNameInOrder) {
  v1::JobArgs args;
  v1::UpdateRepoArgs* update = args.mutable_update_repo();
  update->set_name("zeta");
  update->mutable_repo()->set_name("alpha");
  update->add_fields("name");
  absl::StatusOr<JobSpec> spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("repo/alpha", "repo/zeta"));
}

TEST(JobSpecTest, EditWithoutRenameLocksOnlyTheRepo) {
  v1::JobArgs args;
  v1::UpdateRepoArgs* update = args.mutable_update_repo();
  update->set_name("zeta");
  update->mutable_repo()->set_name("ignored");
  update->add_fields("comment");
  absl::StatusOr<JobSpec> spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("repo/zeta"));
}

TEST(JobSpecTest, UploadJobsLockTheirDirectory) {
  v1::JobArgs add;
  add.mutable_add_upload_file()->mutable_file()->set_directory("incoming");
  absl::StatusOr<JobSpec> spec = MakeJobSpec(add);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "upload.add_file");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("upload/incoming"));
  v1::JobArgs drop;
  drop.mutable_delete_upload()->set_directory("incoming");
  spec = MakeJobSpec(drop);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "upload.delete");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("upload/incoming"));
}

TEST(JobSpecTest, BulkUploadLocksItsDirectoryAndIsBounded) {
  v1::JobArgs add;
  for (int i = 0; i < kMaxUploadFilesPerJob; ++i) {
    v1::UploadFile* file = add.mutable_add_upload_files()->add_files();
    file->set_directory("incoming");
    file->set_filename("p" + std::to_string(i) + ".deb");
  }
  absl::StatusOr<JobSpec> spec = MakeJobSpec(add);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "upload.add_files");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("upload/incoming"));
  add.mutable_add_upload_files()->add_files()->set_directory("incoming");
  EXPECT_THAT(MakeJobSpec(add).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  add.mutable_add_upload_files()->clear_files();
  EXPECT_THAT(MakeJobSpec(add).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(JobSpecTest, AddFromUploadLocksTheRepoAndTheDirectory) {
  v1::JobArgs args;
  args.mutable_add_from_upload()->set_name("main");
  args.mutable_add_from_upload()->set_directory("incoming");
  absl::StatusOr<JobSpec> spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "repo.add_from_upload");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("repo/main", "upload/incoming"));
}

TEST(JobSpecTest, CopyReadsTheSourceSharedAndMoveExclusively) {
  v1::JobArgs args;
  args.mutable_copy_packages()->set_source("src");
  args.mutable_copy_packages()->set_destination("dst");
  absl::StatusOr<JobSpec> spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "repo.copy_packages");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("repo/dst"));
  EXPECT_THAT(spec->shared_keys, ElementsAre("gc", "repo/src"));
  args.mutable_copy_packages()->set_move(true);
  spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "repo.move_packages");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("repo/dst", "repo/src"));
  EXPECT_THAT(spec->shared_keys, ElementsAre("gc"));
}

TEST(JobSpecTest, EmptyArgsAreInvalid) {
  EXPECT_THAT(MakeJobSpec(v1::JobArgs()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace debrepo::jobs
