// Relation resolution and dependency closure, on small sets and on the
// real bookworm index.
#include "deb/resolver.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_join.h"
#include "common/status_matchers.h"
#include "deb/testing/apt_lists.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::AnyOf;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

size_t AddStanza(PackageSet& set, absl::string_view stanza) {
  absl::StatusOr<Paragraph> p = ParseParagraph(stanza);
  EXPECT_THAT(p, IsOk());
  absl::StatusOr<PackageInfo> info = PackageInfoFromParagraph(*p);
  EXPECT_THAT(info, IsOk()) << stanza;
  return set.Add(*std::move(info));
}

Relation R(absl::string_view text) { return (*ParseRelations(text))[0][0]; }

// Reachable is a brute-force fixed point: the roots plus every package that
// satisfies any alternative of any dependency group of a package in it.
absl::flat_hash_set<size_t> Reachable(const PackageSet& set,
                                      const std::vector<size_t>& roots,
                                      absl::string_view architecture) {
  absl::flat_hash_set<size_t> result(roots.begin(), roots.end());
  bool grew = true;
  while (grew) {
    grew = false;
    std::vector<size_t> members(result.begin(), result.end());
    for (size_t member : members) {
      for (const Alternatives& group : set.package(member).depends) {
        for (size_t i :
             set.FindSatisfying(InForce(group, architecture), architecture)) {
          grew |= result.insert(i).second;
        }
      }
    }
  }
  return result;
}

// ExpectClosedAndJustified checks `closure` of `roots` without reusing the
// resolver's traversal: the roots come first, nothing appears twice, every
// dependency group of a member is satisfied by a member or reported as
// unsatisfiable (and then nothing in the set satisfies it), and every
// non-root member satisfies a group of another member.
void ExpectClosedAndJustified(const PackageSet& set,
                              const std::vector<size_t>& roots,
                              const Closure& closure,
                              absl::string_view architecture) {
  ASSERT_GE(closure.packages.size(), roots.size());
  EXPECT_TRUE(std::equal(roots.begin(), roots.end(), closure.packages.begin()));
  absl::flat_hash_set<size_t> members(closure.packages.begin(),
                                      closure.packages.end());
  EXPECT_EQ(members.size(), closure.packages.size()) << "duplicates";
  absl::flat_hash_set<size_t> needed(roots.begin(), roots.end());
  size_t unsatisfiable = 0;
  for (size_t member : closure.packages) {
    for (const Alternatives& group : set.package(member).depends) {
      Alternatives in_force = InForce(group, architecture);
      if (in_force.empty()) continue;
      std::vector<size_t> satisfiers =
          set.FindSatisfying(in_force, architecture);
      if (satisfiers.empty()) {
        ++unsatisfiable;
        continue;
      }
      bool closed = false;
      for (size_t i : satisfiers) {
        if (i != member && members.contains(i)) needed.insert(i);
        closed |= members.contains(i);
      }
      EXPECT_TRUE(closed) << set.package(member).name << ": "
                          << FormatRelations({in_force});
    }
  }
  EXPECT_EQ(closure.unsatisfied.size(), unsatisfiable);
  for (size_t member : closure.packages) {
    EXPECT_TRUE(needed.contains(member))
        << set.package(member).name << " was pulled in for nothing";
  }
}

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = AddStanza(set_,
                     "Package: app\nVersion: 1\nArchitecture: amd64\n"
                     "Depends: libx (>= 2), mail-transport-agent, "
                     "awk | mawk, data\nPre-Depends: dpkg (>= 1.17)\n");
    libx1_ =
        AddStanza(set_, "Package: libx\nVersion: 1.5\nArchitecture: amd64\n");
    libx2_ = AddStanza(set_,
                       "Package: libx\nVersion: 2.1\nArchitecture: amd64\n"
                       "Depends: libc6\n");
    libx3_ = AddStanza(set_,
                       "Package: libx\nVersion: 2.2\nArchitecture: amd64\n"
                       "Depends: libc6\n");
    libx_i386_ =
        AddStanza(set_, "Package: libx\nVersion: 3\nArchitecture: i386\n");
    postfix_ =
        AddStanza(set_,
                  "Package: postfix\nVersion: 3.7\nArchitecture: amd64\n"
                  "Provides: mail-transport-agent, default-mta (= 3.7)\n");
    mawk_ = AddStanza(set_,
                      "Package: mawk\nVersion: 1.3\nArchitecture: amd64\n"
                      "Provides: awk\n");
    data_ = AddStanza(set_, "Package: data\nVersion: 1\nArchitecture: all\n");
    dpkg_ =
        AddStanza(set_, "Package: dpkg\nVersion: 1.21\nArchitecture: amd64\n");
    libc_ =
        AddStanza(set_, "Package: libc6\nVersion: 2.36\nArchitecture: amd64\n");
  }

  PackageSet set_;
  size_t app_, libx1_, libx2_, libx3_, libx_i386_, postfix_, mawk_, data_,
      dpkg_, libc_;
};

TEST_F(ResolverTest, MatchesNameVersionAndArchitecture) {
  EXPECT_THAT(set_.FindSatisfying(R("libx (>= 2)"), "amd64"),
              ElementsAre(libx2_, libx3_));
  EXPECT_THAT(set_.FindSatisfying(R("libx"), "i386"), ElementsAre(libx_i386_));
  EXPECT_THAT(set_.FindSatisfying(R("libx:any (>> 2.1)"), "amd64"),
              ElementsAre(libx3_, libx_i386_));
  EXPECT_THAT(set_.FindSatisfying(R("libx:i386"), "amd64"),
              ElementsAre(libx_i386_));
  EXPECT_THAT(set_.FindSatisfying(R("data"), "arm64"), ElementsAre(data_));
  EXPECT_THAT(set_.FindSatisfying(R("nothing"), "amd64"), IsEmpty());
}

TEST_F(ResolverTest, HonoursVersionedAndUnversionedProvides) {
  EXPECT_THAT(set_.FindSatisfying(R("mail-transport-agent"), "amd64"),
              ElementsAre(postfix_));
  // An unversioned Provides never satisfies a versioned relation.
  EXPECT_THAT(set_.FindSatisfying(R("mail-transport-agent (>= 1)"), "amd64"),
              IsEmpty());
  EXPECT_THAT(set_.FindSatisfying(R("default-mta (>= 3)"), "amd64"),
              ElementsAre(postfix_));
  EXPECT_THAT(set_.FindSatisfying(R("default-mta (>> 3.7)"), "amd64"),
              IsEmpty());
  EXPECT_THAT(set_.FindSatisfying((*ParseRelations("awk | mawk"))[0], "amd64"),
              ElementsAre(mawk_));
}

TEST_F(ResolverTest, ClosurePicksHighestVersionsAndReportsGaps) {
  Closure closure = DependencyClosure(set_, {app_}, "amd64");
  EXPECT_THAT(
      closure.packages,
      UnorderedElementsAre(app_, libx3_, postfix_, mawk_, data_, dpkg_, libc_));
  EXPECT_EQ(closure.packages[0], app_);
  EXPECT_THAT(closure.unsatisfied, IsEmpty());

  PackageSet partial;
  AddStanza(partial,
            "Package: aa\nVersion: 1\nArchitecture: amd64\n"
            "Depends: missing (>= 1) | gone, bb [i386]\n");
  Closure gaps = DependencyClosure(partial, {0}, "amd64");
  EXPECT_THAT(gaps.packages, ElementsAre(0));
  EXPECT_THAT(gaps.unsatisfied, ElementsAre("aa: missing (>= 1) | gone"));
}

TEST_F(ResolverTest, DependenciesCanBeSetOnceReached) {
  PackageSet set;
  size_t aa = AddStanza(set, "Package: aa\nVersion: 1\nArchitecture: all\n");
  size_t bb = AddStanza(set, "Package: bb\nVersion: 1\nArchitecture: all\n");
  EXPECT_THAT(DependencyClosure(set, {aa}, "amd64").packages, ElementsAre(aa));
  set.SetDependencies(aa, *ParseRelations("bb"), {"Depends"});
  EXPECT_THAT(DependencyClosure(set, {aa}, "amd64").packages,
              ElementsAre(aa, bb));
  EXPECT_THAT(set.package(aa).depends_fields, ElementsAre("Depends"));
}

TEST(PackageInfoTest, RejectsIncompleteStanzas) {
  EXPECT_THAT(
      PackageInfoFromParagraph(*ParseParagraph("Package: a\nVersion: 1\n")),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PackageInfoFromParagraph(*ParseParagraph(
                  "Package: a\nVersion: x\nArchitecture: all\n")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      PackageInfoFromParagraph(*ParseParagraph(
          "Package: a\nVersion: 1\nArchitecture: all\nProvides: b (>= 1)\n")),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

// Every relationship field of the real archive must parse, and bookworm
// main is closed under Pre-Depends/Depends for amd64 but for a handful of
// packages (console-setup-freebsd needs FreeBSD tools; some Thunderbird
// extensions pin an older Thunderbird than the point release ships).
TEST(ResolverRealIndexTest, ParsesAndResolvesTheArchive) {
  absl::StatusOr<std::string> path = testing::FindAptPackagesIndex();
  ASSERT_THAT(path, IsOk());
  absl::StatusOr<std::string> index = testing::ReadDecompressedFile(*path);
  ASSERT_THAT(index, IsOk());
  PackageSet set;
  ParagraphReader reader(*index);
  Paragraph paragraph;
  absl::StatusOr<bool> more;
  int relation_fields = 0;
  while ((more = reader.Next(&paragraph)).ok() && *more) {
    for (const char* field : {"Recommends", "Suggests", "Enhances", "Breaks",
                              "Conflicts", "Replaces", "Built-Using"}) {
      if (!paragraph.Has(field)) continue;
      ++relation_fields;
      absl::StatusOr<RelationList> list =
          ParseRelations(paragraph.GetOrEmpty(field));
      ASSERT_THAT(list, IsOk()) << paragraph.GetOrEmpty("Package");
      // Our canonical form must parse back to the same thing.
      EXPECT_EQ(FormatRelations(*ParseRelations(FormatRelations(*list))),
                FormatRelations(*list));
    }
    absl::StatusOr<PackageInfo> info = PackageInfoFromParagraph(paragraph);
    ASSERT_THAT(info, IsOk()) << paragraph.GetOrEmpty("Package");
    set.Add(*std::move(info));
  }
  ASSERT_THAT(more, IsOk());
  EXPECT_GT(relation_fields, 10000);
  std::vector<size_t> all(set.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  Closure closure = DependencyClosure(set, all, "amd64");
  // Every package is a root: the roots come back once each, in order, and
  // nothing else is added.
  EXPECT_THAT(closure.packages, ElementsAreArray(all));
  ExpectClosedAndJustified(set, all, closure, "amd64");
  EXPECT_LT(closure.unsatisfied.size(), 20)
      << absl::StrJoin(closure.unsatisfied, "; ");

  // A single root pulls in a plausible, closed set.
  size_t apt = set.size();
  for (size_t i = 0; i < set.size(); ++i) {
    if (set.package(i).name == "apt") apt = i;
  }
  ASSERT_LT(apt, set.size());
  Closure apt_closure = DependencyClosure(set, {apt}, "amd64");
  std::vector<std::string> names;
  for (size_t i : apt_closure.packages) names.push_back(set.package(i).name);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"apt", "libc6", "libapt-pkg6.0",
                                              "debian-archive-keyring"}));
  EXPECT_THAT(names, Each(Not(AnyOf("nginx", "emacs", "linux-image-amd64",
                                    "libreoffice-core", "xserver-xorg"))));
  EXPECT_THAT(apt_closure.unsatisfied, IsEmpty());
  ExpectClosedAndJustified(set, {apt}, apt_closure, "amd64");
  // It is within what a brute-force fixed point following every satisfier
  // of every alternative reaches, and far smaller than the archive.
  absl::flat_hash_set<size_t> reachable = Reachable(set, {apt}, "amd64");
  for (size_t i : apt_closure.packages) {
    EXPECT_TRUE(reachable.contains(i)) << set.package(i).name;
  }
  EXPECT_LT(apt_closure.packages.size(), 100);
}

}  // namespace
}  // namespace debrepo::deb
