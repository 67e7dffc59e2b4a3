// The merge rules and diff pairing over id arrays, with answers worked out
// by hand (tests/snapshot_sets_test.cc runs them on stored snapshots).
#include "deb/package_sets.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;

PackageHead Head(int64_t id, const std::string& name,
                 const std::string& version,
                 const std::string& architecture = "amd64") {
  return {id, absl::StrCat("P", architecture, " ", name, " ", version), name,
          architecture, version};
}

TEST(PackageSetsTest, UnionAndDifference) {
  EXPECT_THAT(SortedUnion({{1, 4, 9}, {2, 4}, {}}), ElementsAre(1, 2, 4, 9));
  EXPECT_THAT(SortedDifference({1, 2, 4, 9}, {2, 3, 9}), ElementsAre(1, 4));
  EXPECT_THAT(OverridableIds({{1, 2, 3}, {2, 5}, {3}}), ElementsAre(1, 2, 5));
  EXPECT_THAT(OverridableIds({{1, 2}}), ElementsAre());
}

TEST(PackageSetsTest, LastSourceWinsDropsWhatALaterSourceOverrides) {
  // 1 and 2 share a pair with 5 (in the last source): dropped. 3 shares
  // one with 4, which only the first source holds: both stay. 6 shares
  // one with 7, which no source holds.
  const std::vector<SortedIds> sources = {{1, 2, 3, 4}, {6}, {5}};
  EXPECT_THAT(MergeLastSourceWins(
                  sources, {{1, 5}, {2, 5}, {3, 4}, {4, 3}, {6, 7}, {9, 1}}),
              ElementsAre(3, 4, 5, 6));
  // The first source holds two versions of a pair, the last one of them:
  // the last source's (that one) is all that is kept.
  EXPECT_THAT(MergeLastSourceWins({{1, 2}, {2}}, {{1, 2}}), ElementsAre(2));
}

TEST(PackageSetsTest, LatestOrdersLikeDpkgAndPrefersTheLaterSource) {
  // 1:0.9 > 2.0; 1.0 == 1.0-0 (the later source's wins); 10 > 9.
  const std::vector<PackageHead> heads = {
      Head(1, "e", "2.0"),       Head(2, "e", "1:0.9"), Head(3, "q", "1.0"),
      Head(4, "q", "1.0-0"),     Head(5, "n", "10"),    Head(6, "n", "9"),
      Head(7, "n", "10", "i386")};
  EXPECT_THAT(MergeLatest({{1, 3, 6}, {2, 4, 5, 7}}, heads),
              IsOkAndHolds(ElementsAre(2, 4, 5, 7)));
  EXPECT_THAT(MergeLatest({{2, 4, 5, 7}, {1, 3, 6}}, heads),
              IsOkAndHolds(ElementsAre(2, 3, 5, 7)));
  EXPECT_THAT(MergeLatest({{1}, {2}}, {Head(1, "bad", "not a version"),
                                       Head(2, "bad", "1")})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PackageSetsTest, PairChangesMatchesVersionsInDpkgOrder) {
  absl::StatusOr<std::vector<PackageChangeLine>> lines = PairChanges(
      {Head(1, "k", "1.0"), Head(2, "k", "1.0~rc1"), Head(3, "gone", "1")},
      {Head(4, "k", "1:0.5"), Head(5, "k", "1.0+b1"), Head(6, "k", "2:0"),
       Head(7, "k", "1", "i386")});
  ASSERT_THAT(lines, IsOk());
  std::vector<std::string> text;
  for (const PackageChangeLine& line : *lines) {
    text.push_back(absl::StrCat(line.name, "/", line.architecture, " ",
                                line.left ? line.left->version : "-", " ",
                                line.right ? line.right->version : "-"));
  }
  EXPECT_THAT(
      text, ElementsAre("gone/amd64 1 -", "k/amd64 - 2:0", "k/amd64 1.0 1:0.5",
                        "k/amd64 1.0~rc1 1.0+b1", "k/i386 - 1"));
}

}  // namespace
}  // namespace debrepo::deb
