// Relationship field parsing, formatting and evaluation.
#include "deb/relation.h"

#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

RelationList Parse(absl::string_view text) {
  absl::StatusOr<RelationList> list = ParseRelations(text);
  EXPECT_THAT(list, IsOk()) << text;
  return list.ok() ? *list : RelationList();
}

TEST(RelationTest, ParsesGroupsAlternativesAndVersions) {
  RelationList list =
      Parse("libc6 (>= 2.34), default-mta | mail-transport-agent,\n perl:any");
  ASSERT_EQ(list.size(), 3);
  ASSERT_EQ(list[0].size(), 1);
  EXPECT_EQ(list[0][0].name, "libc6");
  EXPECT_EQ(list[0][0].op, VersionOp::kGreaterOrEqual);
  EXPECT_EQ(list[0][0].version->ToString(), "2.34");
  ASSERT_EQ(list[1].size(), 2);
  EXPECT_EQ(list[1][1].name, "mail-transport-agent");
  EXPECT_FALSE(list[1][1].op.has_value());
  EXPECT_EQ(list[2][0].name, "perl");
  EXPECT_EQ(list[2][0].arch_qualifier, "any");
}

TEST(RelationTest, ParsesAllOperatorsIncludingObsoleteOnes) {
  RelationList list = Parse(
      "a0 (<< 1), a1 (<= 1), a2 (= 1), a3 (>= 1), a4 (>> 1), "
      "a5 (< 1), a6 (> 1), a7 (1), a8 (>=1:2.0-1)");
  std::vector<VersionOp> ops;
  for (const Alternatives& g : list) ops.push_back(*g[0].op);
  EXPECT_EQ(ops,
            (std::vector<VersionOp>{
                VersionOp::kLess, VersionOp::kLessOrEqual, VersionOp::kEqual,
                VersionOp::kGreaterOrEqual, VersionOp::kGreater,
                VersionOp::kLessOrEqual, VersionOp::kGreaterOrEqual,
                VersionOp::kEqual, VersionOp::kGreaterOrEqual}));
  EXPECT_EQ(list[8][0].version->epoch(), 1);
}

TEST(RelationTest, ParsesBuildDependsSyntax) {
  RelationList list = Parse(
      "debhelper-compat (= 13), libfoo-dev [amd64 arm64] <!nocheck> <cross "
      "pkg.x>, "
      "bar [!i386], python3:native");
  ASSERT_EQ(list.size(), 4);
  const Relation& foo = list[1][0];
  EXPECT_EQ(foo.architectures, (std::vector<std::string>{"amd64", "arm64"}));
  EXPECT_FALSE(foo.architectures_negated);
  ASSERT_EQ(foo.profiles.size(), 2);
  EXPECT_TRUE(foo.profiles[0][0].negated);
  EXPECT_EQ(foo.profiles[1][1].name, "pkg.x");
  EXPECT_TRUE(list[2][0].architectures_negated);
  EXPECT_EQ(list[3][0].arch_qualifier, "native");
  EXPECT_EQ(FormatRelations(list),
            "debhelper-compat (= 13), libfoo-dev [amd64 arm64] <!nocheck> "
            "<cross pkg.x>, bar [!i386], python3:native");
}

TEST(RelationTest, FormatsCanonically) {
  EXPECT_EQ(FormatRelations(Parse("  aa(>=1)|bb  (<2) ,cc:any  ")),
            "aa (>= 1) | bb (<= 2), cc:any");
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("  \n ").empty());
}

TEST(RelationTest, AppliesToArchitecturesAndDefaultProfiles) {
  RelationList list = Parse(
      "aa [amd64], bb [!amd64], cc [linux-any], dd [any-arm], ee <!nocheck>, "
      "ff <nocheck>, gg <cross> <!stage1>, hh");
  auto applies = [&](size_t i, absl::string_view arch) {
    return list[i][0].AppliesTo(arch);
  };
  EXPECT_TRUE(applies(0, "amd64"));
  EXPECT_FALSE(applies(0, "i386"));
  EXPECT_FALSE(applies(1, "amd64"));
  EXPECT_TRUE(applies(1, "i386"));
  EXPECT_TRUE(applies(2, "s390x"));
  EXPECT_TRUE(applies(3, "armhf"));
  EXPECT_FALSE(applies(3, "arm64"));
  EXPECT_TRUE(applies(4, "amd64"));
  EXPECT_FALSE(applies(5, "amd64"));
  EXPECT_TRUE(applies(6, "amd64"));
  EXPECT_TRUE(applies(7, "amd64"));
}

TEST(RelationTest, SatisfiesComparesWithDpkgOrdering) {
  Version v = *Version::Parse("1.0-1");
  EXPECT_TRUE(
      Satisfies(v, VersionOp::kGreaterOrEqual, *Version::Parse("1.0~")));
  EXPECT_TRUE(Satisfies(v, VersionOp::kLess, *Version::Parse("1.0-1.1")));
  EXPECT_FALSE(Satisfies(v, VersionOp::kGreater, *Version::Parse("1.0-1")));
  EXPECT_TRUE(Satisfies(v, VersionOp::kEqual, *Version::Parse("0:1.0-1")));
}

// Dpkg::Deps accepts "Build-Depends: a, b," (seen in real .dsc files).
TEST(RelationTest, AcceptsATrailingComma) {
  for (const char* text : {"debhelper-compat (= 13), libfoo-dev,",
                           "debhelper-compat (= 13), libfoo-dev ,\n "}) {
    absl::StatusOr<RelationList> list = ParseRelations(text);
    ASSERT_THAT(list, IsOk()) << text;
    ASSERT_EQ(list->size(), 2);
    EXPECT_EQ((*list)[1][0].name, "libfoo-dev");
  }
}

class MalformedRelationTest
    : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(MalformedRelationTest, IsRejectedWithOffset) {
  absl::StatusOr<RelationList> list = ParseRelations(GetParam().first);
  EXPECT_THAT(list, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(list.status().message()),
              HasSubstr(GetParam().second));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, MalformedRelationTest,
    ::testing::Values(std::make_pair("aa (>= 1", "offset 8: expected ')'"),
                      std::make_pair("foo, , bar",
                                     "offset 5: expected a package"),
                      std::make_pair("foo,,", "expected a package name"),
                      std::make_pair("foo | ", "expected a package name"),
                      std::make_pair("aa (>= )", "expected a version"),
                      std::make_pair("ab (>= x1)", "does not start with digit"),
                      std::make_pair("ab [amd64 !i386]", "mixes negated"),
                      std::make_pair("ab []", "empty architecture list"),
                      std::make_pair("ab <>", "empty build profile"),
                      std::make_pair("ab:", "expected an architecture"),
                      std::make_pair("a", "invalid package name"),
                      std::make_pair("Foo", "expected a package name"),
                      std::make_pair("ab cd", "offset 3: expected ','")));

TEST(RelationNamesTest, ListsEveryAlternativesName) {
  EXPECT_THAT(RelationNames("mail-transport-agent, awk (= 1:5) | mawk:any,"),
              IsOkAndHolds(ElementsAre("mail-transport-agent", "awk", "mawk")));
  EXPECT_THAT(RelationNames(""), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(RelationNames("a (>> "),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace debrepo::deb
