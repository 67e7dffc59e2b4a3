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
}

TEST(PackageSetsTest, LastSourceWinsDropsWhatALaterSourceOverrides) {
  // Ids 1 and 2 share pair 10 with 5 (in the last source): dropped. 3
  // and 4 share pair 30, which only the first source holds: both stay. 6
  // (pair 60) is in the middle source only.
  const std::vector<PairedIds> sources = {
      {{1, 2, 3, 4}, {10, 10, 30, 30}}, {{6}, {60}}, {{5}, {10}}};
  const PairedIds merged = MergeLastSourceWins(sources);
  EXPECT_THAT(merged.ids, ElementsAre(3, 4, 5, 6));
  EXPECT_THAT(merged.pairs, ElementsAre(30, 30, 10, 60));
  // The first source holds two versions of a pair, the last one of them:
  // the last source's (that one) is all that is kept.
  EXPECT_THAT(MergeLastSourceWins({{{1, 2}, {7, 7}}, {{2}, {7}}}).ids,
              ElementsAre(2));
  // A middle source overrides the first for a pair the last lacks.
  EXPECT_THAT(
      MergeLastSourceWins({{{1, 4}, {7, 8}}, {{2}, {7}}, {{3}, {9}}}).ids,
      ElementsAre(2, 3, 4));
}

TEST(PackageSetsTest, PairedUnionAndPairsOfKeepEachIdsPair) {
  const std::vector<PairedIds> sources = {{{1, 4}, {10, 40}},
                                          {{2, 4, 9}, {20, 40, 90}}};
  const PairedIds all = PairedUnion(sources);
  EXPECT_THAT(all.ids, ElementsAre(1, 2, 4, 9));
  EXPECT_THAT(all.pairs, ElementsAre(10, 20, 40, 90));
  absl::StatusOr<PairedIds> some = PairsOf(sources, {2, 4});
  ASSERT_THAT(some, IsOk());
  EXPECT_THAT(some->pairs, ElementsAre(20, 40));
  EXPECT_THAT(PairsOf(sources, {3}).status(),
              StatusIs(absl::StatusCode::kInternal));
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
