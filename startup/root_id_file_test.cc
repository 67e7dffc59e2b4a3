#include "startup/root_id_file.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::startup {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::MatchesRegex;
using ::testing::Optional;

std::string TempDir(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::filesystem::remove_all(path);
  return path;
}

std::vector<std::string> FileNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

TEST(RootIdFileTest, ADirectoryWithoutIdFileHasNoId) {
  const std::string dir = TempDir("none");
  EXPECT_THAT(ReadRootId(dir), IsOkAndHolds(std::nullopt));
  std::filesystem::create_directories(dir);
  EXPECT_THAT(ReadRootId(dir), IsOkAndHolds(std::nullopt));
}

TEST(RootIdFileTest, CreatesTheDirectoryAndOneIdThatStays) {
  const std::string dir = TempDir("create") + "/nested";
  absl::StatusOr<std::string> id = CreateRootId(dir);
  ASSERT_THAT(id, IsOk());
  EXPECT_THAT(*id, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_THAT(ReadRootId(dir), IsOkAndHolds(Optional(*id)));
  EXPECT_THAT(CreateRootId(dir), IsOkAndHolds(*id));
  // No temporary file is left behind.
  EXPECT_THAT(FileNames(dir), ElementsAre(kRootIdFileName));
  // Another directory gets another id.
  EXPECT_THAT(CreateRootId(TempDir("other")), IsOkAndHolds(::testing::Ne(*id)));
}

TEST(RootIdFileTest, ManyCreatorsAtOnceAgreeOnOneId) {
  const std::string dir = TempDir("race");
  std::vector<absl::StatusOr<std::string>> ids(16);
  std::vector<std::thread> threads;
  for (absl::StatusOr<std::string>& id : ids) {
    threads.emplace_back([&dir, &id] { id = CreateRootId(dir); });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> distinct;
  for (const absl::StatusOr<std::string>& id : ids) {
    ASSERT_THAT(id, IsOk());
    distinct.insert(*id);
  }
  EXPECT_EQ(distinct.size(), 1u);
  EXPECT_THAT(ReadRootId(dir), IsOkAndHolds(Optional(*distinct.begin())));
  EXPECT_THAT(FileNames(dir), ElementsAre(kRootIdFileName));
}

TEST(RootIdFileTest, AFileThatIsNotAnIdIsAnErrorNotAnotherId) {
  const std::string dir = TempDir("garbage");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + kRootIdFileName) << "not an id\n";
  EXPECT_THAT(ReadRootId(dir), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CreateRootId(dir),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace debrepo::startup
