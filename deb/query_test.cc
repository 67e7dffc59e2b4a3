// Query parsing, evaluation and SQL compilation.
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
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
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

bool Matches(absl::string_view query, const Paragraph& stanza,
             absl::string_view type = "deb") {
  absl::StatusOr<Query> q = Query::Parse(query);
  EXPECT_THAT(q, IsOk()) << query;
  return q.ok() && q->Matches(stanza, type);
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

TEST(QueryTest, CompilesToParameterisedSql) {
  absl::StatusOr<Query> q = Query::Parse(
      "Name (~ ^lib), (Priority (required) | nginx (>= 1.2) {amd64}), "
      "!Essential, "
      "$Source (x'; DROP TABLE packages; --)");
  ASSERT_THAT(q, IsOk());
  SqlCondition sql = q->ToSql(3);
  EXPECT_EQ(sql.sql,
            "((name ~ $3) AND (((fields->>$4) = $5) OR (name = $6 AND "
            "debversion_cmp(version, $7) >= 0 AND architecture = $8)) AND "
            "(NOT ((fields->>$9) IS NOT NULL)) AND (source = $10))");
  EXPECT_THAT(sql.parameters,
              ElementsAre("^lib", "Priority", "required", "nginx", "1.2",
                          "amd64", "Essential", "x'; DROP TABLE packages; --"));
}

TEST(QueryTest, CompilesGlobsAndVersionsToSql) {
  SqlCondition sql =
      Query::Parse("Name (% lib*.so?), Version (<< 2:1.0)")->ToSql();
  EXPECT_EQ(sql.sql, "((name ~ $1) AND (debversion_cmp(version, $2) < 0))");
  EXPECT_THAT(sql.parameters, ElementsAre("^lib.*\\.so.$", "2:1.0"));
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
        std::make_pair("nginx (~ x)", "takes a version relation"),
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
