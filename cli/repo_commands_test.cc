#include "cli/repo_commands.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/fake_server.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class RepoCommandsTest : public ::testing::Test {
 protected:
  absl::Status Run(const std::vector<std::string>& args,
                   const Options& options = {}) {
    return server_.RunCommand(RepoCommands(), args, options, &out_);
  }

  static v1::Repo MakeRepo(const std::string& name,
                           const std::string& comment) {
    v1::Repo repo;
    repo.set_name(name);
    repo.set_comment(comment);
    return repo;
  }

  FakeServer server_;
  std::string out_;
};

TEST_F(RepoCommandsTest, CreateSubmitsAndWaits) {
  server_.running_polls = 2;
  ASSERT_THAT(Run({"repo", "create", "-distribution=bookworm", "-comment",
                   "main repo", "r1", "--component=main"}),
              IsOk());
  ASSERT_EQ(server_.create_requests.size(), 1);
  const v1::CreateRepoRequest& request = server_.create_requests[0];
  EXPECT_EQ(request.repo().name(), "r1");
  EXPECT_EQ(request.repo().comment(), "main repo");
  EXPECT_EQ(request.repo().default_distribution(), "bookworm");
  EXPECT_EQ(request.repo().default_component(), "main");
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_EQ(server_.wait_calls, 3);
  EXPECT_EQ(out_,
            "Local repo [r1] successfully added.\n"
            "You can run 'debrepo repo add r1 ...' to add packages to "
            "repo.\n");
}

TEST_F(RepoCommandsTest, RequestIdsDiffer) {
  ASSERT_THAT(Run({"repo", "create", "a"}), IsOk());
  ASSERT_THAT(Run({"repo", "create", "b"}), IsOk());
  ASSERT_EQ(server_.create_requests.size(), 2);
  EXPECT_NE(server_.create_requests[0].request_id(),
            server_.create_requests[1].request_id());
}

TEST_F(RepoCommandsTest, FailedJobReturnsItsStatus) {
  server_.end_state = v1::FAILED;
  server_.end_code = static_cast<int>(absl::StatusCode::kAlreadyExists);
  server_.end_message = "repo \"r1\" already exists";
  const absl::Status status = Run({"repo", "create", "r1"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(status.message(), "repo \"r1\" already exists");
  EXPECT_THAT(out_, IsEmpty());
}

TEST_F(RepoCommandsTest, CancelledJobIsAnError) {
  server_.end_state = v1::CANCELLED;
  server_.end_code = static_cast<int>(absl::StatusCode::kCancelled);
  server_.end_message = "cancelled by request";
  const absl::Status status = Run({"repo", "drop", "r1"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(status.message(), "cancelled by request");
}

TEST_F(RepoCommandsTest, AsyncPrintsTheJobId) {
  Options options;
  options.async = true;
  ASSERT_THAT(Run({"repo", "create", "r1"}, options), IsOk());
  EXPECT_EQ(out_, "1\n");
  EXPECT_EQ(server_.wait_calls, 0);

  options.json = true;
  ASSERT_THAT(Run({"repo", "create", "r2"}, options), IsOk());
  EXPECT_THAT(out_, HasSubstr("\"id\":\"2\""));
  EXPECT_THAT(out_, HasSubstr("\"state\":\"QUEUED\""));
  EXPECT_THAT(out_, HasSubstr("\"request_id\":"));
}

TEST_F(RepoCommandsTest, JsonPrintsTheEndedJob) {
  Options options;
  options.json = true;
  ASSERT_THAT(Run({"repo", "create", "r1"}, options), IsOk());
  EXPECT_THAT(out_, HasSubstr("\"state\":\"SUCCEEDED\""));
  EXPECT_THAT(out_, Not(HasSubstr("successfully")));
}

TEST_F(RepoCommandsTest, TimeoutGivesUp) {
  server_.running_polls = 1000;
  Options options;
  options.timeout = absl::ZeroDuration();
  const absl::Status status = Run({"repo", "create", "r1"}, options);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(status.message(), HasSubstr("debrepo task wait 1"));
}

TEST_F(RepoCommandsTest, Show) {
  v1::Repo repo = MakeRepo("r1", "hello");
  repo.set_default_distribution("bookworm");
  repo.set_default_component("main");
  server_.repos = {repo};
  ASSERT_THAT(Run({"repo", "show", "r1"}), IsOk());
  EXPECT_EQ(out_,
            "Name: r1\nComment: hello\nDefault Distribution: bookworm\n"
            "Default Component: main\n");

  Options options;
  options.json = true;
  ASSERT_THAT(Run({"repo", "show", "r1"}, options), IsOk());
  EXPECT_EQ(out_,
            "{\"name\":\"r1\",\"comment\":\"hello\",\"default_distribution\":"
            "\"bookworm\",\"default_component\":\"main\"}\n");
}

TEST_F(RepoCommandsTest, ServerErrorsNameTheirCode) {
  const absl::Status status = Run({"repo", "show", "nope"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(status.message(), "NOT_FOUND: repo \"nope\" does not exist");
  EXPECT_FALSE(IsUsageError(status));
}

TEST_F(RepoCommandsTest, ListFollowsPages) {
  server_.repos = {MakeRepo("a", "first"), MakeRepo("b", ""),
                   MakeRepo("c", "third")};
  ASSERT_THAT(Run({"repo", "list"}), IsOk());
  EXPECT_EQ(out_,
            "List of local repos:\n * [a]: first\n * [b]\n * [c]: third\n\n"
            "To get more information about local repository, run "
            "`debrepo repo show <name>`.\n");

  ASSERT_THAT(Run({"repo", "list", "-raw"}), IsOk());
  EXPECT_EQ(out_, "a\nb\nc\n");

  Options options;
  options.json = true;
  ASSERT_THAT(Run({"repo", "list"}, options), IsOk());
  EXPECT_EQ(out_,
            "{\"repos\":[{\"name\":\"a\",\"comment\":\"first\"},{\"name\":"
            "\"b\"},{\"name\":\"c\",\"comment\":\"third\"}]}\n");
}

TEST_F(RepoCommandsTest, ListEmpty) {
  ASSERT_THAT(Run({"repo", "list"}), IsOk());
  EXPECT_EQ(out_,
            "No local repositories found, create one with `debrepo repo "
            "create ...`.\n");
}

TEST_F(RepoCommandsTest, EditMasksOnlyGivenFlags) {
  ASSERT_THAT(Run({"repo", "edit", "r1", "-comment=", "-component", "contrib"}),
              IsOk());
  ASSERT_EQ(server_.update_requests.size(), 1);
  const v1::UpdateRepoRequest& request = server_.update_requests[0];
  EXPECT_EQ(request.name(), "r1");
  EXPECT_THAT(request.update_mask().paths(),
              ElementsAre("comment", "default_component"));
  EXPECT_EQ(request.repo().comment(), "");
  EXPECT_EQ(request.repo().default_component(), "contrib");
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_EQ(out_, "Local repo [r1] successfully updated.\n");
}

TEST_F(RepoCommandsTest, EditWithoutFlagsIsAUsageError) {
  const absl::Status status = Run({"repo", "edit", "r1"});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("nothing to change"));
  EXPECT_THAT(server_.update_requests, IsEmpty());
}

TEST_F(RepoCommandsTest, Rename) {
  ASSERT_THAT(Run({"repo", "rename", "old", "new"}), IsOk());
  ASSERT_EQ(server_.update_requests.size(), 1);
  const v1::UpdateRepoRequest& request = server_.update_requests[0];
  EXPECT_EQ(request.name(), "old");
  EXPECT_EQ(request.repo().name(), "new");
  EXPECT_THAT(request.update_mask().paths(), ElementsAre("name"));
  EXPECT_EQ(out_, "Local repo old -> new has been successfully renamed.\n");
}

TEST_F(RepoCommandsTest, Drop) {
  ASSERT_THAT(Run({"repo", "drop", "r1"}), IsOk());
  ASSERT_THAT(Run({"repo", "drop", "-force", "r2"}), IsOk());
  ASSERT_EQ(server_.delete_requests.size(), 2);
  EXPECT_EQ(server_.delete_requests[0].name(), "r1");
  EXPECT_FALSE(server_.delete_requests[0].force());
  EXPECT_EQ(server_.delete_requests[1].name(), "r2");
  EXPECT_TRUE(server_.delete_requests[1].force());
  EXPECT_EQ(out_, "Local repo r2 has been removed.\n");
}

}  // namespace
}  // namespace debrepo::cli
