// Query parsing and evaluation (storage/query_sql_test.cc tests the SQL).
#include "deb/query.h"

#include <string>

#include "absl/strings/match.h"
#include "common/status_matchers.h"
#include "deb/testing/apt_lists.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

const Paragraph& Nginx() {
  static const Paragraph* p = new Paragraph(*ParseParagraph(
      "Package: nginx-core\nSource: nginx (1.22.1-9)\nVersion: 1.22.1-9+b1\n"
      "Architecture: amd64\nPriority: optional\nSection: httpd\n"
      "Depends: libc6 (>= 2.34)\n"));
  return *p;
}

const Paragraph& Libc() {
  static const Paragraph* p = new Paragraph(
      *ParseParagraph("Package: libc6\nVersion: 2.36-9\nArchitecture: "
                      "amd64\nPriority: required\n"
                      "Multi-Arch: same\n"));
  return *p;
}

// Matches evaluates `query` against `stanza`, and against the same stanza
// read as a view, which must give the same answer.
bool Matches(absl::string_view query, const Paragraph& stanza,
             absl::string_view type = "deb") {
  absl::StatusOr<Query> q = Query::Parse(query);
  EXPECT_THAT(q, IsOk()) << query;
  if (!q.ok()) return false;
  const std::string text = stanza.ToString();
  ParagraphReader reader(text);
  ParagraphView view;
  EXPECT_THAT(reader.Next(&view), IsOkAndHolds(true)) << text;
  const bool matched = q->Matches(stanza, type);
  EXPECT_EQ(q->Matches(view, type), matched) << query << " of " << text;
  return matched;
}

TEST(QueryTest, FieldConditions) {
  EXPECT_TRUE(Matches("Priority (required)", Libc()));
  EXPECT_TRUE(Matches("Priority (= required)", Libc()));
  EXPECT_FALSE(Matches("Priority (required)", Nginx()));
  EXPECT_TRUE(Matches("Name (~ ^lib)", Libc()));
  EXPECT_TRUE(Matches("Name (~ c6$)", Libc()));
  EXPECT_FALSE(Matches("Name (~ ^lib)", Nginx()));
  EXPECT_TRUE(Matches("Name (% nginx-*)", Nginx()));
  EXPECT_FALSE(Matches("Name (% nginx)", Nginx()));
  EXPECT_TRUE(Matches("Name (% lib?[0-9])", Libc()));
  EXPECT_TRUE(Matches("Section (% http[!x])", Nginx()));
  EXPECT_TRUE(Matches("Multi-Arch", Libc()));
  EXPECT_FALSE(Matches("Multi-Arch", Nginx()));
  EXPECT_TRUE(Matches("Version (>= 1.22)", Nginx()));
  EXPECT_FALSE(Matches("Version (>> 1.22.1-9+b1)", Nginx()));
  EXPECT_TRUE(Matches("Version (<< 1.22.1-10)", Nginx()));
  EXPECT_TRUE(Matches("Name (~ \"^(nginx|apache)-\")", Nginx()));
  EXPECT_TRUE(Matches("Name (~ ^(nginx|apache)-)", Nginx()));
}

TEST(QueryTest, PseudoFields) {
  EXPECT_TRUE(Matches("$Source (nginx)", Nginx()));
  EXPECT_TRUE(Matches("$Source (libc6)", Libc()));
  EXPECT_TRUE(Matches("$Architecture (amd64)", Libc()));
  EXPECT_TRUE(Matches("$Version (= 2.36-9)", Libc()));
  EXPECT_TRUE(Matches("$PackageType (udeb)", Libc(), "udeb"));
  EXPECT_FALSE(Matches("$PackageType (source)", Libc()));
  for (absl::string_view field : PseudoFields()) {
    EXPECT_THAT(Query::Parse(field), IsOk()) << field;
  }
}

TEST(QueryTest, PackageConditions) {
  EXPECT_TRUE(Matches("nginx-core", Nginx()));
  EXPECT_TRUE(Matches("nginx-core (>= 1.2) {amd64}", Nginx()));
  EXPECT_FALSE(Matches("nginx-core (>= 1.2) {i386}", Nginx()));
  EXPECT_FALSE(Matches("nginx-core (<< 1.2)", Nginx()));
  EXPECT_TRUE(Matches("nginx-core {amd64}", Nginx()));
  EXPECT_TRUE(Matches("libc6_2.36-9_amd64", Libc()));
  EXPECT_FALSE(Matches("libc6_2.36-8_amd64", Libc()));
}

// An absent field satisfies no condition, so its negation holds.
TEST(QueryTest, AbsentFieldsSatisfyNoCondition) {
  EXPECT_TRUE(Matches("!Section (main)", Libc()));
  EXPECT_TRUE(Matches("!Section (% m*)", Libc()));
  EXPECT_TRUE(Matches("!Section (~ m)", Libc()));
  EXPECT_TRUE(Matches("!Section (>= 1)", Libc()));
  EXPECT_FALSE(Matches("!Section (httpd)", Nginx()));
}

TEST(QueryTest, FieldNamesAreCaseInsensitive) {
  EXPECT_TRUE(Matches("SECTION (httpd)", Nginx()));
  EXPECT_TRUE(Matches("Multi-arch (same)", Libc()));
  EXPECT_TRUE(Matches("NAME (libc6)", Libc()));
  EXPECT_TRUE(Matches("$architecture (amd64)", Libc()));
}

const Paragraph& Tzdata() {
  static const Paragraph* p = new Paragraph(*ParseParagraph(
      "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n"
      "Provides: tzdata-bookworm, tz-data (= 1)\n"
      "Description: time zone\n and daylight-saving time data\n"));
  return *p;
}

// aptly's MatchesArchitecture and MatchesDependency.
TEST(QueryTest, AptlyArchitectureAndDependencySemantics) {
  EXPECT_TRUE(Matches("tzdata {amd64}", Tzdata()));
  EXPECT_FALSE(Matches("tzdata {source}", Tzdata()));
  EXPECT_TRUE(Matches("$Architecture (= amd64)", Tzdata()));
  EXPECT_TRUE(Matches("$Architecture (all)", Tzdata()));
  EXPECT_FALSE(Matches("$Architecture (i386)", Libc()));
  EXPECT_FALSE(Matches("tzdata_2024a-0+deb12u1_amd64", Tzdata()));
  EXPECT_TRUE(Matches("tzdata_2024a-0+deb12u1_all", Tzdata()));
  EXPECT_TRUE(Matches("$Architecture (source)", Libc(), "source"));
  // A source package is named by its .dsc's Source, as in the name column.
  const Paragraph dsc = *ParseParagraph(
      "Format: 3.0 (quilt)\nSource: glibc\nBinary: libc6\n"
      "Architecture: any all\nVersion: 2.36-9\n");
  for (const char* query :
       {"glibc", "Name (glibc)", "Package (glibc)", "glibc (>= 2.36)",
        "glibc {source}", "$Architecture (source)"}) {
    EXPECT_TRUE(Matches(query, dsc, "source")) << query;
  }
  EXPECT_FALSE(Matches("libc6", dsc, "source"));
  // A bare name matches what Provides it; a versioned one does not.
  EXPECT_TRUE(Matches("tzdata-bookworm", Tzdata()));
  EXPECT_TRUE(Matches("tz-data {arm64}", Tzdata()));
  EXPECT_FALSE(Matches("tzdata-bookworm (>= 1)", Tzdata()));
  EXPECT_FALSE(Matches("tzdata-bo", Tzdata()));
  // Versions compare as versions.
  EXPECT_TRUE(Matches("$Version (= 0:2.36-9)", Libc()));
  EXPECT_TRUE(Matches("Version (2.36-9)", Libc()));
  EXPECT_FALSE(Matches("$Version (= 2.36)", Libc()));
  EXPECT_TRUE(
      Matches("$Version (= 1.0)", *ParseParagraph("Package: a\nVersion: "
                                                  "1.0-0\n")));
  // Version patterns on a package condition.
  EXPECT_TRUE(Matches("libc6 (% 2.36-*)", Libc()));
  EXPECT_FALSE(Matches("libc6 (% 2.35*)", Libc()));
  EXPECT_TRUE(Matches("libc6 (~ ^2\\.36)", Libc()));
  EXPECT_FALSE(Matches("nginx-core (~ ^2\\.36)", Libc()));
}

// "." matches a newline, as in PostgreSQL.
TEST(QueryTest, DotMatchesNewlineLikePostgres) {
  EXPECT_TRUE(Matches("Description (~ zone. and)", Tzdata()));
  EXPECT_TRUE(Matches("Description (% time*data)", Tzdata()));
}

TEST(QueryTest, BooleanStructureAndPrecedence) {
  EXPECT_TRUE(Matches("nginx-core | libc6", Libc()));
  EXPECT_FALSE(Matches("nginx-core, libc6", Libc()));
  EXPECT_TRUE(Matches("!nginx-core", Libc()));
  EXPECT_TRUE(Matches("!!libc6", Libc()));
  // ',' binds tighter than '|'.
  EXPECT_TRUE(Matches("libc6 | nginx-core, Priority (extra)", Libc()));
  EXPECT_FALSE(Matches("(libc6 | nginx-core), Priority (extra)", Libc()));
  EXPECT_TRUE(
      Matches("Priority (required), !($Architecture (i386) | Section (httpd))",
              Libc()));
}

class BadQueryTest
    : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(BadQueryTest, IsRejectedWithOffset) {
  absl::StatusOr<Query> q = Query::Parse(GetParam().first);
  EXPECT_THAT(q, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(q.status().message()), HasSubstr(GetParam().second));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, BadQueryTest,
    ::testing::Values(
        std::make_pair("", "empty query"),
        std::make_pair("Name (~ lib", "offset 11: expected ')'"),
        std::make_pair("(nginx", "offset 6: expected ')'"),
        std::make_pair("nginx |", "offset 7: expected a field name"),
        std::make_pair("nginx, , x", "offset 7: expected"),
        std::make_pair("Name (~ [a-)", "bad pattern"),
        std::make_pair("Version (>= x1)", "does not start with digit"),
        std::make_pair("$Bogus (x)", "unknown pseudo-field"),
        std::make_pair("nginx (~ [x)", "bad pattern"),
        std::make_pair("Name (~ \\bfoo)", "construct \"\\b\""),
        std::make_pair("Name (~ foo\\z)", "construct \"\\z\""),
        std::make_pair("Name (~ \\Qa.b\\E)", "construct \"\\Q\""),
        std::make_pair("Name (~ \\p{Greek})", "construct \"\\p\""),
        std::make_pair("Name (~ a\\C)", "construct \"\\C\""),
        std::make_pair("Name (~ (?P<n>x))", "construct \"(?P<\""),
        std::make_pair("Version (= x1)", "does not start with digit"),
        std::make_pair("nginx {amd64", "expected {architecture}"),
        std::make_pair("nginx )", "offset 6: unexpected ')'"),
        std::make_pair("a_b", "name_version_arch")));

TEST(QueryTest, RejectsDeepNestingWithoutCrashing) {
  std::string deep(100000, '(');
  EXPECT_THAT(Query::Parse(deep + "nginx"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Query::Parse(std::string(100000, '!') + "nginx"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Over the real index, query results agree with direct checks of the data.
TEST(QueryTest, SelectsFromTheRealIndex) {
  absl::StatusOr<std::string> index =
      testing::ReadDecompressedFile(*testing::FindAptPackagesIndex());
  ASSERT_THAT(index, IsOk());
  Query required = *Query::Parse("Priority (required), !Name (% lib*)");
  Query openssl = *Query::Parse("$Source (openssl), Version (>= 3)");
  int required_count = 0, required_expected = 0, openssl_count = 0,
      openssl_expected = 0;
  ParagraphReader reader(*index);
  Paragraph p;
  while (*reader.Next(&p)) {
    required_count += required.Matches(p);
    required_expected += p.GetOrEmpty("Priority") == "required" &&
                         !absl::StartsWith(p.GetOrEmpty("Package"), "lib");
    openssl_count += openssl.Matches(p);
    // Source is "name" or "name (version)", or absent when equal to Package.
    std::string source(p.Has("Source") ? p.GetOrEmpty("Source")
                                       : p.GetOrEmpty("Package"));
    source = source.substr(0, source.find(' '));
    openssl_expected +=
        source == "openssl" && p.GetOrEmpty("Version")[0] >= '3';
  }
  EXPECT_GT(required_expected, 10);
  EXPECT_EQ(required_count, required_expected);
  EXPECT_GT(openssl_expected, 2);
  EXPECT_EQ(openssl_count, openssl_expected);
}

}  // namespace
}  // namespace debrepo::deb
