#include "worker/publish/pool_path_check.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::worker {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(PoolPathCheckTest, SameFileTwiceOrApartIsNoConflict) {
  PoolPathCheck check;
  // A source package's .orig.tar shared by two of its packages.
  check.Add("main", "hello", "hello_1.0.orig.tar.gz", "aaa");
  check.Add("main", "hello", "hello_1.0.orig.tar.gz", "aaa");
  // The same name in another component or source package is another path.
  check.Add("contrib", "hello", "hello_1.0.orig.tar.gz", "bbb");
  check.Add("main", "hello2", "hello_1.0.orig.tar.gz", "ccc");
  EXPECT_THAT(check.Result("./bookworm"), IsOk());
}

TEST(PoolPathCheckTest, TwoBuildsOfOneFileConflict) {
  PoolPathCheck check;
  check.Add("main", "hello", "hello_1.0_amd64.deb", "aaa");
  check.Add("main", "hello", "hello_1.0_all.deb", "ddd");
  check.Add("main", "hello", "hello_1.0_amd64.deb", "bbb");
  check.Add("main", "hello", "hello_1.0_amd64.deb", "ccc");
  absl::Status result = check.Result("./bookworm");
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.message(), HasSubstr("./bookworm"));
  // Named once, however many builds.
  EXPECT_THAT(result.message(), HasSubstr("(component/source/file): main/hello/"
                                          "hello_1.0_amd64.deb; "));
  EXPECT_THAT(result.message(), Not(HasSubstr("_all.deb")));
}

TEST(PoolPathCheckTest, NamesAtMostTwenty) {
  PoolPathCheck check;
  for (int i = 0; i < 30; ++i) {
    const std::string name = absl::StrCat("p", i, ".deb");
    check.Add("main", "src", name, "aaa");
    check.Add("main", "src", name, "bbb");
  }
  const std::string message(check.Result("p").message());
  EXPECT_THAT(message, HasSubstr("main/src/p19.deb"));
  EXPECT_THAT(message, Not(HasSubstr("main/src/p20.deb")));
}

}  // namespace
}  // namespace debrepo::worker
