#include "cli/repo_commands.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/fake_server.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/job_spec.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

class RepoCommandsTest : public ::testing::Test {
 protected:
  absl::Status Run(const std::vector<std::string>& args,
                   const Options& options = {}) {
    return server_.RunCommand(RepoCommands(), args, options, &out_, &err_);
  }

  // Path returns `name` under a directory of this test's own.
  static std::string Path(const std::string& name) {
    const std::string directory = absl::StrCat(
        ::testing::TempDir(), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory);
    return absl::StrCat(directory, "/", name);
  }

  // WriteFile creates `name` (see Path), with parent directories, holding
  // `contents`, and returns its path.
  static std::string WriteFile(const std::string& name,
                               const std::string& contents) {
    const std::string path = Path(name);
    std::filesystem::create_directories(
        std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  static v1::Package MakePackage(const std::string& key) {
    v1::Package package;
    package.set_key(key);
    return package;
  }

  // EndAddWith makes repo.add_from_upload jobs succeed with `result`.
  void EndAddWith(const v1::AddFromUploadResult& result) {
    v1::Job& end = server_.end_by_kind["repo.add_from_upload"];
    end.set_state(v1::SUCCEEDED);
    *end.mutable_result()->mutable_add_from_upload() = result;
  }

  // UploadHeaders returns the header of each uploaded file, in order.
  std::vector<v1::UploadHeader> UploadHeaders() const {
    std::vector<v1::UploadHeader> headers;
    for (const auto& stream : server_.uploads) {
      for (const v1::UploadRequest& message : stream) {
        if (message.has_header()) headers.push_back(message.header());
      }
    }
    return headers;
  }

  // UploadDirectories returns the directory of each uploaded file, in order.
  std::vector<std::string> UploadDirectories() const {
    std::vector<std::string> directories;
    for (const v1::UploadHeader& header : UploadHeaders()) {
      directories.push_back(header.directory());
    }
    return directories;
  }

  // UploadFilenames returns the filename of each uploaded file, in order.
  std::vector<std::string> UploadFilenames() const {
    std::vector<std::string> filenames;
    for (const v1::UploadHeader& header : UploadHeaders()) {
      filenames.push_back(header.filename());
    }
    return filenames;
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
  std::string err_;
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
            "Default Component: main\nNumber of packages: 0\n");

  // The snapshots made from it, after the count.
  server_.repos[0].add_snapshots("s1");
  server_.repos[0].add_snapshots("s2");
  ASSERT_THAT(Run({"repo", "show", "r1"}), IsOk());
  EXPECT_THAT(out_, EndsWith("Number of packages: 0\n"
                             "Snapshots made from it:\n  s1\n  s2\n"));
  server_.repos[0].clear_snapshots();

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

TEST_F(RepoCommandsTest, ShowWithPackagesFollowsPages) {
  server_.repos = {MakeRepo("r1", "hello")};
  server_.packages = {MakePackage("Pamd64 a 1 0a"),
                      MakePackage("Pamd64 b 2 0b"),
                      MakePackage("Pall c 1:3 0c")};
  ASSERT_THAT(Run({"repo", "show", "-with-packages", "r1"}), IsOk());
  // aptly's names, and its count.
  EXPECT_EQ(out_,
            "Name: r1\nComment: hello\nDefault Distribution: \n"
            "Default Component: \nNumber of packages: 3\nPackages:\n"
            "  a_1_amd64\n  b_2_amd64\n  c_1:3_all\n");

  ASSERT_EQ(server_.list_repo_packages_requests.size(), 2);
  EXPECT_EQ(server_.list_repo_packages_requests[0].name(), "r1");
  EXPECT_EQ(server_.list_repo_packages_requests[0].query(), "");
  EXPECT_EQ(server_.list_repo_packages_requests[1].page_token(), "2");

  Options options;
  options.json = true;
  ASSERT_THAT(Run({"repo", "show", "r1", "--with-packages"}, options), IsOk());
  EXPECT_EQ(out_,
            "{\"repo\":{\"name\":\"r1\",\"comment\":\"hello\"},\"packages\":["
            "{\"key\":\"Pamd64 a 1 0a\"},{\"key\":\"Pamd64 b 2 0b\"},"
            "{\"key\":\"Pall c 1:3 0c\"}]}\n");

  ASSERT_THAT(Run({"repo", "show", "-with-packages", "-keys", "r1"}), IsOk());
  EXPECT_THAT(out_, HasSubstr("Packages:\n  Pamd64 a 1 0a\n  Pamd64 b 2 0b\n"
                              "  Pall c 1:3 0c\n"));
}

TEST_F(RepoCommandsTest, ShowWithoutPackagesListsNone) {
  server_.repos = {MakeRepo("r1", "")};
  ASSERT_THAT(Run({"repo", "show", "-with-packages", "r1"}), IsOk());
  EXPECT_THAT(out_, HasSubstr("Default Component: \nNumber of packages: 0\n"
                              "Packages:\n"));
  EXPECT_TRUE(absl::EndsWith(out_, "Packages:\n"));
  ASSERT_THAT(Run({"repo", "show", "r1"}), IsOk());
  EXPECT_THAT(out_, Not(HasSubstr("Packages:")));
}

TEST_F(RepoCommandsTest, SearchPrintsKeys) {
  server_.packages = {MakePackage("Pamd64 a 1 x"), MakePackage("Pamd64 b 2 y"),
                      MakePackage("Pall c 3 z")};
  ASSERT_THAT(
      Run({"repo", "search", "r1", "Name (~ ^lib), $Architecture (amd64)"}),
      IsOk());
  EXPECT_EQ(out_, "Pamd64 a 1 x\nPamd64 b 2 y\nPall c 3 z\n");
  ASSERT_EQ(server_.list_repo_packages_requests.size(), 2);
  EXPECT_EQ(server_.list_repo_packages_requests[0].name(), "r1");
  EXPECT_EQ(server_.list_repo_packages_requests[0].query(),
            "Name (~ ^lib), $Architecture (amd64)");
  EXPECT_FALSE(server_.list_repo_packages_requests[0].details());

  ASSERT_THAT(Run({"repo", "search", "r1"}), IsOk());
  EXPECT_EQ(server_.list_repo_packages_requests[2].query(), "");

  Options options;
  options.json = true;
  ASSERT_THAT(Run({"repo", "search", "r1", "a"}, options), IsOk());
  EXPECT_EQ(out_,
            "{\"packages\":[{\"key\":\"Pamd64 a 1 x\"},{\"key\":\"Pamd64 b 2 "
            "y\"},{\"key\":\"Pall c 3 z\"}]}\n");
}

TEST_F(RepoCommandsTest, SearchFindingNothingIsAnError) {
  const absl::Status status = Run({"repo", "search", "r1", "nope"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(status.message(), "no packages found");
  EXPECT_FALSE(IsUsageError(status));
  EXPECT_THAT(out_, IsEmpty());
}

TEST_F(RepoCommandsTest, SearchTakesOneQuery) {
  const absl::Status status = Run({"repo", "search", "r1", "a", "b"});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("unexpected argument \"b\""));
}

TEST_F(RepoCommandsTest, RemoveOrsTheQueryArguments) {
  v1::Job& end = server_.end_by_kind["repo.remove_packages"];
  end.set_state(v1::SUCCEEDED);
  end.mutable_result()->mutable_remove_packages()->add_removed("Pamd64 a 1 0a");
  end.mutable_result()->mutable_remove_packages()->add_removed("Pall c 3 0c");
  ASSERT_THAT(Run({"repo", "remove", "r1", "Name (a)", "Name (c)"}), IsOk());
  ASSERT_EQ(server_.remove_packages_requests.size(), 1);
  const v1::RemovePackagesRequest& request =
      server_.remove_packages_requests[0];
  EXPECT_EQ(request.name(), "r1");
  EXPECT_EQ(request.query(), "(Name (a)) | (Name (c))");
  EXPECT_THAT(request.keys(), IsEmpty());
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_FALSE(request.dry_run());
  EXPECT_EQ(out_,
            "Loading packages...\n[-] a_1_amd64 removed\n"
            "[-] c_3_all removed\n");

  Options options;
  options.json = true;
  ASSERT_THAT(Run({"repo", "remove", "r1", "a"}, options), IsOk());
  EXPECT_THAT(out_, StartsWith("{\"id\":\"2\""));
  EXPECT_THAT(out_,
              HasSubstr("\"removed\":[\"Pamd64 a 1 0a\",\"Pall c 3 0c\"]"));
  EXPECT_THAT(out_, Not(HasSubstr("Loading")));
}

TEST_F(RepoCommandsTest, RemoveDryRunSaysNothingWasChanged) {
  v1::Job& end = server_.end_by_kind["repo.remove_packages"];
  end.set_state(v1::SUCCEEDED);
  end.mutable_result()->mutable_remove_packages()->add_removed("Pall a 1 0a");
  end.mutable_result()->mutable_remove_packages()->set_dry_run(true);
  ASSERT_THAT(Run({"repo", "remove", "-dry-run", "r1", "a"}), IsOk());
  ASSERT_EQ(server_.remove_packages_requests.size(), 1);
  EXPECT_TRUE(server_.remove_packages_requests[0].dry_run());
  EXPECT_EQ(out_,
            "Loading packages...\n[-] a_1_all removed\n\n"
            "Changes not saved, as dry run has been requested.\n");

  // A worker that ignored the dry run changed the repo: say so.
  end.mutable_result()->mutable_remove_packages()->set_dry_run(false);
  const absl::Status ignored = Run({"repo", "remove", "-dry-run", "r1", "a"});
  EXPECT_THAT(ignored, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(ignored.message(), HasSubstr("WERE made"));
}

TEST_F(RepoCommandsTest, RemoveNeedsAQuery) {
  absl::Status status = Run({"repo", "remove", "r1"});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("missing argument QUERY\n"));
  status = Run({"repo", "remove", "r1", "a", " "});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("QUERY \" \" is empty"));
  EXPECT_THAT(status.message(),
              HasSubstr("\nUsage: debrepo repo remove [-dry-run] [-keys] "
                        "NAME QUERY..."));
  EXPECT_THAT(server_.remove_packages_requests, IsEmpty());
}

TEST_F(RepoCommandsTest, RemoveFailedJobIsAnError) {
  server_.end_state = v1::FAILED;
  server_.end_code = static_cast<int>(absl::StatusCode::kNotFound);
  server_.end_message = "repo \"r1\" does not exist";
  const absl::Status status = Run({"repo", "remove", "r1", "a"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(status.message(), "repo \"r1\" does not exist");
  EXPECT_THAT(out_, IsEmpty());
}

TEST_F(RepoCommandsTest, AddUploadsIntoAFreshDirectoryThenAdds) {
  server_.running_polls = 0;
  server_.repos = {MakeRepo("r1", "")};
  const std::string a = WriteFile("pool/a_1_amd64.deb", "a");
  WriteFile("pool/b_2_all.udeb", "b");
  WriteFile("pool/notes.txt", "not a package");
  WriteFile("pool/sub/c_3_amd64.deb", "in a subdirectory");
  const std::string single = WriteFile("d_4_amd64.deb", "d");
  v1::AddFromUploadResult result;
  result.add_added("Pamd64 a 1 0a");
  result.add_added("Pall b 2 0b");
  result.add_added("Pamd64 c 3 0c");
  result.add_added("Pamd64 d 4 0d");
  EndAddWith(result);
  ASSERT_THAT(Run({"repo", "add", "r1", Path("pool"), single}), IsOk());

  // Subdirectories are scanned too, as aptly does.
  EXPECT_THAT(UploadFilenames(), ElementsAre("a_1_amd64.deb", "b_2_all.udeb",
                                             "c_3_amd64.deb", "d_4_amd64.deb"));
  const std::vector<std::string> directories = UploadDirectories();
  ASSERT_EQ(directories.size(), 4);
  EXPECT_THAT(directories[0], StartsWith("cli-"));
  EXPECT_EQ(directories[0].size(), 20);
  EXPECT_EQ(directories[1], directories[0]);
  EXPECT_EQ(directories[2], directories[0]);
  EXPECT_EQ(server_.uploads[0][0].header().sha256(),
            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  EXPECT_EQ(server_.uploads[0][1].chunk(), "a");

  ASSERT_EQ(server_.add_from_upload_requests.size(), 1);
  const v1::AddFromUploadRequest& request = server_.add_from_upload_requests[0];
  EXPECT_EQ(request.name(), "r1");
  EXPECT_EQ(request.directory(), directories[0]);
  EXPECT_FALSE(request.force_replace());
  EXPECT_FALSE(request.no_remove_files());
  EXPECT_FALSE(request.request_id().empty());
  // The files go in one upload, recorded before the add; the directory is
  // then checked for leftovers, and here has none.
  ASSERT_EQ(server_.uploads.size(), 1);
  EXPECT_EQ(server_.jobs.at(1).kind(), "upload.add_files");
  EXPECT_THAT(server_.calls,
              ElementsAre("GetRepo", "Upload", "WaitJob 1", "AddFromUpload",
                          "WaitJob 2", "ListUploadFiles"));
  ASSERT_EQ(server_.list_upload_files_requests.size(), 1);
  EXPECT_EQ(server_.list_upload_files_requests[0].directory(), directories[0]);
  EXPECT_THAT(server_.delete_upload_requests, IsEmpty());

  EXPECT_EQ(out_, absl::StrCat("Loading packages...\nFound 3 files (.deb, "
                               ".udeb, .dsc) in ",
                               Path("pool"),
                               " and its subdirectories.\n"
                               "[+] a_1_amd64 added\n[+] b_2_all added\n"
                               "[+] c_3_amd64 added\n[+] d_4_amd64 added\n"));
  EXPECT_THAT(err_, IsEmpty());
  EXPECT_TRUE(std::filesystem::exists(a));  // no -remove-files
}

TEST_F(RepoCommandsTest, AddSendsUploadsInParallelAndAddsOnceAllAreRecorded) {
  server_.running_polls = 0;
  server_.repos = {MakeRepo("r1", "")};
  // Three uploads' worth of files.
  std::vector<std::string> expected;
  for (int i = 0; i <= 2 * jobs::kMaxUploadFilesPerJob; ++i) {
    expected.push_back(absl::StrCat("p", i, "_1_amd64.deb"));
    WriteFile(absl::StrCat("many/", expected.back()), absl::StrCat(i));
  }
  EndAddWith(v1::AddFromUploadResult());
  ASSERT_THAT(Run({"repo", "add", "r1", Path("many")}), IsOk());

  // Every file went exactly once, each upload under a request id of its
  // own, into one directory.
  ASSERT_EQ(server_.uploads.size(), 3);
  std::vector<std::string> sent = UploadFilenames();
  std::sort(sent.begin(), sent.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(sent, expected);
  std::vector<std::string> request_ids;
  for (const std::vector<v1::UploadRequest>& upload : server_.uploads) {
    request_ids.push_back(upload[0].header().request_id());
  }
  std::sort(request_ids.begin(), request_ids.end());
  EXPECT_EQ(std::unique(request_ids.begin(), request_ids.end()),
            request_ids.end());
  const std::vector<std::string> directories = UploadDirectories();
  EXPECT_EQ(std::count(directories.begin(), directories.end(), directories[0]),
            directories.size());
  // The add comes after every upload was recorded (in whatever order the
  // streams finished).
  const auto add =
      std::find(server_.calls.begin(), server_.calls.end(), "AddFromUpload");
  ASSERT_NE(add, server_.calls.end());
  for (int upload_job = 1; upload_job <= 3; ++upload_job) {
    EXPECT_THAT(std::vector<std::string>(server_.calls.begin(), add),
                Contains(absl::StrCat("WaitJob ", upload_job)));
  }
  EXPECT_EQ(std::count(server_.calls.begin(), add, "Upload"), 3);
}

TEST_F(RepoCommandsTest, AddDirectoriesDiffer) {
  server_.repos = {MakeRepo("r1", "")};
  const std::string a = WriteFile("a.deb", "a");
  ASSERT_THAT(Run({"repo", "add", "r1", a}), IsOk());
  ASSERT_THAT(Run({"repo", "add", "r1", a}), IsOk());
  EXPECT_NE(UploadDirectories()[0], UploadDirectories()[1]);
}

TEST_F(RepoCommandsTest, AddForceReplacePrintsReplaced) {
  server_.repos = {MakeRepo("r1", "")};
  v1::AddFromUploadResult result;
  result.add_added("Pamd64 a 1 new");
  result.add_replaced("Pamd64 a 1 old");
  EndAddWith(result);
  ASSERT_THAT(
      Run({"repo", "add", "-force-replace", "r1", WriteFile("a.deb", "a")}),
      IsOk());
  ASSERT_EQ(server_.add_from_upload_requests.size(), 1);
  EXPECT_TRUE(server_.add_from_upload_requests[0].force_replace());
  EXPECT_EQ(out_,
            "Loading packages...\n[-] Pamd64 a 1 old removed due to conflict "
            "with package being added\n[+] Pamd64 a 1 new added\n");
}

TEST_F(RepoCommandsTest, AddFailedFilesExitOneAndDeleteTheDirectory) {
  server_.repos = {MakeRepo("r1", "")};
  const std::string good = WriteFile("good.deb", "good");
  const std::string bad = WriteFile("bad.deb", "bad");
  v1::AddFromUploadResult result;
  result.add_added("Pamd64 good 1 x");
  v1::FailedFile& failed = *result.add_failed();
  failed.set_filename("bad.deb");
  failed.set_reason("not an ar archive");
  EndAddWith(result);
  // The failed file stays in the directory.
  v1::UploadFile left;
  left.set_filename("bad.deb");
  server_.upload_files = {left};

  const absl::Status status = Run({"repo", "add", "r1", good, bad});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(IsUsageError(status));  // exit status 1
  EXPECT_EQ(status.message(), "some files failed to be added (1 of 2)");
  EXPECT_EQ(out_, "Loading packages...\n[+] Pamd64 good 1 x added\n");
  EXPECT_EQ(err_, absl::StrCat("[!] ", bad, ": not an ar archive\n"));

  ASSERT_EQ(server_.delete_upload_requests.size(), 1);
  const v1::DeleteUploadRequest& cleanup = server_.delete_upload_requests[0];
  EXPECT_EQ(cleanup.directory(), UploadDirectories()[0]);
  EXPECT_EQ(cleanup.filename(), "");
  EXPECT_FALSE(cleanup.request_id().empty());
  // The delete task is awaited.
  EXPECT_THAT(server_.calls,
              Contains(absl::StrCat("WaitJob ", server_.jobs.rbegin()->first)));
  EXPECT_EQ(server_.jobs.rbegin()->second.kind(), "upload.delete");
}

TEST_F(RepoCommandsTest, AddFailedJobReturnsItsStatusAndDeletesTheDirectory) {
  server_.repos = {MakeRepo("r1", "")};
  v1::Job& end = server_.end_by_kind["repo.add_from_upload"];
  end.set_state(v1::FAILED);
  end.set_status_code(static_cast<int>(absl::StatusCode::kFailedPrecondition));
  end.set_status_message("repo \"r1\" already has a different package");
  v1::UploadFile left;
  left.set_filename("a.deb");
  server_.upload_files = {left};
  const absl::Status status =
      Run({"repo", "add", "r1", WriteFile("a.deb", "a")});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(status.message(), "repo \"r1\" already has a different package");
  EXPECT_EQ(out_, "Loading packages...\n");
  EXPECT_THAT(err_, IsEmpty());
  ASSERT_EQ(server_.delete_upload_requests.size(), 1);
  EXPECT_EQ(server_.delete_upload_requests[0].directory(),
            UploadDirectories()[0]);
}

TEST_F(RepoCommandsTest, AddCleanupIgnoresNotFound) {
  server_.repos = {MakeRepo("r1", "")};
  v1::AddFromUploadResult result;
  v1::FailedFile& failed = *result.add_failed();
  failed.set_filename("a.deb");
  failed.set_reason("bad");
  EndAddWith(result);
  server_.upload_files = {v1::UploadFile()};
  v1::Job& end = server_.end_by_kind["upload.delete"];
  end.set_state(v1::FAILED);
  end.set_status_code(static_cast<int>(absl::StatusCode::kNotFound));
  end.set_status_message("upload directory does not exist");
  const absl::Status status =
      Run({"repo", "add", "r1", WriteFile("a.deb", "a")});
  EXPECT_EQ(status.message(), "some files failed to be added (1 of 1)");
  EXPECT_EQ(server_.delete_upload_requests.size(), 1);
  EXPECT_THAT(err_, Not(HasSubstr("debrepo:")));
}

TEST_F(RepoCommandsTest, AddCleanupFailureIsReported) {
  server_.repos = {MakeRepo("r1", "")};
  v1::AddFromUploadResult result;
  v1::FailedFile& failed = *result.add_failed();
  failed.set_filename("a.deb");
  failed.set_reason("bad");
  EndAddWith(result);
  server_.upload_files = {v1::UploadFile()};
  v1::Job& end = server_.end_by_kind["upload.delete"];
  end.set_state(v1::FAILED);
  end.set_status_code(static_cast<int>(absl::StatusCode::kInternal));
  end.set_status_message("disk on fire");
  const absl::Status status =
      Run({"repo", "add", "r1", WriteFile("a.deb", "a")});
  // The hint comes after the error it belongs to.
  const std::string directory = UploadDirectories()[0];
  EXPECT_EQ(
      status.message(),
      absl::StrCat("some files failed to be added (1 of 1)\n"
                   "Cannot delete upload directory ",
                   directory, " (disk on fire); run 'debrepo file delete ",
                   directory, "'."));
}

TEST_F(RepoCommandsTest, AddFailedUploadStopsAndCleansUp) {
  server_.repos = {MakeRepo("r1", "")};
  v1::Job& end = server_.end_by_kind["upload.add_files"];
  end.set_state(v1::FAILED);
  end.set_status_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
  end.set_status_message("bad filename");
  server_.upload_files = {v1::UploadFile()};
  const std::string a = WriteFile("a.deb", "a");
  const absl::Status status =
      Run({"repo", "add", "r1", a, WriteFile("b.deb", "b")});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(status.message(),
            absl::StrCat("cannot upload ", a, " (and 1 more): bad filename"));
  EXPECT_EQ(server_.uploads.size(), 1);
  EXPECT_THAT(server_.add_from_upload_requests, IsEmpty());
  ASSERT_EQ(server_.delete_upload_requests.size(), 1);
  EXPECT_EQ(server_.delete_upload_requests[0].directory(),
            UploadDirectories()[0]);
}

TEST_F(RepoCommandsTest, AddToMissingRepoSendsNothing) {
  const absl::Status status =
      Run({"repo", "add", "nope", WriteFile("a.deb", "a")});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(status.message(), "NOT_FOUND: repo \"nope\" does not exist");
  EXPECT_THAT(server_.uploads, IsEmpty());
  EXPECT_EQ(out_, "Loading packages...\n");
}

TEST_F(RepoCommandsTest, AddWithTheFileFirstSaysTheNameComesFirst) {
  server_.error = grpc::Status(grpc::StatusCode::NOT_FOUND,
                               "repo \"a.deb\" does not exist");
  const std::string file = WriteFile("a.deb", "a");
  const absl::Status status = Run({"repo", "add", file, "r1"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(status.message(),
              HasSubstr(absl::StrCat("\n\"", file,
                                     "\" is a local file or directory; the "
                                     "repo name comes first")));
  EXPECT_THAT(server_.uploads, IsEmpty());
}

TEST_F(RepoCommandsTest, AddStoresUnsafeNamesSafelyAndNamesFailuresLocally) {
  server_.repos = {MakeRepo("r1", "")};
  const std::string file = WriteFile("hello (1).deb", "a");
  v1::AddFromUploadResult result;
  v1::FailedFile& failed = *result.add_failed();
  failed.set_filename("hello__1_.deb");
  failed.set_reason("use force_replace");
  EndAddWith(result);
  const absl::Status status = Run({"repo", "add", "r1", file});
  EXPECT_THAT(UploadFilenames(), ElementsAre("hello__1_.deb"));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  // The hint names the flag, not the request field.
  EXPECT_EQ(err_, absl::StrCat("[!] ", file, ": use -force-replace\n"));
}

TEST_F(RepoCommandsTest, AddMissingFileSendsNothing) {
  server_.repos = {MakeRepo("r1", "")};
  const std::string missing = Path("nope.deb");
  const absl::Status status =
      Run({"repo", "add", "r1", WriteFile("a.deb", "a"), missing});
  EXPECT_FALSE(IsUsageError(status));
  EXPECT_EQ(status.message(), absl::StrCat("cannot read ", missing,
                                           ": No such file or directory"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(RepoCommandsTest, AddDirectoryWithoutPackages) {
  server_.repos = {MakeRepo("r1", "")};
  WriteFile("empty/readme.txt", "x");
  const absl::Status status = Run({"repo", "add", "r1", Path("empty")});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(status.message(),
            absl::StrCat("no packages to add: no .deb, .udeb or .dsc files in ",
                         Path("empty"), " or their subdirectories"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(RepoCommandsTest, AddSameFilenameTwiceSendsNothing) {
  server_.repos = {MakeRepo("r1", "")};
  const std::string one = WriteFile("one/a.deb", "1");
  const std::string two = WriteFile("two/a.deb", "2");
  const absl::Status status = Run({"repo", "add", "r1", one, two});
  EXPECT_EQ(status.message(),
            absl::StrCat("two files would be stored as a.deb: ", one, " and ",
                         two, "; send them in separate commands"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(RepoCommandsTest, AddNeedsAFile) {
  const absl::Status status = Run({"repo", "add", "r1"});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("missing argument FILE|DIR\n"));
}

TEST_F(RepoCommandsTest, AddAsyncPrintsTheAddTaskOnly) {
  server_.repos = {MakeRepo("r1", "")};
  server_.upload_files = {v1::UploadFile()};
  Options options;
  options.async = true;
  ASSERT_THAT(Run({"repo", "add", "r1", WriteFile("a.deb", "a"),
                   WriteFile("b.deb", "b")},
                  options),
              IsOk());
  EXPECT_EQ(out_, "2\n");
  EXPECT_EQ(server_.jobs.at(2).kind(), "repo.add_from_upload");
  EXPECT_EQ(server_.jobs.at(2).state(), v1::QUEUED);
  // The directory belongs to the queued task now.
  EXPECT_THAT(server_.list_upload_files_requests, IsEmpty());
  EXPECT_THAT(server_.delete_upload_requests, IsEmpty());
  EXPECT_THAT(err_, IsEmpty());
}

TEST_F(RepoCommandsTest, AddJsonPrintsTheAddTask) {
  server_.repos = {MakeRepo("r1", "")};
  v1::AddFromUploadResult result;
  result.add_added("Pamd64 a 1 x");
  EndAddWith(result);
  Options options;
  options.json = true;
  ASSERT_THAT(Run({"repo", "add", "r1", WriteFile("a.deb", "a")}, options),
              IsOk());
  EXPECT_THAT(out_,
              StartsWith("{\"id\":\"2\",\"kind\":\"repo.add_from_upload\""));
  EXPECT_THAT(out_, HasSubstr("\"added\":[\"Pamd64 a 1 x\"]"));
  EXPECT_EQ(std::count(out_.begin(), out_.end(), '\n'), 1);
}

TEST_F(RepoCommandsTest, AddRemoveFilesDeletesOnlyAddedLocalFiles) {
  server_.repos = {MakeRepo("r1", "")};
  const std::string good = WriteFile("good.deb", "good");
  const std::string bad = WriteFile("bad.deb", "bad");
  v1::AddFromUploadResult result;
  result.add_added("Pamd64 good 1 x");
  v1::FailedFile& failed = *result.add_failed();
  failed.set_filename("bad.deb");
  failed.set_reason("not an ar archive");
  EndAddWith(result);
  const absl::Status status =
      Run({"repo", "add", "-remove-files", "r1", good, bad});
  EXPECT_THAT(status, Not(IsOk()));
  EXPECT_FALSE(std::filesystem::exists(good));
  EXPECT_TRUE(std::filesystem::exists(bad));
}

TEST_F(RepoCommandsTest, AddSaysHowManyTheResultDidNotList) {
  server_.repos = {MakeRepo("r1", "")};
  const std::string good = WriteFile("good.deb", "good");
  const std::string bad = WriteFile("bad.deb", "bad");
  v1::AddFromUploadResult result;
  result.add_added("Pamd64 good 1 x");
  result.set_added_count(12001);
  v1::FailedFile& failed = *result.add_failed();
  failed.set_filename("bad.deb");
  failed.set_reason("not an ar archive");
  result.set_failed_count(1500);
  EndAddWith(result);
  const absl::Status status =
      Run({"repo", "add", "-remove-files", "r1", good, bad});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("(1500 of 2)"));
  EXPECT_THAT(
      out_, HasSubstr("[+] Pamd64 good 1 x added\n[+] and 12000 more added\n"));
  EXPECT_THAT(err_, HasSubstr("[!] and 1499 more files failed\n"));
  // Which files failed is not known: none is removed.
  EXPECT_TRUE(std::filesystem::exists(good));
  EXPECT_TRUE(std::filesystem::exists(bad));
}

TEST_F(RepoCommandsTest, AddFailedJobKeepsLocalFilesWithRemoveFiles) {
  server_.repos = {MakeRepo("r1", "")};
  v1::Job& end = server_.end_by_kind["repo.add_from_upload"];
  end.set_state(v1::FAILED);
  end.set_status_code(static_cast<int>(absl::StatusCode::kInternal));
  end.set_status_message("boom");
  const std::string a = WriteFile("a.deb", "a");
  const absl::Status status = Run({"repo", "add", "-remove-files", "r1", a});
  EXPECT_EQ(status.message(), "boom");
  EXPECT_EQ(server_.add_from_upload_requests.size(), 1);
  EXPECT_TRUE(std::filesystem::exists(a));
}

TEST_F(RepoCommandsTest, CopyJoinsTheQueryAndPrintsCopied) {
  v1::Job& end = server_.end_by_kind["repo.copy_packages"];
  end.set_state(v1::SUCCEEDED);
  end.mutable_result()->mutable_copy_packages()->add_copied("Pall a 1 0a");
  end.mutable_result()->mutable_copy_packages()->add_copied("Pall b 2 0b");
  ASSERT_THAT(Run({"repo", "copy", "src", "dst", "Name (~ ^[ab])"}), IsOk());
  ASSERT_EQ(server_.copy_packages_requests.size(), 1);
  const v1::CopyPackagesRequest& request = server_.copy_packages_requests[0];
  EXPECT_EQ(request.source(), "src");
  EXPECT_EQ(request.destination(), "dst");
  EXPECT_EQ(request.query(), "Name (~ ^[ab])");
  EXPECT_FALSE(request.with_deps());
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_THAT(server_.move_packages_requests, IsEmpty());
  EXPECT_EQ(out_, "[o] a_1_all copied\n[o] b_2_all copied\n");
  ASSERT_THAT(Run({"repo", "copy", "-keys", "-dry-run", "src", "dst", "nx-a",
                   "@/no/such/query"}),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(
      Run({"repo", "copy", "-keys", "-dry-run", "src", "dst", "nx-a", "nx-b"}),
      StatusIs(absl::StatusCode::kInternal));  // not a dry run
  ASSERT_EQ(server_.copy_packages_requests.size(), 2);
  EXPECT_EQ(server_.copy_packages_requests[1].query(), "(nx-a) | (nx-b)");
  EXPECT_TRUE(server_.copy_packages_requests[1].dry_run());
  EXPECT_EQ(out_, "[o] Pall a 1 0a copied\n[o] Pall b 2 0b copied\n");
}

TEST_F(RepoCommandsTest, MoveCallsMovePackagesAndPrintsMoved) {
  v1::Job& end = server_.end_by_kind["repo.move_packages"];
  end.set_state(v1::SUCCEEDED);
  end.mutable_result()->mutable_copy_packages()->add_copied("Pall a 1 0a");
  end.mutable_result()->mutable_copy_packages()->set_copied_count(3);
  ASSERT_THAT(Run({"repo", "move", "-with-deps", "src", "dst", "a"}), IsOk());
  ASSERT_EQ(server_.move_packages_requests.size(), 1);
  EXPECT_EQ(server_.move_packages_requests[0].query(), "a");
  EXPECT_TRUE(server_.move_packages_requests[0].with_deps());
  EXPECT_THAT(server_.copy_packages_requests, IsEmpty());
  EXPECT_EQ(out_, "[o] a_1_all moved\n[o] and 2 more moved\n");
}

TEST_F(RepoCommandsTest, CopyNeedsAQuery) {
  const absl::Status missing = Run({"repo", "copy", "src", "dst"});
  EXPECT_TRUE(IsUsageError(missing));
  EXPECT_THAT(missing.message(), HasSubstr("missing argument QUERY"));
  const absl::Status blank = Run({"repo", "move", "src", "dst", " "});
  EXPECT_TRUE(IsUsageError(blank));
  EXPECT_THAT(std::string(blank.message()),
              StartsWith("QUERY \" \" is empty\nUsage: debrepo repo move"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(RepoCommandsTest, CopyFailedJobIsAnError) {
  server_.end_state = v1::FAILED;
  server_.end_code = static_cast<int>(absl::StatusCode::kFailedPrecondition);
  server_.end_message = "conflict";
  const absl::Status status = Run({"repo", "copy", "src", "dst", "a"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(status.message(), "conflict");
  EXPECT_THAT(out_, IsEmpty());
}

TEST_F(RepoCommandsTest, CopyAsyncPrintsTheJobId) {
  Options options;
  options.async = true;
  ASSERT_THAT(Run({"repo", "copy", "src", "dst", "a"}, options), IsOk());
  EXPECT_EQ(out_, "1\n");
}

TEST_F(RepoCommandsTest, ImportTakesDependenciesUnlessNoDeps) {
  v1::Job& end = server_.end_by_kind["repo.import"];
  end.set_state(v1::SUCCEEDED);
  end.mutable_result()->mutable_copy_packages()->add_copied("Pamd64 a 1 0a");
  end.mutable_result()->mutable_copy_packages()->add_copied("Pall b 2 0b");
  ASSERT_THAT(Run({"repo", "import", "m", "dst", "a", "b",
                   "-architectures=amd64, i386"}),
              IsOk());
  ASSERT_EQ(server_.import_from_mirror_requests.size(), 1);
  const v1::ImportFromMirrorRequest& request =
      server_.import_from_mirror_requests[0];
  EXPECT_EQ(request.mirror(), "m");
  EXPECT_EQ(request.repo(), "dst");
  EXPECT_EQ(request.query(), "(a) | (b)");
  EXPECT_FALSE(request.no_deps());
  EXPECT_FALSE(request.dry_run());
  EXPECT_THAT(request.architectures(), ElementsAre("amd64", "i386"));
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_EQ(out_, "[o] a_1_amd64 imported\n[o] b_2_all imported\n");

  // aptly's -with-deps is the default.
  ASSERT_THAT(Run({"repo", "import", "-with-deps", "m", "dst", "a"}), IsOk());
  EXPECT_FALSE(server_.import_from_mirror_requests[1].no_deps());
  ASSERT_THAT(Run({"repo", "import", "-no-deps", "m", "dst", "a"}), IsOk());
  EXPECT_TRUE(server_.import_from_mirror_requests[2].no_deps());
  const absl::Status both =
      Run({"repo", "import", "-no-deps", "-with-deps", "m", "dst", "a"});
  EXPECT_TRUE(IsUsageError(both));
  EXPECT_THAT(both.message(), HasSubstr("exclude each other"));
  EXPECT_EQ(server_.import_from_mirror_requests.size(), 3);
}

TEST_F(RepoCommandsTest, ImportDryRunSaysNothingWasSaved) {
  v1::Job& end = server_.end_by_kind["repo.import"];
  end.set_state(v1::SUCCEEDED);
  end.mutable_result()->mutable_copy_packages()->add_copied("Pall b 2 0b");
  end.mutable_result()->mutable_copy_packages()->set_dry_run(true);
  ASSERT_THAT(Run({"repo", "import", "-dry-run", "m", "dst", "b"}), IsOk());
  EXPECT_TRUE(server_.import_from_mirror_requests[0].dry_run());
  EXPECT_EQ(out_,
            "[o] b_2_all imported\n\n"
            "Changes not saved, as dry run has been requested.\n");
}

TEST_F(RepoCommandsTest, ImportNeedsAQuery) {
  const absl::Status missing = Run({"repo", "import", "m", "dst"});
  EXPECT_TRUE(IsUsageError(missing));
  EXPECT_THAT(missing.message(), HasSubstr("missing argument QUERY"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

// ChangesText returns a .changes listing `files` (name and contents).
std::string ChangesText(
    const std::vector<std::pair<std::string, std::string>>& files,
    bool signed_text = false) {
  std::string sha256_lines;
  std::string files_lines;
  for (const auto& [name, contents] : files) {
    absl::StrAppend(&sha256_lines, "\n ", std::string(64, 'a'), " ",
                    contents.size(), " ", name);
    absl::StrAppend(&files_lines, "\n ", std::string(32, '0'), " ",
                    contents.size(), " misc optional ", name);
  }
  std::string text = absl::StrCat(
      "Format: 1.8\nSource: hello\nBinary: hello\nArchitecture: all\n"
      "Version: 1.0\nDistribution: unstable\nMaintainer: T <t@example.org>\n"
      "Checksums-Sha256:",
      sha256_lines, "\nFiles:", files_lines, "\n");
  if (!signed_text) return text;
  return absl::StrCat(
      "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n", text,
      "-----BEGIN PGP SIGNATURE-----\n\niQ==\n-----END PGP SIGNATURE-----\n");
}

TEST_F(RepoCommandsTest, IncludeUploadsChangesAndListedFilesThenIncludes) {
  server_.running_polls = 0;
  server_.repos = {MakeRepo("r1", "")};
  WriteFile("in/hello_1.0_all.deb", "deb");
  WriteFile("in/hello-doc_1.0_all.deb", "doc");
  const std::string changes = WriteFile(
      "in/hello_1.0_all.changes",
      ChangesText(
          {{"hello_1.0_all.deb", "deb"}, {"hello-doc_1.0_all.deb", "doc"}},
          /*signed_text=*/true));
  v1::Job& end = server_.end_by_kind["repo.include_changes"];
  end.set_state(v1::SUCCEEDED);
  end.mutable_result()->mutable_add_from_upload()->add_added("Pall hello 1 x");
  end.mutable_result()->mutable_add_from_upload()->add_added(
      "Pall hello-doc 1 y");
  ASSERT_THAT(Run({"repo", "include", "-accept-unsigned", "-force-replace",
                   "-repo=r1", changes}),
              IsOk());
  EXPECT_THAT(UploadFilenames(),
              ElementsAre("hello_1.0_all.changes", "hello_1.0_all.deb",
                          "hello-doc_1.0_all.deb"));
  const std::vector<std::string> directories = UploadDirectories();
  ASSERT_EQ(directories.size(), 3);
  EXPECT_THAT(directories[0], StartsWith("cli-"));
  EXPECT_EQ(directories[0].size(), 20);
  EXPECT_EQ(directories[2], directories[0]);

  ASSERT_EQ(server_.include_changes_requests.size(), 1);
  const v1::IncludeChangesRequest& request =
      server_.include_changes_requests[0];
  EXPECT_EQ(request.name(), "r1");
  EXPECT_EQ(request.directory(), directories[0]);
  EXPECT_TRUE(request.accept_unsigned());
  EXPECT_FALSE(request.ignore_signature());
  EXPECT_TRUE(request.force_replace());
  EXPECT_FALSE(request.no_remove_files());
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_THAT(server_.calls,
              ElementsAre("GetRepo", "Upload", "WaitJob 1", "IncludeChanges",
                          "WaitJob 2", "ListUploadFiles"));
  EXPECT_THAT(out_, HasSubstr(absl::StrCat(
                        "Loading repository r1 for changes file ", changes,
                        "...\n[+] Pall hello 1 x added\n"
                        "[+] Pall hello-doc 1 y added\n"
                        "The uploaded copies were removed (upload directory ",
                        directories[0], "); local files are kept.\n")));
  EXPECT_THAT(err_, IsEmpty());
}

TEST_F(RepoCommandsTest, AddTakesADscWithTheFilesItListsButNoChanges) {
  server_.repos = {MakeRepo("r1", "")};
  WriteFile("src/hello_1.0.tar.xz", "tarball");
  WriteFile("src/hello_1.0_all.deb", "deb");
  WriteFile("src/hello_1.0_amd64.changes", ChangesText({}));
  WriteFile("src/hello_1.0.dsc",
            absl::StrCat("Format: 3.0 (native)\nSource: hello\nVersion: 1.0\n"
                         "Checksums-Sha256:\n ",
                         std::string(64, 'a'), " 7 hello_1.0.tar.xz\nFiles:\n ",
                         std::string(32, '0'), " 7 hello_1.0.tar.xz\n"));
  ASSERT_THAT(Run({"repo", "add", "r1", Path("src")}), IsOk());
  EXPECT_THAT(
      UploadFilenames(),
      ElementsAre("hello_1.0.dsc", "hello_1.0_all.deb", "hello_1.0.tar.xz"));

  // A .dsc whose files are missing sends nothing; so does a .changes.
  server_.calls.clear();
  WriteFile("lonely/xx_1.0.dsc",
            absl::StrCat("Format: 3.0 (native)\nSource: xx\nVersion: 1.0\n"
                         "Checksums-Sha256:\n ",
                         std::string(64, 'a'), " 7 xx_1.0.tar.xz\nFiles:\n ",
                         std::string(32, '0'), " 7 xx_1.0.tar.xz\n"));
  absl::Status missing = Run({"repo", "add", "r1", Path("lonely")});
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(missing.message(), HasSubstr("xx_1.0.tar.xz listed in"));
  absl::Status changes =
      Run({"repo", "add", "r1", Path("src/hello_1.0_amd64.changes")});
  EXPECT_TRUE(IsUsageError(changes)) << changes;
  EXPECT_THAT(changes.message(), HasSubstr("debrepo repo include"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(RepoCommandsTest, IncludeIgnoreSignaturesAndSharedFiles) {
  server_.repos = {MakeRepo("r1", "")};
  WriteFile("in/common.deb", "c");
  const std::string one =
      WriteFile("in/one.changes", ChangesText({{"common.deb", "c"}}));
  const std::string two =
      WriteFile("in/two.changes", ChangesText({{"common.deb", "c"}}));
  ASSERT_THAT(
      Run({"repo", "include", "-ignore-signatures", "-repo", "r1", one, two}),
      IsOk());
  // A file listed twice is sent once.
  EXPECT_THAT(UploadFilenames(),
              ElementsAre("one.changes", "two.changes", "common.deb"));
  ASSERT_EQ(server_.include_changes_requests.size(), 1);
  EXPECT_TRUE(server_.include_changes_requests[0].ignore_signature());
  EXPECT_FALSE(server_.include_changes_requests[0].accept_unsigned());
}

TEST_F(RepoCommandsTest, IncludeMissingListedFileSendsNothing) {
  server_.repos = {MakeRepo("r1", "")};
  WriteFile("in/a.deb", "a");
  const std::string changes = WriteFile(
      "in/x.changes", ChangesText({{"a.deb", "a"}, {"gone.deb", "g"}}));
  const absl::Status status = Run({"repo", "include", "-repo=r1", changes});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(status.message(), absl::StrCat(Path("in/gone.deb"), " listed in ",
                                           changes, " is missing"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(RepoCommandsTest, IncludeUnreadableOrBadChangesSendsNothing) {
  server_.repos = {MakeRepo("r1", "")};
  const absl::Status missing =
      Run({"repo", "include", "-repo=r1", Path("nope.changes")});
  EXPECT_THAT(std::string(missing.message()),
              StartsWith(absl::StrCat("cannot read ", Path("nope.changes"))));
  const std::string bad = WriteFile("bad.changes", "Format: 1.8\n");
  const absl::Status invalid = Run({"repo", "include", "-repo=r1", bad});
  EXPECT_THAT(invalid, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(invalid.message()),
              StartsWith(absl::StrCat("cannot parse ", bad)));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(RepoCommandsTest, IncludeFailedChangesExitOneAndCleansUp) {
  server_.repos = {MakeRepo("r1", "")};
  server_.upload_files = {v1::UploadFile()};
  WriteFile("in/a.deb", "a");
  const std::string changes =
      WriteFile("in/a.changes", ChangesText({{"a.deb", "a"}}));
  v1::Job& end = server_.end_by_kind["repo.include_changes"];
  end.set_state(v1::SUCCEEDED);
  v1::FailedFile& failed =
      *end.mutable_result()->mutable_add_from_upload()->add_failed();
  failed.set_filename("a.changes");
  failed.set_reason("not signed by a trusted key");
  const absl::Status status = Run({"repo", "include", "-repo=r1", changes});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(err_,
            absl::StrCat("[!] ", changes, ": not signed by a trusted key\n"));
  EXPECT_THAT(out_, Not(HasSubstr("[+]")));
  ASSERT_EQ(server_.delete_upload_requests.size(), 1);
  EXPECT_EQ(server_.delete_upload_requests[0].directory(),
            UploadDirectories()[0]);
}

TEST_F(RepoCommandsTest, IncludeToMissingRepoSendsNothing) {
  WriteFile("in/a.deb", "a");
  const std::string changes =
      WriteFile("in/a.changes", ChangesText({{"a.deb", "a"}}));
  EXPECT_THAT(Run({"repo", "include", "-repo=r1", changes}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(server_.uploads, IsEmpty());
}

}  // namespace
}  // namespace debrepo::cli

namespace debrepo::cli {
namespace {

TEST_F(RepoCommandsTest, IncludeTakesTheRepoFromTheChangesAsAptlyDoes) {
  server_.running_polls = 0;
  server_.repos = {MakeRepo("unstable", ""), MakeRepo("hello-1.0", "")};
  WriteFile("incoming/a/x.deb", "x");
  const std::string a =
      WriteFile("incoming/a/x.changes", ChangesText({{"x.deb", "x"}}));
  WriteFile("incoming/b/y.deb", "y");
  const std::string b =
      WriteFile("incoming/b/y.changes", ChangesText({{"y.deb", "y"}}));
  WriteFile("incoming/README", "not a .changes");
  // A directory stands for the .changes files under it; the default
  // -repo is {{.Distribution}}.
  ASSERT_THAT(Run({"repo", "include", "-accept-unsigned", Path("incoming")}),
              IsOk());
  ASSERT_EQ(server_.include_changes_requests.size(), 1);
  EXPECT_EQ(server_.include_changes_requests[0].name(), "unstable");
  EXPECT_FALSE(server_.include_changes_requests[0].no_remove_files());
  EXPECT_THAT(UploadFilenames(),
              ElementsAre("x.changes", "y.changes", "x.deb", "y.deb"));
  const std::string directory = UploadDirectories()[0];
  EXPECT_EQ(out_,
            absl::StrCat("Loading repository unstable for changes file ", a,
                         "...\nLoading repository unstable for "
                         "changes file ",
                         b,
                         "...\nThe uploaded copies were removed "
                         "(upload directory ",
                         directory, "); local files are kept.\n"));

  // Fields of the .changes name the repo; -no-remove-files keeps the
  // uploaded copies.
  ASSERT_THAT(Run({"repo", "include", "-repo", "{{.Source}}-{{ .Version }}",
                   "-no-remove-files", a}),
              IsOk());
  ASSERT_EQ(server_.include_changes_requests.size(), 2);
  EXPECT_EQ(server_.include_changes_requests[1].name(), "hello-1.0");
  EXPECT_TRUE(server_.include_changes_requests[1].no_remove_files());
  EXPECT_THAT(out_, HasSubstr("(-no-remove-files)"));

  const absl::Status unknown_field =
      Run({"repo", "include", "-repo={{.Nope}}", a});
  EXPECT_THAT(unknown_field.message(), HasSubstr("has no Nope field"));
}

TEST_F(RepoCommandsTest, IncludeToAMissingDistributionRepoHintsAtDashRepo) {
  WriteFile("in/a.deb", "a");
  const std::string changes =
      WriteFile("in/a.changes", ChangesText({{"a.deb", "a"}}));
  const absl::Status status = Run({"repo", "include", changes});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(status.message(), HasSubstr("repo \"unstable\" does not exist"));
  EXPECT_THAT(status.message(), HasSubstr("choose one with -repo=NAME"));
  EXPECT_THAT(server_.uploads, IsEmpty());
}

TEST_F(RepoCommandsTest, IncludeInTheOldFormOrWithKeyringIsAUsageError) {
  const std::string changes = WriteFile("in/a.changes", ChangesText({}));
  const absl::Status old_form = Run({"repo", "include", "r1", changes});
  EXPECT_TRUE(IsUsageError(old_form));
  EXPECT_THAT(old_form.message(), HasSubstr("-repo=r1"));
  EXPECT_THAT(old_form.message(),
              HasSubstr("\nUsage: debrepo repo include [-repo=TEMPLATE]"));
  const absl::Status keyring =
      Run({"repo", "include", "-keyring=trusted.gpg", changes});
  EXPECT_TRUE(IsUsageError(keyring));
  EXPECT_THAT(keyring.message(), HasSubstr("--trusted_keyrings"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

}  // namespace
}  // namespace debrepo::cli
