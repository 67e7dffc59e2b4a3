#include "jobs/repo_update.h"

#include "gtest/gtest.h"

namespace debrepo::jobs {
namespace {

TEST(RepoUpdateTest, ChangesOnlyTheNamedFields) {
  v1::Repo repo;
  repo.set_name("main");
  repo.set_comment("old");
  repo.set_default_distribution("bookworm");
  v1::UpdateRepoArgs update;
  update.mutable_repo()->set_name("ignored");
  update.mutable_repo()->set_comment("new");
  update.mutable_repo()->set_default_distribution("trixie");
  update.add_fields("comment");
  ApplyRepoUpdate(update, repo);
  EXPECT_EQ(repo.name(), "main");
  EXPECT_EQ(repo.comment(), "new");
  EXPECT_EQ(repo.default_distribution(), "bookworm");
}

TEST(RepoUpdateTest, KnowsTheUpdatableFields) {
  for (const char* field :
       {"name", "comment", "default_distribution", "default_component"}) {
    EXPECT_TRUE(IsUpdatableRepoField(field)) << field;
  }
  EXPECT_FALSE(IsUpdatableRepoField("create_time"));
  EXPECT_FALSE(IsUpdatableRepoField(""));
}

}  // namespace
}  // namespace debrepo::jobs
