// Chooses among this machine's bookworm packages and small made-up indices.
#include "mirror/package_choice.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "deb/control.h"
#include "deb/package_selection.h"
#include "deb/query.h"
#include "deb/testing/apt_lists.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::mirror {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsSupersetOf;

// Binary returns a package as PackageFromPackagesStanza makes it; `sha`
// tells apart files of the same name, version and architecture.
MirroredPackage Binary(absl::string_view name, absl::string_view version,
                       absl::string_view architecture, char sha = 'a',
                       absl::string_view extra_fields = "") {
  std::string stanza = absl::StrCat(
      "Package: ", name, "\nVersion: ", version,
      "\nArchitecture: ", architecture, "\nFilename: pool/", name, "_", version,
      "_", architecture, ".deb\nSize: 10\nSHA256: ", std::string(64, sha), "\n",
      extra_fields);
  absl::StatusOr<MirroredPackage> package = PackageFromPackagesStanza(
      *deb::ParseParagraph(stanza), IndexKind::kPackages);
  EXPECT_THAT(package, IsOk()) << stanza;
  return *std::move(package);
}

MirroredPackage Source(absl::string_view name) {
  std::string stanza = absl::StrCat(
      "Package: ", name, "\nVersion: 1.0\nFormat: 3.0 (native)\n",
      "Directory: pool/", name, "\nFiles:\n ", std::string(32, '1'), " 10 ",
      name, "_1.0.dsc\n ", std::string(32, '2'), " 20 ", name,
      "_1.0.tar.xz\nChecksums-Sha256:\n ", std::string(64, '1'), " 10 ", name,
      "_1.0.dsc\n ", std::string(64, '2'), " 20 ", name, "_1.0.tar.xz\n");
  absl::StatusOr<MirroredPackage> package =
      PackageFromSourcesStanza(*deb::ParseParagraph(stanza));
  EXPECT_THAT(package, IsOk()) << stanza;
  return *std::move(package);
}

std::vector<bool> AddAll(PackageChoice& choice,
                         const std::vector<MirroredPackage>& packages) {
  std::vector<bool> added;
  for (const MirroredPackage& package : packages) {
    absl::StatusOr<bool> spooled = choice.Add(package);
    EXPECT_THAT(spooled, IsOk());
    added.push_back(spooled.value_or(false));
  }
  return added;
}

TEST(PackageChoiceTest, LeavesOutDuplicatesByTheRule) {
  PackageChoice choice(nullptr, false, {"amd64", "i386"});
  std::vector<bool> added =
      AddAll(choice, {
                         Binary("hello", "1.0", "amd64"),
                         Binary("hello", "1.0", "amd64", 'b'),  // Duplicate.
                         Binary("common", "1.0", "all"),
                         Binary("hello", "1.0", "i386"),
                         Binary("common", "1.0", "all"),  // Same package again.
                         Binary("hello", "1.0", "amd64", 'c'),  // Duplicate.
                         Binary("hello", "2.0", "amd64", 'b'),
                         Binary("hello", "1.0", "arm64"),  // Not mirrored.
                         Source("hello"),
                     });
  EXPECT_THAT(added, ElementsAre(true, false, true, true, false, false, true,
                                 false, true));
  EXPECT_EQ(choice.duplicates(), 2);
  EXPECT_THAT(choice.Take(),
              IsOkAndHolds(ElementsAre(true, true, true, true, true)));
}

TEST(PackageChoiceTest, KeepsEveryArchitectureWhenNoneAreNamed) {
  PackageChoice choice(nullptr, false, {});
  EXPECT_THAT(AddAll(choice, {Binary("hello", "1.0", "amd64"),
                              Binary("hello", "1.0", "arm64")}),
              ElementsAre(true, true));
}

TEST(PackageChoiceTest, FiltersWithAndWithoutDependencies) {
  std::vector<MirroredPackage> packages = {
      Binary("app", "1.0", "amd64", 'a',
             "Depends: libfoo (>= 2) | libbar, virtual-mta\n"
             "Pre-Depends: dpkg\n"),
      Binary("libfoo", "1.0", "amd64"),
      Binary("libfoo", "2.0", "amd64"),
      Binary("libbar", "1.0", "amd64"),
      Binary("postfix", "1.0", "amd64", 'a', "Provides: virtual-mta\n"),
      Binary("dpkg", "1.0", "amd64"),
      Binary("unrelated", "1.0", "amd64"),
      Source("app"),
      Source("libfoo"),
  };
  deb::Query query = *deb::Query::Parse("app");
  // Without dependencies only what matches is spooled. A name matches the
  // source package of that name too, as in aptly.
  PackageChoice plain(&query, false, {"amd64"});
  EXPECT_THAT(
      AddAll(plain, packages),
      ElementsAre(true, false, false, false, false, false, false, true, false));
  EXPECT_THAT(plain.Take(), IsOkAndHolds(ElementsAre(true, true)));
  // With them, every binary package is (any may be needed), and source
  // packages only when they match.
  PackageChoice with_deps(&query, true, {"amd64"});
  EXPECT_THAT(
      AddAll(with_deps, packages),
      ElementsAre(true, true, true, true, true, true, true, true, false));
  EXPECT_THAT(with_deps.Take(),
              IsOkAndHolds(ElementsAre(true, false, true, false, true, true,
                                       false, true)));
  // Source packages pull in nothing.
  deb::Query sources = *deb::Query::Parse("$PackageType (source), Name (app)");
  PackageChoice source_choice(&sources, true, {"amd64"});
  AddAll(source_choice, packages);
  EXPECT_THAT(source_choice.Take(),
              IsOkAndHolds(ElementsAre(false, false, false, false, false, false,
                                       false, true)));
}

TEST(PackageChoiceTest, ResolvesADeepChainInLinearTime) {
  constexpr int kChain = 50000;
  std::vector<MirroredPackage> packages;
  for (int i = 0; i < kChain; ++i) {
    packages.push_back(Binary(absl::StrCat("p", i), "1.0", "amd64", 'a',
                              absl::StrCat("Depends: p", i + 1, "\n")));
  }
  deb::Query query = *deb::Query::Parse("p0");
  PackageChoice choice(&query, true, {"amd64"});
  AddAll(choice, packages);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<bool>> take = choice.Take();
  // A round for each level would take hours.
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));
  ASSERT_THAT(take, IsOk());
  EXPECT_EQ(std::count(take->begin(), take->end(), true), kChain);
}

TEST(PackageChoiceTest, RefusesMoreStanzasThanASyncAccepts) {
  PackageChoice choice(nullptr, false, {"amd64"}, /*max_stanzas=*/2);
  EXPECT_THAT(AddAll(choice, {Binary("aa", "1.0", "amd64"),
                              Binary("aa", "1.0", "i386")}),
              ElementsAre(true, false));
  absl::StatusOr<bool> third = choice.Add(Binary("bb", "1.0", "amd64"));
  EXPECT_THAT(third, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(third.status().message(), ::testing::HasSubstr("more than 2 "));
}

TEST(PackageChoiceTest, FailsOnRelationsThatDoNotParse) {
  deb::Query query = *deb::Query::Parse("app");
  PackageChoice choice(&query, true, {"amd64"});
  AddAll(choice, {Binary("app", "1.0", "amd64", 'a', "Depends: libfoo (>>\n")});
  EXPECT_THAT(choice.Take(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

// ForEachDebianPackage calls `visit` with each stanza of this machine's
// bookworm main index (about 63,000) and the package it converts to.
void ForEachDebianPackage(
    const std::function<void(const deb::Paragraph&, MirroredPackage)>& visit) {
  absl::StatusOr<std::string> text =
      deb::testing::ReadDecompressedFile(*deb::testing::FindAptPackagesIndex());
  ASSERT_THAT(text, IsOk());
  deb::ParagraphReader reader(*text);
  deb::Paragraph stanza;
  while (*reader.Next(&stanza)) {
    absl::StatusOr<MirroredPackage> package =
        PackageFromPackagesStanza(stanza, IndexKind::kPackages);
    ASSERT_THAT(package, IsOk());
    visit(stanza, *std::move(package));
  }
}

// Filters over bookworm main choose exactly what deb::WithDependencies
// chooses over the whole parsed index.
TEST(PackageChoiceTest, ChoosesFromDebiansIndexAsWithDependencies) {
  std::vector<MirroredPackage> packages;
  ForEachDebianPackage([&](const deb::Paragraph&, MirroredPackage package) {
    packages.push_back(std::move(package));
  });
  ASSERT_FALSE(packages.empty());
  std::vector<deb::StoredPackage> stored;
  for (size_t i = 0; i < packages.size(); ++i) {
    stored.push_back({static_cast<int64_t>(i), packages[i].package.key,
                      packages[i].package.control});
  }
  for (absl::string_view text :
       {"nginx | curl | openssh-server | postgresql-15 | python3 | git",
        "Priority (required)", "mail-transport-agent"}) {
    SCOPED_TRACE(text);
    deb::Query query = *deb::Query::Parse(text);
    PackageChoice choice(&query, true, {"amd64"});
    std::vector<int64_t> matched;
    for (size_t i = 0; i < packages.size(); ++i) {
      ASSERT_THAT(choice.Add(packages[i]), IsOkAndHolds(true));
      if (query.Matches(packages[i].package.control)) matched.push_back(i);
    }
    absl::StatusOr<std::vector<bool>> take = choice.Take();
    ASSERT_THAT(take, IsOk());
    std::vector<int64_t> taken;
    for (size_t i = 0; i < take->size(); ++i) {
      if ((*take)[i]) taken.push_back(i);
    }
    absl::StatusOr<std::vector<int64_t>> expected =
        deb::WithDependencies(stored, matched, {"amd64"});
    ASSERT_THAT(expected, IsOk());
    EXPECT_EQ(taken, *expected);
    EXPECT_GT(taken.size(), matched.size());
  }
  // The six with their dependencies: a few hundred packages.
  deb::Query six = *deb::Query::Parse(
      "nginx | curl | openssh-server | postgresql-15 | python3 | git");
  PackageChoice choice(&six, true, {"amd64"});
  PackageChoice everything(nullptr, false, {"amd64"});
  for (const MirroredPackage& package : packages) {
    ASSERT_THAT(choice.Add(package), IsOkAndHolds(true));
    ASSERT_THAT(everything.Add(package), IsOkAndHolds(true));
  }
  absl::StatusOr<std::vector<bool>> take = choice.Take();
  ASSERT_THAT(take, IsOk());
  std::vector<std::string> taken;
  for (size_t i = 0; i < packages.size(); ++i) {
    if ((*take)[i]) taken.push_back(packages[i].package.name);
  }
  EXPECT_THAT(taken,
              IsSupersetOf({"nginx", "curl", "openssh-server", "postgresql-15",
                            "python3", "git", "libc6", "libcurl4", "libssl3",
                            "python3.11", "perl"}));
  EXPECT_GT(taken.size(), 50);
  EXPECT_LT(taken.size(), 1000);
  absl::StatusOr<std::vector<bool>> all = everything.Take();
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(std::count(all->begin(), all->end(), true), packages.size());
  EXPECT_EQ(everything.duplicates(), 0);
}

// A sync with dependencies chooses from the stanzas as they are (see
// ReadPackagesStanza), read as Paragraphs or as views, what it chose from
// the converted packages, and converts the same packages from the views'
// texts, over bookworm main, with filters by name, by field and by
// pseudo-field.
TEST(PackageChoiceTest, ChoosesFromStanzasAsFromConvertedPackages) {
  absl::StatusOr<std::string> text =
      deb::testing::ReadDecompressedFile(*deb::testing::FindAptPackagesIndex());
  ASSERT_THAT(text, IsOk());
  // Each filter's three choices: from the converted packages, from the
  // stanzas as Paragraphs, from the stanzas as views.
  struct Choices {
    explicit Choices(const deb::Query* query)
        : converted(query, true, {"amd64"}),
          unconverted(query, true, {"amd64"}),
          viewed(query, true, {"amd64"}) {}
    PackageChoice converted, unconverted, viewed;
  };
  std::vector<std::string> filters = {
      "nginx | curl | openssh-server | postgresql-15 | python3 | git",
      "Priority (required)",
      "mail-transport-agent, $Version (>= 1)",
      "Section (% *mail)",
      "$Source (% openssl*) | Description (~ IMAP)",
      "Multi-Arch (foreign), Essential (yes)"};
  std::vector<deb::Query> queries;
  for (const std::string& filter : filters) {
    queries.push_back(*deb::Query::Parse(filter));
  }
  std::vector<std::unique_ptr<Choices>> choices;
  for (const deb::Query& query : queries) {
    choices.push_back(std::make_unique<Choices>(&query));
  }
  deb::ParagraphReader reader(*text);
  deb::ParagraphReader view_reader(*text);
  deb::Paragraph stanza;
  deb::ParagraphView view;
  while (*reader.Next(&stanza)) {
    ASSERT_THAT(view_reader.Next(&view), IsOkAndHolds(true));
    absl::StatusOr<MirroredPackage> package =
        PackageFromPackagesStanza(stanza, IndexKind::kPackages);
    ASSERT_THAT(package, IsOk());
    absl::StatusOr<IndexedBinary> read =
        ReadPackagesStanza(stanza, IndexKind::kPackages);
    ASSERT_THAT(read, IsOk());
    absl::StatusOr<IndexedBinary> read_view =
        ReadPackagesStanza(view, IndexKind::kPackages);
    ASSERT_THAT(read_view, IsOk());
    EXPECT_EQ(read_view->key, package->package.key);
    EXPECT_EQ(read_view->provides, package->package.provides);
    bool kept = false;
    for (size_t i = 0; i < choices.size(); ++i) {
      SCOPED_TRACE(filters[i]);
      absl::StatusOr<bool> added = choices[i]->converted.Add(*package);
      ASSERT_THAT(added, IsOk());
      EXPECT_THAT(choices[i]->unconverted.Add(ChoosableStanza(*read, stanza)),
                  IsOkAndHolds(*added));
      EXPECT_THAT(choices[i]->viewed.Add(*read_view, view),
                  IsOkAndHolds(*added));
      kept = kept || *added;
    }
    if (kept) {
      // A stanza that may be kept is converted from its text, as the sync
      // reads it back from the stanza spool: the same package.
      absl::StatusOr<deb::Paragraph> spooled = deb::ParseParagraph(view.text());
      ASSERT_THAT(spooled, IsOk());
      absl::StatusOr<MirroredPackage> from_text =
          PackageFromPackagesStanza(*spooled, IndexKind::kPackages);
      ASSERT_THAT(from_text, IsOk());
      EXPECT_EQ(from_text->package.key, package->package.key);
      EXPECT_EQ(from_text->package.control, package->package.control);
      EXPECT_EQ(from_text->archive_paths, package->archive_paths);
    }
  }
  EXPECT_THAT(view_reader.Next(&view), IsOkAndHolds(false));
  for (size_t i = 0; i < choices.size(); ++i) {
    SCOPED_TRACE(filters[i]);
    absl::StatusOr<std::vector<bool>> expected = choices[i]->converted.Take();
    ASSERT_THAT(expected, IsOk());
    EXPECT_THAT(choices[i]->unconverted.Take(), IsOkAndHolds(*expected));
    EXPECT_THAT(choices[i]->viewed.Take(), IsOkAndHolds(*expected));
    EXPECT_GT(std::count(expected->begin(), expected->end(), true), 10);
  }
}

}  // namespace
}  // namespace debrepo::mirror
