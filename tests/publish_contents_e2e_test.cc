// Contents indices of published distributions, end to end: the file lists
// the add job recorded (storage/package_contents) streamed into
// Contents-<arch>.gz by the publish job, with real servers and workers.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/publish_calls.h"
#include "tests/snapshot_calls.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// Gunzipped returns the decompressed bytes of the gzip file at `path`.
std::string Gunzipped(const std::string& path) {
  const std::string out = path + ".plain";
  EXPECT_EQ(std::system(absl::StrCat("gzip -dc ", path, " > ", out).c_str()),
            0);
  return ReadFile(out);
}

// Lines of a Contents file as (path, packages).
std::vector<std::pair<std::string, std::string>> ContentsLines(
    const std::string& text) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    lines.emplace_back(std::string(words.front()), std::string(words.back()));
  }
  return lines;
}

TEST(PublishContentsE2eTest, ContentsListTheRecordedFilesOfEachArchitecture) {
  TestDatabase db;
  Stack stack(db.url());
  const std::string root =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/publish-", getpid());
  std::filesystem::create_directories(root);
  stack.StartServer();
  stack.StartWorker({absl::StrCat("--publish_root=", root)});
  ASSERT_EQ(CreateRepo(stack, "r").code, absl::StatusCode::kOk);
  ASSERT_EQ(UploadPackageSpecs(stack, "r", "in",
                               {{.name = "tool", .architecture = "amd64"},
                                {.name = "common", .architecture = "all"},
                                {.name = "alien", .architecture = "i386"}})
                .size(),
            3u);

  v1::Publication publication;
  publication.set_prefix("with");
  publication.set_distribution("stable");
  *publication.add_components() = RepoComponent("main", "r");
  publication.add_architectures("amd64");
  publication.add_architectures("i386");
  publication.set_skip_signing(true);
  Result published = CreatePublication(stack, publication);
  ASSERT_EQ(published.code, absl::StatusCode::kOk) << published.message;
  const std::string dist = absl::StrCat(root, "/with/dists/stable");
  // "section/name", the section from the package's control (misc).
  EXPECT_THAT(ContentsLines(Gunzipped(dist + "/main/Contents-amd64.gz")),
              ElementsAre(Pair("usr/share/common/data", "misc/common"),
                          Pair("usr/share/tool/data", "misc/tool")));
  EXPECT_THAT(ContentsLines(Gunzipped(dist + "/main/Contents-i386.gz")),
              ElementsAre(Pair("usr/share/alien/data", "misc/alien"),
                          Pair("usr/share/common/data", "misc/common")));
  EXPECT_TRUE(TreeMismatches(dist).empty());
  EXPECT_TRUE(ReleaseSha256(dist).contains("main/Contents-amd64.gz"));
  // No udebs, no Contents-udeb.
  EXPECT_FALSE(std::filesystem::exists(dist + "/main/Contents-udeb-amd64.gz"));

  publication.set_prefix("without");
  publication.set_skip_contents(true);
  ASSERT_EQ(CreatePublication(stack, publication).code, absl::StatusCode::kOk);
  EXPECT_FALSE(std::filesystem::exists(
      absl::StrCat(root, "/without/dists/stable/main/Contents-amd64.gz")));
}

}  // namespace
}  // namespace debrepo::testing
