#include "mirror/index_plan.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "deb/testing/apt_lists.h"
#include "deb/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::mirror {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::string_view kSha =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// ReleaseListing returns a Release with `paths` (all with kSha).
Release ReleaseListing(std::vector<std::string> components,
                       std::vector<std::string> architectures,
                       const std::vector<std::string>& paths) {
  Release release;
  release.components = std::move(components);
  release.architectures = std::move(architectures);
  for (const std::string& path : paths) {
    release.AddFile({path, 10, std::string(kSha)});
  }
  return release;
}

v1::Mirror MakeMirror(std::string distribution) {
  v1::Mirror mirror;
  mirror.set_name("m");
  mirror.set_archive_url("http://deb.example.org/debian");
  mirror.set_distribution(std::move(distribution));
  return mirror;
}

// Names lists the plan's index names with the best candidate's path.
std::vector<std::string> Names(const std::vector<PlannedIndex>& plan) {
  std::vector<std::string> names;
  for (const PlannedIndex& index : plan) {
    std::string paths;
    for (const ReleaseIndexFile& file : index.candidates) {
      absl::StrAppend(&paths, paths.empty() ? "" : ",", file.path);
    }
    names.push_back(absl::StrCat(index.component, "|", index.architecture, "|",
                                 static_cast<int>(index.kind), "|", paths));
  }
  return names;
}

TEST(PlanIndicesTest, PlansInTheDuplicateRulesOrder) {
  Release release = ReleaseListing(
      {"main", "contrib"}, {"all", "amd64", "i386"},
      {"main/binary-amd64/Packages", "main/binary-amd64/Packages.xz",
       "main/binary-amd64/Packages.gz", "main/binary-i386/Packages.gz",
       "main/binary-all/Packages.xz",
       "main/debian-installer/binary-amd64/Packages.xz",
       "main/source/Sources.xz", "contrib/binary-amd64/Packages",
       "contrib/binary-i386/Packages", "contrib/source/Sources.gz"});
  v1::Mirror mirror = MakeMirror("bookworm");
  mirror.set_with_udebs(true);
  mirror.set_with_sources(true);
  absl::StatusOr<std::vector<PlannedIndex>> plan = PlanIndices(release, mirror);
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(
      Names(*plan),
      ElementsAre(
          "main|amd64|0|main/binary-amd64/Packages.gz,main/binary-amd64/"
          "Packages.xz,main/binary-amd64/Packages",
          "main|i386|0|main/binary-i386/Packages.gz",
          "main|all|0|main/binary-all/Packages.xz",
          "main|amd64|1|main/debian-installer/binary-amd64/Packages.xz",
          "main||2|main/source/Sources.xz",
          "contrib|amd64|0|contrib/binary-amd64/Packages",
          "contrib|i386|0|contrib/binary-i386/Packages",
          "contrib||2|contrib/source/Sources.gz"));
  EXPECT_EQ((*plan)[0].name, "main/binary-amd64/Packages");
  // Asked components and architectures, in the mirror's order; binary-all
  // is left out when the others list its packages.
  release.all_in_architecture_indices = true;
  mirror.add_components("contrib");
  mirror.add_architectures("i386");
  mirror.set_with_udebs(false);
  mirror.set_with_sources(false);
  plan = PlanIndices(release, mirror);
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(Names(*plan),
              ElementsAre("contrib|i386|0|contrib/binary-i386/Packages"));
}

TEST(PlanIndicesTest, RefusesWhatTheReleaseDoesNotOffer) {
  Release release =
      ReleaseListing({"main"}, {"amd64"}, {"main/binary-amd64/Packages.xz"});
  v1::Mirror mirror = MakeMirror("bookworm");
  mirror.add_components("non-free");
  absl::StatusOr<std::vector<PlannedIndex>> plan = PlanIndices(release, mirror);
  EXPECT_THAT(plan, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(plan.status().message(),
              HasSubstr("no component \"non-free\"; it offers: main"));
  // What the archive offers is named escaped.
  Release latin1 = ReleaseListing({"main", "m\xe9"}, {"amd64"},
                                  {"main/binary-amd64/Packages.xz"});
  EXPECT_THAT(PlanIndices(latin1, mirror).status().message(),
              HasSubstr("it offers: main m\\xe9;"));
  mirror.clear_components();
  mirror.add_architectures("arm64");
  plan = PlanIndices(release, mirror);
  EXPECT_THAT(plan, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(plan.status().message(),
              HasSubstr("no architecture \"arm64\"; it offers: amd64"));
  // Offered but not listed.
  mirror.clear_architectures();
  mirror.set_with_sources(true);
  plan = PlanIndices(release, mirror);
  EXPECT_THAT(plan, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(plan.status().message(), HasSubstr("main/source/Sources"));
}

TEST(PlanIndicesTest, PlansAFlatRepository) {
  Release release =
      ReleaseListing({}, {}, {"Packages", "Packages.gz", "Sources.xz"});
  v1::Mirror mirror = MakeMirror("./");
  mirror.set_with_sources(true);
  mirror.set_with_udebs(true);
  absl::StatusOr<std::vector<PlannedIndex>> plan = PlanIndices(release, mirror);
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(Names(*plan),
              ElementsAre("||0|Packages.gz,Packages", "||2|Sources.xz"));
  mirror.add_components("main");
  EXPECT_THAT(PlanIndices(release, mirror),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(PlanIndicesTest, PlansDebiansBookworm) {
  absl::StatusOr<std::string> path = deb::testing::FindAptInRelease();
  ASSERT_THAT(path, IsOk());
  absl::StatusOr<std::string> text =
      UnverifiedInReleaseText(deb::testing::ReadFile(*path));
  ASSERT_THAT(text, IsOk());
  absl::StatusOr<Release> release = ParseRelease(*text);
  ASSERT_THAT(release, IsOk());
  v1::Mirror mirror = MakeMirror("bookworm");
  mirror.add_components("main");
  mirror.add_architectures("amd64");
  mirror.set_with_udebs(true);
  mirror.set_with_sources(true);
  absl::StatusOr<std::vector<PlannedIndex>> plan =
      PlanIndices(*release, mirror);
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->size(), 3);
  EXPECT_EQ((*plan)[0].candidates[0].path, "main/binary-amd64/Packages.gz");
  EXPECT_EQ((*plan)[0].candidates[1].path, "main/binary-amd64/Packages.xz");
  EXPECT_EQ((*plan)[0].candidates.size(), 3);
  EXPECT_EQ((*plan)[1].kind, IndexKind::kInstallerPackages);
  EXPECT_EQ((*plan)[2].candidates[0].path, "main/source/Sources.gz");
}

TEST(UrlTest, BuildsDistributionIndexAndFileUrls) {
  v1::Mirror mirror = MakeMirror("bookworm-updates");
  EXPECT_EQ(DistributionUrl(mirror),
            "http://deb.example.org/debian/dists/bookworm-updates/");
  mirror.set_archive_url("https://deb.example.org/debian//");
  EXPECT_EQ(DistributionUrl(mirror),
            "https://deb.example.org/debian/dists/bookworm-updates/");
  ReleaseIndexFile file{"main/binary-amd64/Packages.xz", 1, std::string(kSha)};
  EXPECT_EQ(IndexUrl(mirror, file, false),
            "https://deb.example.org/debian/dists/bookworm-updates/main/"
            "binary-amd64/Packages.xz");
  EXPECT_EQ(IndexUrl(mirror, file, true),
            absl::StrCat("https://deb.example.org/debian/dists/"
                         "bookworm-updates/main/binary-amd64/by-hash/SHA256/",
                         kSha));
  EXPECT_EQ(ArchiveFileUrl(mirror,
                           "pool/main/g/gcc-12/g++-12_12.2.0-14~a "
                           "b:1_amd64.deb"),
            "https://deb.example.org/debian/pool/main/g/gcc-12/"
            "g%2B%2B-12_12.2.0-14~a%20b%3A1_amd64.deb");

  v1::Mirror flat = MakeMirror("./");
  EXPECT_EQ(DistributionUrl(flat), "http://deb.example.org/debian/");
  EXPECT_EQ(IndexUrl(flat, {"Packages.gz", 1, std::string(kSha)}, false),
            "http://deb.example.org/debian/Packages.gz");
  EXPECT_EQ(
      IndexUrl(flat, {"Packages.gz", 1, std::string(kSha)}, true),
      absl::StrCat("http://deb.example.org/debian/by-hash/SHA256/", kSha));
  EXPECT_EQ(ArchiveFileUrl(flat, "./hello_1.0_all.deb"),
            "http://deb.example.org/debian/hello_1.0_all.deb");
  flat.set_distribution("sub/dir/");
  EXPECT_EQ(DistributionUrl(flat), "http://deb.example.org/debian/sub/dir/");
  EXPECT_EQ(ArchiveFileUrl(flat, "sub/dir/hello_1.0_all.deb"),
            "http://deb.example.org/debian/sub/dir/hello_1.0_all.deb");
}

}  // namespace
}  // namespace debrepo::mirror
