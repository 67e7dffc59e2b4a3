#include "cli/package_commands.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
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
using ::testing::StartsWith;

class PackageCommandsTest : public ::testing::Test {
 protected:
  absl::Status Run(const std::vector<std::string>& args,
                   const Options& options = {}) {
    return server_.RunCommand(PackageCommands(), args, options, &out_, &err_);
  }

  static v1::Package MakePackage(const std::string& key) {
    v1::Package package;
    package.set_key(key);
    return package;
  }

  FakeServer server_;
  std::string out_;
  std::string err_;
};

TEST_F(PackageCommandsTest, SearchFollowsPagesAndPrintsKeys) {
  server_.packages = {MakePackage("Pall a 1 x"), MakePackage("Pall b 1 y"),
                      MakePackage("Pamd64 c 2 z")};
  ASSERT_THAT(Run({"package", "search", "Name (~ .)"}), IsOk());
  EXPECT_EQ(out_, "Pall a 1 x\nPall b 1 y\nPamd64 c 2 z\n");
  ASSERT_EQ(server_.search_packages_requests.size(), 2);
  EXPECT_EQ(server_.search_packages_requests[0].query(), "Name (~ .)");
  EXPECT_EQ(server_.search_packages_requests[1].page_token(), "2");
  EXPECT_EQ(server_.search_packages_requests[1].query(), "Name (~ .)");
}

TEST_F(PackageCommandsTest, SearchWithoutQueryMatchesEverything) {
  server_.packages = {MakePackage("Pall a 1 x")};
  ASSERT_THAT(Run({"package", "search"}), IsOk());
  ASSERT_EQ(server_.search_packages_requests.size(), 1);
  EXPECT_EQ(server_.search_packages_requests[0].query(), "");
  EXPECT_EQ(out_, "Pall a 1 x\n");
}

TEST_F(PackageCommandsTest, SearchFindingNothingIsAnError) {
  const absl::Status status = Run({"package", "search", "nothing"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(status.message(), "no packages found");
  EXPECT_FALSE(IsUsageError(status));
  EXPECT_THAT(out_, IsEmpty());
}

TEST_F(PackageCommandsTest, SearchJsonPrintsOneResponse) {
  server_.packages = {MakePackage("Pall a 1 x"), MakePackage("Pall b 1 y"),
                      MakePackage("Pall c 1 z")};
  Options options;
  options.json = true;
  ASSERT_THAT(Run({"package", "search"}, options), IsOk());
  EXPECT_EQ(out_,
            "{\"packages\":[{\"key\":\"Pall a 1 x\"},{\"key\":\"Pall b 1 "
            "y\"},{\"key\":\"Pall c 1 z\"}]}\n");
}

TEST_F(PackageCommandsTest, SearchJsonFindingNothingPrintsAndFails) {
  Options options;
  options.json = true;
  EXPECT_THAT(Run({"package", "search"}, options),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(out_, "{}\n");
}

v1::Package DetailedPackage() {
  v1::Package package;
  package.set_key("Pamd64 hello 2.10-3 abc");
  auto add_field = [&](const std::string& name, const std::string& value) {
    v1::ControlField& field = *package.add_fields();
    field.set_name(name);
    field.set_value(value);
  };
  add_field("Package", "hello");
  add_field("Version", "2.10-3");
  add_field("Description", "example package\n Prints a greeting.\n .\n More.");
  add_field("X-Empty-First-Line", "\n continued");
  v1::PackageFile& file = *package.add_files();
  file.set_name("hello_2.10-3_amd64.deb");
  file.set_size(53184);
  file.set_sha256("5f3d");
  package.add_repos("main");
  package.add_repos("staging");
  return package;
}

TEST_F(PackageCommandsTest, ShowPrintsStanzaFilesAndReferences) {
  server_.packages = {DetailedPackage()};
  ASSERT_THAT(Run({"package", "show", "Pamd64 hello 2.10-3 abc"}), IsOk());
  EXPECT_EQ(out_,
            "Package: hello\n"
            "Version: 2.10-3\n"
            "Description: example package\n"
            " Prints a greeting.\n"
            " .\n"
            " More.\n"
            "X-Empty-First-Line:\n"
            " continued\n"
            "Files:\n"
            "  hello_2.10-3_amd64.deb 53184 5f3d\n"
            "References to package:\n"
            "  local repo [main]\n"
            "  local repo [staging]\n");
  EXPECT_THAT(server_.calls, ElementsAre("GetPackage"));
}

TEST_F(PackageCommandsTest, ShowListsTheSnapshotsHoldingIt) {
  v1::Package package = DetailedPackage();
  package.add_snapshots("s1");
  v1::Package only_in_snapshots = package;
  only_in_snapshots.set_key("Pamd64 hello 2.10-2 abd");
  only_in_snapshots.clear_repos();
  server_.packages = {package, only_in_snapshots};
  ASSERT_THAT(Run({"package", "show", "Pamd64 hello 2.10-3 abc"}), IsOk());
  EXPECT_TRUE(absl::EndsWith(out_,
                             "References to package:\n"
                             "  local repo [main]\n"
                             "  local repo [staging]\n"
                             "  snapshot [s1]\n"));
  // Held by a snapshot only: garbage collection keeps it.
  ASSERT_THAT(Run({"package", "show", "Pamd64 hello 2.10-2 abd"}), IsOk());
  EXPECT_TRUE(absl::EndsWith(out_,
                             "References to package:\n"
                             "  snapshot [s1]\n"));
}

TEST_F(PackageCommandsTest, ShowJsonPrintsThePackage) {
  server_.packages = {DetailedPackage()};
  Options options;
  options.json = true;
  ASSERT_THAT(Run({"package", "show", "Pamd64 hello 2.10-3 abc"}, options),
              IsOk());
  EXPECT_THAT(out_, HasSubstr("\"key\":\"Pamd64 hello 2.10-3 abc\""));
  EXPECT_THAT(out_, HasSubstr("\"repos\":[\"main\",\"staging\"]"));
  EXPECT_EQ(std::count(out_.begin(), out_.end(), '\n'), 1);
}

TEST_F(PackageCommandsTest, ShowMissingPackageNamesTheCode) {
  const absl::Status status = Run({"package", "show", "Pall x 1 0f"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(status.message(), HasSubstr("NOT_FOUND: package"));
}

TEST_F(PackageCommandsTest, ShowTakesAQueryAsAptlyDoes) {
  v1::Package orphan = DetailedPackage();
  orphan.set_key("Pamd64 hello 2.10-2 abd");
  orphan.clear_repos();
  server_.packages = {DetailedPackage(), orphan};
  ASSERT_THAT(Run({"package", "show", "Name (hello)"}), IsOk());
  EXPECT_THAT(server_.calls,
              ElementsAre("SearchPackages", "GetPackage", "GetPackage"));
  ASSERT_EQ(server_.search_packages_requests.size(), 1);
  EXPECT_EQ(server_.search_packages_requests[0].query(), "Name (hello)");
  // Two stanzas, a blank line between; the second is held by no repo.
  EXPECT_THAT(out_, HasSubstr("  local repo [staging]\n\nPackage: hello\n"));
  EXPECT_TRUE(absl::EndsWith(
      out_,
      "References to package:\n  none: no repo or snapshot holds it, so "
      "garbage collection will delete it\n"));

  Options options;
  options.json = true;
  ASSERT_THAT(Run({"package", "show", "Name (hello)"}, options), IsOk());
  EXPECT_THAT(out_,
              StartsWith("{\"packages\":[{\"key\":\"Pamd64 hello 2.10-3"));

  server_.packages.clear();
  EXPECT_THAT(Run({"package", "show", "Name (hello)"}),
              StatusIs(absl::StatusCode::kNotFound));
  const absl::Status bad = Run({"package", "show", "Name ("});
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(PackageCommandsTest, SearchPrintsAptlyNamesAndMarksPackagesInNoRepo) {
  v1::Package orphan = MakePackage("Pamd64 hello 2.10-2 abd");
  orphan.set_in_no_repo(true);
  server_.packages = {MakePackage("Psource hello 2.10-3 0a"), orphan};
  ASSERT_THAT(Run({"package", "search", "hello"}), IsOk());
  EXPECT_EQ(out_, "hello_2.10-3_source\nhello_2.10-2_amd64 (in no repo)\n");
  ASSERT_THAT(Run({"package", "search", "-keys", "hello"}), IsOk());
  EXPECT_EQ(out_,
            "Psource hello 2.10-3 0a\nPamd64 hello 2.10-2 abd (in no repo)\n");
}

TEST_F(PackageCommandsTest, ShowNeedsOneKey) {
  EXPECT_TRUE(IsUsageError(Run({"package", "show"})));
}

}  // namespace
}  // namespace debrepo::cli
