// Pull, filter-with-dependencies and verify on hand-made package sets whose
// right answers are worked out in each test.
#include "deb/package_selection.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_matchers.h"
#include "deb/relation.h"
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

// Snapshots made at random from a small pool of names, so that packages
// share names, provide each other's names and depend on them with
// alternatives, version constraints, architecture qualifiers and
// restrictions, "all" and "source" packages.
class ByNameTest : public PackageSelectionTest {
 protected:
  std::string Pick(const std::vector<std::string>& among) {
    return among[std::uniform_int_distribution<size_t>(
        0, among.size() - 1)(random_)];
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(random_); }

  // A name: one of packages (pN) or only provided (vN).
  std::string Name() {
    return Chance(0.8) ? absl::StrCat("p", Count(60))
                       : absl::StrCat("v", Count(6));
  }
  int Count(int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(random_);
  }

  std::string Relation() {
    std::string relation = Name();
    if (Chance(0.1)) relation += Pick({":any", ":amd64", ":i386"});
    if (Chance(0.3)) {
      absl::StrAppend(&relation, " (", Pick({">=", "<<", "=", ">>", "<="}), " ",
                      Pick(kVersions), ")");
    }
    if (Chance(0.1)) relation += Pick({" [amd64]", " [!amd64]", " [i386]"});
    return relation;
  }

  std::string Field(const std::string& field, int groups, int alternatives) {
    std::vector<std::string> parts;
    for (int g = 0; g < groups; ++g) {
      std::vector<std::string> group;
      const int n = 1 + Count(alternatives);
      for (int a = 0; a < n; ++a) group.push_back(Relation());
      parts.push_back(absl::StrJoin(group, " | "));
    }
    return parts.empty()
               ? ""
               : absl::StrCat(field, ": ", absl::StrJoin(parts, ", "), "\n");
  }

  StoredPackage Random() {
    std::string provides;
    if (Chance(0.3)) {
      std::vector<std::string> provided;
      for (int i = 0, n = 1 + Count(2); i < n; ++i) {
        provided.push_back(
            Chance(0.5) ? Name()
                        : absl::StrCat(Name(), " (= ", Pick(kVersions), ")"));
      }
      provides =
          absl::StrCat("Provides: ", absl::StrJoin(provided, ", "), "\n");
    }
    return Make(absl::StrCat("p", Count(60)), Pick(kVersions),
                Pick({"amd64", "amd64", "i386", "all", "source"}),
                absl::StrCat(provides, Field("Pre-Depends", Count(2), 2),
                             Field("Depends", Count(3), 3)));
  }

  // A lookup of `source` and `base` that counts the packages it returns.
  PackageLookup Lookup(const std::vector<StoredPackage>& source,
                       const std::vector<StoredPackage>& base) {
    return [&source, &base, this](const std::vector<std::string>& names)
               -> absl::StatusOr<NamedPackages> {
      const absl::flat_hash_set<std::string> wanted(names.begin(), names.end());
      auto named = [&](const std::vector<StoredPackage>& packages) {
        std::vector<StoredPackage> found;
        for (const StoredPackage& package : packages) {
          bool hit = wanted.contains(package.control.GetOrEmpty("Package"));
          absl::StatusOr<std::vector<std::string>> provided =
              RelationNames(package.control.GetOrEmpty("Provides"));
          for (const std::string& name : *provided)
            hit |= wanted.contains(name);
          if (hit) found.push_back(package);
        }
        read_ += found.size();
        return found;
      };
      return NamedPackages{.source = named(source), .base = named(base)};
    };
  }

  const std::vector<std::string> kVersions = {"1", "2", "1:0", "2~rc1", "1.5"};
  std::mt19937 random_;
  size_t read_ = 0;
};

TEST_F(ByNameTest, ReadingByNameGivesWhatTheWholeSnapshotsGive) {
  size_t whole = 0;
  for (int seed = 0; seed < 300; ++seed) {
    random_.seed(seed);
    std::vector<StoredPackage> source;
    std::vector<StoredPackage> base;
    for (int i = 0, n = 10 + Count(120); i < n; ++i) {
      StoredPackage package = Random();
      if (Chance(0.25)) base.push_back(package);
      if (Chance(0.85) || base.empty() || base.back().id != package.id) {
        source.push_back(std::move(package));
      }
    }
    std::vector<int64_t> matched;
    for (const StoredPackage& package : source) {
      if (Chance(0.05)) matched.push_back(package.id);
    }
    std::vector<std::string> matched_names;
    for (const StoredPackage& package : source) {
      if (std::binary_search(matched.begin(), matched.end(), package.id)) {
        matched_names.emplace_back(package.control.GetOrEmpty("Package"));
      }
    }
    std::vector<int64_t> base_ids;
    for (const StoredPackage& package : base) base_ids.push_back(package.id);
    const std::vector<std::string> architectures =
        Chance(0.5) ? std::vector<std::string>{"amd64"}
                    : std::vector<std::string>{"i386", "amd64"};
    const PullOptions options{.no_deps = Chance(0.2),
                              .no_remove = Chance(0.2),
                              .all_matches = Chance(0.3),
                              .architectures = architectures};
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    whole += source.size() + base.size();

    absl::StatusOr<PullPlan> expected =
        PlanPull(base, source, matched, options);
    absl::StatusOr<PullPlan> by_name = PlanPullByName(
        Lookup(source, base), base_ids, matched_names, matched, options);
    ASSERT_THAT(expected, IsOk());
    ASSERT_THAT(by_name, IsOk());
    EXPECT_EQ(by_name->package_ids, expected->package_ids);
    EXPECT_EQ(by_name->added, expected->added);
    EXPECT_EQ(by_name->removed, expected->removed);
    EXPECT_EQ(by_name->unsatisfied, expected->unsatisfied);
  }
  // Reading by name reads a part of the snapshots (`whole` is what the
  // pulls would have read of them in all).
  EXPECT_LT(read_, whole / 2);
}

TEST_F(ByNameTest, NeedsTheArchitectures) {
  const std::vector<StoredPackage> none;
  EXPECT_THAT(
      PlanPullByName(Lookup(none, none), {}, {}, {}, PullOptions{}).status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace debrepo::deb
