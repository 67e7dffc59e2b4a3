// Pull, filter-with-dependencies and verify on hand-made package sets whose
// right answers are worked out in each test.
#include "deb/package_selection.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Packages get ids in the order made; keys are "P<arch> <name> <version>".
class PackageSelectionTest : public ::testing::Test {
 protected:
  StoredPackage Make(const std::string& name, const std::string& version,
                     const std::string& architecture,
                     const std::string& more_fields = "") {
    const std::string stanza =
        absl::StrCat("Package: ", name, "\nVersion: ", version,
                     "\nArchitecture: ", architecture, "\n", more_fields);
    absl::StatusOr<Paragraph> control = ParseParagraph(stanza);
    EXPECT_THAT(control, IsOk()) << stanza;
    return {++last_id_,
            absl::StrCat("P", architecture, " ", name, " ", version), *control};
  }

  std::vector<std::string> Keys(const std::vector<int64_t>& ids,
                                const std::vector<StoredPackage>& among) {
    std::vector<std::string> keys;
    for (int64_t id : ids) {
      for (const StoredPackage& package : among) {
        if (package.id == id) keys.push_back(package.key);
      }
    }
    return keys;
  }

  int64_t last_id_ = 0;
};

class PullTest : public PackageSelectionTest {
 protected:
  PullTest() {
    base_ = {Make("app", "1", "amd64", "Depends: libc6\n"),
             Make("libc6", "2.36", "amd64"), Make("other", "1", "amd64")};
    source_ = {
        app2_ = Make("app", "2", "amd64",
                     "Depends: libfoo (>= 2) | libbar, mail-transport-agent, "
                     "libc6 (>= 2.30), data\n"),
        app15_ = Make("app", "1.5", "amd64", "Depends: libbar\n"),
        Make("libfoo", "1", "amd64"),
        Make("libfoo", "2", "amd64"),
        Make("libfoo", "3", "amd64"),
        Make("libbar", "1", "amd64"),
        Make("postfix", "1", "amd64", "Provides: mail-transport-agent\n"),
        Make("libc6", "2.40", "amd64"),
        Make("data", "2", "all"),
        Make("data", "1:1", "all", "Pre-Depends: libc6\n"),
    };
  }

  PullPlan Pull(const std::vector<int64_t>& matched, PullOptions options) {
    absl::StatusOr<PullPlan> plan = PlanPull(base_, source_, matched, options);
    EXPECT_THAT(plan, IsOk());
    return *plan;
  }

  std::vector<StoredPackage> base_, source_;
  StoredPackage app2_, app15_;
};

TEST_F(PullTest, PullsTheNewestMatchWithWhatItLacks) {
  // app 2's groups: "libfoo (>= 2) | libbar" takes the first alternative
  // anything satisfies, at its highest version (libfoo 3, never libfoo 1);
  // mail-transport-agent comes from postfix's Provides; the base's libc6
  // 2.36 already satisfies "libc6 (>= 2.30)"; data's highest version is
  // 1:1 (epoch), an "all" package, whose Pre-Depends the base satisfies.
  // app 1.5 matches too, but only the newest per name and architecture is
  // pulled; the base's app 1 is replaced.
  PullPlan plan = Pull({app15_.id, app2_.id}, {});
  EXPECT_THAT(plan.added, ElementsAre("Pall data 1:1", "Pamd64 app 2",
                                      "Pamd64 libfoo 3", "Pamd64 postfix 1"));
  EXPECT_THAT(plan.removed, ElementsAre("Pamd64 app 1"));
  EXPECT_THAT(Keys(plan.package_ids, base_),
              ElementsAre("Pamd64 libc6 2.36", "Pamd64 other 1"));
  EXPECT_EQ(plan.package_ids.size(), 6u);
  EXPECT_THAT(plan.unsatisfied, IsEmpty());
}

TEST_F(PullTest, NoDepsNoRemoveAndAllMatches) {
  PullPlan no_deps = Pull({app2_.id}, {.no_deps = true});
  EXPECT_THAT(no_deps.added, ElementsAre("Pamd64 app 2"));
  EXPECT_THAT(no_deps.removed, ElementsAre("Pamd64 app 1"));

  PullPlan no_remove = Pull({app2_.id}, {.no_deps = true, .no_remove = true});
  EXPECT_THAT(no_remove.added, ElementsAre("Pamd64 app 2"));
  EXPECT_THAT(no_remove.removed, IsEmpty());
  EXPECT_EQ(no_remove.package_ids.size(), 4u);

  // Both versions of app. app 1.5 (first matched) pulls libbar, which
  // then satisfies app 2's "libfoo (>= 2) | libbar": no libfoo.
  PullPlan all = Pull({app15_.id, app2_.id}, {.all_matches = true});
  EXPECT_THAT(all.added,
              ElementsAre("Pall data 1:1", "Pamd64 app 1.5", "Pamd64 app 2",
                          "Pamd64 libbar 1", "Pamd64 postfix 1"));
  EXPECT_THAT(all.removed, ElementsAre("Pamd64 app 1"));
}

TEST_F(PackageSelectionTest, PullReportsWhatNothingSatisfiesAndHonoursTilde) {
  // 2~rc1 sorts before 2: "yy (>= 2)" is not satisfied, "zz (>= 2~rc1)"
  // is.
  std::vector<StoredPackage> base = {Make("base", "1", "amd64")};
  StoredPackage xx =
      Make("xx", "1", "amd64", "Depends: yy (>= 2), zz (>= 2~rc1)\n");
  std::vector<StoredPackage> source = {xx, Make("yy", "2~rc1", "amd64"),
                                       Make("zz", "2~rc1", "amd64")};
  absl::StatusOr<PullPlan> plan = PlanPull(base, source, {xx.id}, {});
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(plan->added, ElementsAre("Pamd64 xx 1", "Pamd64 zz 2~rc1"));
  EXPECT_THAT(plan->unsatisfied, ElementsAre("xx: yy (>= 2)"));
}

TEST_F(PackageSelectionTest, PullResolvesForTheBaseArchitecturesOrAsked) {
  // The base is amd64 only: an i386 dependency is not looked for unless
  // i386 is asked for.
  std::vector<StoredPackage> base = {Make("b", "1", "amd64")};
  StoredPackage tool =
      Make("tool", "1", "all", "Depends: helper [i386], common\n");
  std::vector<StoredPackage> source = {tool, Make("helper", "1", "i386"),
                                       Make("common", "1", "amd64"),
                                       Make("common", "1", "i386")};
  absl::StatusOr<PullPlan> plan = PlanPull(base, source, {tool.id}, {});
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(plan->added, ElementsAre("Pall tool 1", "Pamd64 common 1"));
  plan =
      PlanPull(base, source, {tool.id}, {.architectures = {"i386", "amd64"}});
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(plan->added, ElementsAre("Pall tool 1", "Pamd64 common 1",
                                       "Pi386 common 1", "Pi386 helper 1"));
}

TEST_F(PackageSelectionTest, PullOfAPackageStanzaThatDoesNotParseFails) {
  StoredPackage bad = Make("bad", "1", "amd64", "Depends: (((\n");
  EXPECT_THAT(PlanPull({}, {bad}, {bad.id}, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The base's dependencies are never read: one that does not parse there
  // is no obstacle.
  StoredPackage good = Make("good", "1", "amd64");
  EXPECT_THAT(PlanPull({bad}, {good}, {good.id}, {}), IsOk());
}

TEST_F(PackageSelectionTest, FilterFollowsDependenciesWithinTheSource) {
  // aa needs "bb | cc" (bb, the first satisfiable) and bb needs dd; ff
  // (i386) needs gg, found for i386 only; ee is unrelated and stays out.
  StoredPackage aa = Make("aa", "1", "amd64", "Depends: bb | cc\n");
  StoredPackage ff = Make("ff", "1", "i386", "Pre-Depends: gg\n");
  std::vector<StoredPackage> source = {
      aa,
      ff,
      Make("bb", "1", "amd64", "Depends: dd\n"),
      Make("cc", "1", "amd64"),
      Make("dd", "1", "all"),
      Make("ee", "1", "amd64"),
      Make("gg", "1", "amd64"),
      Make("gg", "1", "i386")};
  absl::StatusOr<std::vector<int64_t>> ids =
      WithDependencies(source, {aa.id, ff.id}, {});
  ASSERT_THAT(ids, IsOk());
  EXPECT_THAT(Keys(*ids, source),
              ElementsAre("Pamd64 aa 1", "Pi386 ff 1", "Pamd64 bb 1",
                          "Pall dd 1", "Pi386 gg 1"));
  // Asked for amd64 only, ff's dependency is not looked for.
  ids = WithDependencies(source, {aa.id, ff.id}, {"amd64"});
  ASSERT_THAT(ids, IsOk());
  EXPECT_THAT(Keys(*ids, source), ElementsAre("Pamd64 aa 1", "Pi386 ff 1",
                                              "Pamd64 bb 1", "Pall dd 1"));
}

TEST_F(PackageSelectionTest, VerifyReportsUnsatisfiedGroupsPerArchitecture) {
  // app: "libx (>= 2) | liby" fails (libx 1 is too old, liby absent);
  // its Pre-Depends on dpkg is satisfied by the other snapshot. tool, an
  // "all" package, is checked for each architecture: libarch exists for
  // amd64 only; python3 is provided. Recommends count only when asked.
  std::vector<StoredPackage> verified = {
      Make("app", "1", "amd64",
           "Pre-Depends: dpkg (>= 1.19)\nDepends: libx (>= 2) | liby\n"
           "Recommends: fancy\n"),
      Make("tool", "1", "all", "Depends: python3, libarch\n"),
      Make("libx", "1", "amd64"), Make("libarch", "1", "amd64"),
      Make("libarch", "1", "source")};
  std::vector<StoredPackage> others = {
      Make("dpkg", "1.21", "amd64"), Make("dpkg", "1.21", "i386"),
      Make("python3.11", "3.11", "all", "Provides: python3\n")};
  auto lines = [](const std::vector<Unsatisfied>& found) {
    std::vector<std::string> out;
    for (const Unsatisfied& u : found) {
      out.push_back(absl::StrCat(u.key, " ", u.architecture, " ", u.field, ": ",
                                 u.dependency));
    }
    return out;
  };
  absl::StatusOr<std::vector<Unsatisfied>> found = FindUnsatisfiedDependencies(
      verified, others, {"i386", "amd64"}, {"Pre-Depends", "Depends"});
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(lines(*found),
              ElementsAre("Pall tool 1 i386 Depends: libarch",
                          "Pamd64 app 1 amd64 Depends: libx (>= 2) | liby"));
  // By default the verified snapshot's own architectures (amd64): and
  // without the other snapshot, dpkg is missing too.
  found = FindUnsatisfiedDependencies(verified, {}, {},
                                      {"Pre-Depends", "Depends", "Recommends"});
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(lines(*found),
              ElementsAre("Pall tool 1 amd64 Depends: python3",
                          "Pamd64 app 1 amd64 Pre-Depends: dpkg (>= 1.19)",
                          "Pamd64 app 1 amd64 Depends: libx (>= 2) | liby",
                          "Pamd64 app 1 amd64 Recommends: fancy"));
}

}  // namespace
}  // namespace debrepo::deb
