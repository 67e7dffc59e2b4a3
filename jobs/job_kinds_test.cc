#include "jobs/job_kinds.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
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

TEST(JobSpecTest, CleanupHoldsGcExclusivelyAndNothingShared) {
  v1::JobArgs args;
  args.mutable_cleanup()->set_dry_run(true);
  absl::StatusOr<JobSpec> spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "gc");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("gc"));
  EXPECT_THAT(spec->shared_keys, ElementsAre());
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
  EXPECT_THAT(spec->exclusive_keys,
              ElementsAre("repo/main", "upload/incoming"));
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
  EXPECT_EQ(KindOf(v1::JobArgs()), "");
}

TEST(JobSpecTest, NoopHoldsItsResourceWhenItNamesOne) {
  v1::JobArgs args;
  args.mutable_noop();
  absl::StatusOr<JobSpec> spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "noop");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre());
  EXPECT_THAT(spec->shared_keys, ElementsAre("gc"));
  args.mutable_noop()->set_resource("probe");
  spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("noop/probe"));
}

TEST(JobSpecTest, SnapshotOfARepoHoldsTheRepoShared) {
  v1::JobArgs args;
  args.mutable_create_snapshot()->mutable_snapshot()->set_name("s1");
  args.mutable_create_snapshot()->set_repo("main");
  absl::StatusOr<JobSpec> spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "snapshot.create");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("snapshot/s1"));
  EXPECT_THAT(spec->shared_keys, ElementsAre("gc", "repo/main"));
  args.mutable_create_snapshot()->set_empty(true);
  spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(spec->shared_keys, ElementsAre("gc"));
}

TEST(JobSpecTest, SnapshotRenameLocksOldAndNewName) {
  v1::JobArgs args;
  v1::UpdateSnapshotArgs* update = args.mutable_update_snapshot();
  update->set_name("old");
  update->mutable_snapshot()->set_name("new");
  update->add_fields("name");
  absl::StatusOr<JobSpec> spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "snapshot.update");
  EXPECT_THAT(spec->exclusive_keys,
              ElementsAre("snapshot/new", "snapshot/old"));
  update->clear_fields();
  update->add_fields("description");
  spec = MakeJobSpec(args);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("snapshot/old"));
}

TEST(JobSpecTest, SnapshotsMadeFromSnapshotsHoldTheirSourcesShared) {
  v1::JobArgs merge;
  merge.mutable_merge_snapshots()->mutable_destination()->set_name("d");
  merge.mutable_merge_snapshots()->add_sources("a");
  merge.mutable_merge_snapshots()->add_sources("b");
  absl::StatusOr<JobSpec> spec = MakeJobSpec(merge);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "snapshot.merge");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("snapshot/d"));
  EXPECT_THAT(spec->shared_keys, ElementsAre("gc", "snapshot/a", "snapshot/b"));

  v1::JobArgs pull;
  pull.mutable_pull_snapshot()->set_base("b");
  pull.mutable_pull_snapshot()->set_source("s");
  pull.mutable_pull_snapshot()->mutable_destination()->set_name("d");
  spec = MakeJobSpec(pull);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "snapshot.pull");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("snapshot/d"));
  EXPECT_THAT(spec->shared_keys, ElementsAre("gc", "snapshot/b", "snapshot/s"));
  pull.mutable_pull_snapshot()->set_dry_run(true);
  spec = MakeJobSpec(pull);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(spec->exclusive_keys, ElementsAre());

  v1::JobArgs filter;
  filter.mutable_filter_snapshot()->set_source("s");
  filter.mutable_filter_snapshot()->mutable_destination()->set_name("d");
  spec = MakeJobSpec(filter);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, "snapshot.filter");
  EXPECT_THAT(spec->exclusive_keys, ElementsAre("snapshot/d"));
  EXPECT_THAT(spec->shared_keys, ElementsAre("gc", "snapshot/s"));
}

TEST(JobSpecTest, MergeReadsOneToAHundredSources) {
  v1::JobArgs merge;
  merge.mutable_merge_snapshots()->mutable_destination()->set_name("d");
  EXPECT_THAT(MakeJobSpec(merge).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  for (int i = 0; i <= kMaxMergeSources; ++i) {
    merge.mutable_merge_snapshots()->add_sources("s" + std::to_string(i));
  }
  EXPECT_THAT(MakeJobSpec(merge).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// How many declared kinds take `args` as theirs.
int KindsSelecting(const v1::JobArgs& args) {
  int selecting = 0;
  for (const RegisteredJobKind& kind : AllJobKinds().kinds()) {
    if (kind.Selects(args)) ++selecting;
  }
  return selecting;
}

// Every case of the JobArgs oneof (a new operation in jobs.proto) needs a
// declared kind listed in AllJobKinds(), and only one kind takes given
// arguments.
TEST(JobKindsTest, EveryJobArgsCaseHasOneKind) {
  const google::protobuf::OneofDescriptor* oneof =
      v1::JobArgs::descriptor()->oneof_decl(0);
  ASSERT_NE(oneof, nullptr);
  ASSERT_GT(oneof->field_count(), 0);
  for (int i = 0; i < oneof->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = oneof->field(i);
    v1::JobArgs args;
    args.GetReflection()->MutableMessage(&args, field);
    EXPECT_EQ(KindsSelecting(args), 1)
        << "JobArgs." << field->name()
        << " needs exactly one job kind: declare it in "
           "jobs/<resource>_kinds.cc and list it in AllJobKinds()";
  }
}

TEST(JobKindsTest, KindsHaveDistinctNamesAndTheirCasesArgsType) {
  absl::flat_hash_set<absl::string_view> names;
  for (const RegisteredJobKind& kind : AllJobKinds().kinds()) {
    EXPECT_TRUE(names.insert(kind.name()).second)
        << "two kinds are called " << kind.name();
    const google::protobuf::FieldDescriptor* field =
        v1::JobArgs::descriptor()->FindFieldByNumber(kind.args_case());
    ASSERT_NE(field, nullptr) << kind.name();
    EXPECT_EQ(field->message_type(), kind.args_type()) << kind.name();
  }
}

// Copy and move share CopyPackagesArgs; `move` tells them apart.
TEST(JobKindsTest, CopyAndMoveShareACaseAndAreToldApart) {
  v1::JobArgs args;
  args.mutable_copy_packages()->set_move(false);
  EXPECT_EQ(KindOf(args), "repo.copy_packages");
  EXPECT_EQ(KindsSelecting(args), 1);
  args.mutable_copy_packages()->set_move(true);
  EXPECT_EQ(KindOf(args), "repo.move_packages");
  EXPECT_EQ(KindsSelecting(args), 1);
}

}  // namespace
}  // namespace debrepo::jobs
