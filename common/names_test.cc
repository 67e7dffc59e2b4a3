#include "common/names.h"

#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace debrepo {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(NamesTest, AcceptsAptlyStyleNames) {
  for (const std::string& name :
       std::vector<std::string>{"main", "repo-1", "bookworm_backports",
                                "a.b+c~d", "0day", std::string(100, 'x')}) {
    EXPECT_THAT(ValidateResourceName("repo", name), IsOk()) << name;
  }
}

TEST(NamesTest, RejectsHostileNames) {
  for (const char* name :
       {"", "../etc", "a/b", ".hidden", "-flag", "with space", "tab\tname",
        "nul\x01", "quote\"", "semi;colon", "ünïcode"}) {
    EXPECT_THAT(ValidateResourceName("repo", name),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << name;
  }
  EXPECT_THAT(ValidateResourceName("repo", std::string(101, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NamesTest, MessageSaysWhatIsWrongAndTheRule) {
  absl::Status status = ValidateResourceName("snapshot", "a/b");
  EXPECT_THAT(status.message(), HasSubstr("snapshot name \"a/b\""));
  EXPECT_THAT(status.message(), HasSubstr("'/'"));
  EXPECT_THAT(status.message(), HasSubstr("starting with a letter or digit"));
}

TEST(NamesTest, DistributionsMayHaveSlashedParts) {
  EXPECT_THAT(ValidateDistribution("bookworm/updates"), IsOk());
  EXPECT_THAT(ValidateDistribution(""), IsOk());
  EXPECT_THAT(ValidateDistribution("a//b"), Not(IsOk()));
  EXPECT_THAT(ValidateDistribution("../x"), Not(IsOk()));
  EXPECT_THAT(ValidateComponent("main"), IsOk());
  EXPECT_THAT(ValidateComponent("non/free"), Not(IsOk()));
}

TEST(NamesTest, PublishPrefixesAreRelativeAndClean) {
  for (const char* prefix : {".", "debian", "ppa/team~1", "a/b/c"}) {
    EXPECT_THAT(ValidatePublishPrefix(prefix), IsOk()) << prefix;
  }
  for (const std::string& prefix : std::vector<std::string>{
           "", "/", "//", "/abs", "a/../b", "..", "a/./b", "a//b", "a/",
           ".debrepo-staging", "ctl\x01", "a\nb", std::string(201, 'x'),
           "1/2/3/4/5/6/7/8/9/10/11", "pool", "a/dists/b"}) {
    EXPECT_THAT(ValidatePublishPrefix(prefix),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << prefix;
  }
  EXPECT_THAT(ValidatePublishedDistribution("bookworm"), IsOk());
  for (const char* distribution : {"", "a/b", "..", ".", "x\ty"}) {
    EXPECT_THAT(ValidatePublishedDistribution(distribution), Not(IsOk()))
        << distribution;
  }
  EXPECT_THAT(ValidatePublishStorage("filesystem:default"), IsOk());
  EXPECT_THAT(ValidatePublishStorage("s3:bucket"), Not(IsOk()));
  EXPECT_THAT(ValidatePublishStorage("filesystem:../x"), Not(IsOk()));
}

TEST(NamesTest, FileNames) {
  for (const char* name :
       {"hello_2.10-3_amd64.deb", "foo_1.0.orig.tar.xz", "x+y~z:1.dsc"}) {
    EXPECT_THAT(ValidateFileName(name), IsOk()) << name;
  }
  for (const std::string& name : std::vector<std::string>{
           "", ".", "..", "../etc/passwd", "a/b", "a\\b", ".hidden",
           "with space.deb", std::string("nul\0x", 5), "tab\tx", "caf\xc3\xa9",
           std::string(256, 'a')}) {
    EXPECT_THAT(ValidateFileName(name),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << name;
  }
}

TEST(NamesTest, ProblemsNameTheCharacterAsAPersonWould) {
  EXPECT_THAT(std::string(ValidateFileName("hello (1).deb").message()),
              HasSubstr("contains a space;"));
  EXPECT_THAT(std::string(ValidateFileName("tab\tx").message()),
              HasSubstr("contains a tab;"));
  EXPECT_THAT(std::string(ValidateFileName("a\\b").message()),
              HasSubstr("contains the character '\\';"));
  EXPECT_THAT(std::string(ValidateFileName("caf\xc3\xa9").message()),
              HasSubstr("contains the byte 0xc3;"));
  EXPECT_THAT(std::string(ValidateResourceName("repo", "my repo").message()),
              HasSubstr("contains a space;"));
  EXPECT_THAT(
      std::string(
          ValidateResourceName("repo", std::string("a\x01", 2)).message()),
      HasSubstr("contains the byte 0x01;"));
}

TEST(NamesTest, PackageKeys) {
  EXPECT_THAT(ValidatePackageKey("Pamd64 hello 2.10-3 c5e944dbf7f10f76"),
              IsOk());
  for (const std::string& key : std::vector<std::string>{
           "", "hello", "pamd64 hello 1 0", "P" + std::string(600, 'a')}) {
    EXPECT_THAT(ValidatePackageKey(key),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << key;
  }
  EXPECT_THAT(
      ValidatePackageKeys(std::vector<std::string>(10000, "Pall a 1 0")),
      IsOk());
  const absl::Status too_many =
      ValidatePackageKeys(std::vector<std::string>(10001, "Pall a 1 0"));
  EXPECT_THAT(too_many, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(too_many.message(), HasSubstr("at most 10000"));
  EXPECT_THAT(ValidatePackageKeys(std::vector<std::string>{"Pall a 1 0", ""}),
              Not(IsOk()));
}

}  // namespace
}  // namespace debrepo
