// The pool directory maker on a real file system: each source package's
// directory made once, kept after a finished listing, removed again (only
// those it made, and only when empty) after an abandoned one.
#include "worker/publish/pool_directories.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::worker {
namespace {

namespace fs = std::filesystem;

using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;

// A fresh prefix directory for `name`.
fs::path Prefix(const std::string& name) {
  fs::path prefix = fs::path(std::getenv("TEST_TMPDIR")) / name;
  fs::remove_all(prefix);
  fs::create_directories(prefix);
  return prefix;
}

TEST(PoolDirectoryMakerTest, MakesEachSourcePackagesDirectoryOnceAndKeepsIt) {
  const fs::path prefix = Prefix("once");
  fs::create_directories(prefix / "pool/main/z/zed");  // there already
  {
    PoolDirectoryMaker maker(prefix, /*threads=*/2, /*chunk=*/2);
    maker.Add("main", "hello");
    maker.Add("main", "hello");
    maker.Add("main", "libfoo");
    maker.Add("contrib", "hello");
    maker.Add("main", "zed");
    maker.Add("main", "../escape");  // not a plain name: the listing refuses
    EXPECT_THAT(maker.Finish(/*abandon=*/false), IsOkAndHolds(3));
  }
  // Still there once the maker is gone: the after-commit step links into
  // them.
  EXPECT_TRUE(fs::is_directory(prefix / "pool/main/h/hello"));
  EXPECT_TRUE(fs::is_directory(prefix / "pool/main/libf/libfoo"));
  EXPECT_TRUE(fs::is_directory(prefix / "pool/contrib/h/hello"));
  EXPECT_TRUE(fs::is_directory(prefix / "pool/main/z/zed"));
  EXPECT_FALSE(fs::exists(prefix / "pool/main/e"));
  EXPECT_FALSE(fs::exists(prefix / "escape"));
}

// Abandoned, by Finish or by going away unfinished: what it made goes, if
// empty, with the parents it leaves empty; what was there stays.
TEST(PoolDirectoryMakerTest, AbandonedRemovesOnlyTheEmptyDirectoriesItMade) {
  for (const bool finish : {true, false}) {
    const fs::path prefix = Prefix(finish ? "abandoned" : "dropped");
    fs::create_directories(prefix / "pool/main/h/hello");
    std::ofstream(prefix / "pool/main/h/hello/hello_1.0_amd64.deb") << "x";
    fs::create_directories(prefix / "pool/main/e/empty");  // someone else's
    {
      PoolDirectoryMaker maker(prefix, /*threads=*/2, /*chunk=*/1);
      for (const char* source : {"hello", "empty", "other", "hx", "zed"}) {
        maker.Add("main", source);
      }
      if (finish) {
        EXPECT_THAT(maker.Finish(/*abandon=*/true), IsOkAndHolds(0));
      }
    }
    EXPECT_TRUE(fs::exists(prefix / "pool/main/h/hello/hello_1.0_amd64.deb"));
    EXPECT_TRUE(fs::is_directory(prefix / "pool/main/e/empty"));
    EXPECT_FALSE(fs::exists(prefix / "pool/main/h/hx"));
    EXPECT_FALSE(fs::exists(prefix / "pool/main/o"));
    EXPECT_FALSE(fs::exists(prefix / "pool/main/z"));
  }
}

TEST(PoolDirectoryMakerTest, ReportsWhatItCannotMake) {
  const fs::path prefix = Prefix("blocked");
  std::ofstream(prefix / "pool") << "a file where the pool should be";
  PoolDirectoryMaker maker(prefix, /*threads=*/2, /*chunk=*/4);
  maker.Add("main", "hello");
  absl::StatusOr<int64_t> made = maker.Finish(/*abandon=*/false);
  EXPECT_THAT(made, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(made.status().message(), ::testing::HasSubstr("pool/main/h"));
}

TEST(RemoveEmptyDirectoriesTest, StopsAtThePoolAndAtWhatIsNotEmpty) {
  const fs::path prefix = Prefix("remove");
  const fs::path pool = prefix / "pool";
  fs::create_directories(pool / "main/h/hello");
  fs::create_directories(pool / "main/h/hi");
  fs::create_directories(pool / "main/l/lone");
  std::ofstream(pool / "main/h/hi/hi.deb") << "x";
  RemoveEmptyDirectories(
      pool, {pool / "main/h/hello", pool / "main/h/hi", pool / "main/l/lone"});
  EXPECT_FALSE(fs::exists(pool / "main/h/hello"));
  EXPECT_TRUE(fs::exists(pool / "main/h/hi/hi.deb"));
  EXPECT_FALSE(fs::exists(pool / "main/l"));
  EXPECT_TRUE(fs::is_directory(pool));
}

}  // namespace
}  // namespace debrepo::worker
