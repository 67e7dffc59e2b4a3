// Compiling package queries to SQL (tests/packages_e2e_test.cc runs
// queries against PostgreSQL).
#include "storage/query_sql.h"

#include <string>

#include "absl/strings/match.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::storage {
namespace {

using ::debrepo::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

SqlCondition Compile(absl::string_view text, int first_parameter = 1) {
  absl::StatusOr<deb::Query> query = deb::Query::Parse(text);
  EXPECT_THAT(query, IsOk()) << text;
  if (!query.ok()) return {};
  return QueryToSql(*query, first_parameter);
}

// Every predicate is "IS TRUE" so that SQL's NULL for an absent field does
// not swallow the NOT: the negation holds, as in Matches().
TEST(QueryToSqlTest, AbsentFieldsSatisfyNoCondition) {
  for (const char* text :
       {"!Section (main)", "!Section (% m*)", "!Section (~ m)",
        "!Section (>= 1)", "!$Source (x)", "!nginx {amd64}"}) {
    SqlCondition sql = Compile(text);
    EXPECT_TRUE(absl::StartsWith(sql.sql, "(NOT ((")) << sql.sql;
    EXPECT_TRUE(absl::EndsWith(sql.sql, " IS TRUE))")) << sql.sql;
  }
}

// Fields are looked up by their canonical (lower-case) name.
TEST(QueryToSqlTest, FieldNamesAreCanonical) {
  EXPECT_EQ(CanonicalFieldName("Multi-Arch"), "multi-arch");
  SqlCondition sql = Compile("SECTION (httpd), NAME (x)");
  EXPECT_THAT(sql.parameters, ElementsAre("section", "httpd", "x"));
  EXPECT_EQ(sql.sql,
            "((((fields->>$1) = $2) IS TRUE) AND ((name = $3) IS TRUE))");
}

// A pseudo-field is a column, never a lookup of a control field named
// "$...".
TEST(QueryToSqlTest, EveryPseudoFieldIsAColumn) {
  for (absl::string_view field : deb::PseudoFields()) {
    SqlCondition sql = Compile(field);
    EXPECT_THAT(sql.sql, Not(HasSubstr("fields->>"))) << field;
    EXPECT_TRUE(sql.parameters.empty()) << field;
  }
}

// aptly's MatchesArchitecture and MatchesDependency.
TEST(QueryToSqlTest, AptlyArchitectureAndDependencySemantics) {
  SqlCondition sql = Compile("tzdata {amd64}, $Architecture (i386), a (% 1*)");
  EXPECT_EQ(sql.sql,
            "((((name = $1 OR $1 = ANY(provides)) AND (architecture = $2 OR "
            "(architecture = 'all' AND $2 <> 'source'))) IS TRUE) AND "
            "((architecture = $3 OR (architecture = 'all' AND $3 <> "
            "'source')) IS TRUE) AND "
            "((name = $4 AND version ~ $5) IS TRUE))");
  EXPECT_THAT(sql.parameters,
              ElementsAre("tzdata", "amd64", "i386", "a", "^1.*$"));
  sql = Compile("$Version (= 1.0), tzdata_1_all");
  EXPECT_EQ(sql.sql,
            "(((debversion_cmp(version, $1) = 0) IS TRUE) AND "
            "((name = $2 AND debversion_cmp(version, $3) = 0 AND "
            "architecture = $4) IS TRUE))");
  // Plain "Architecture" is the column compared as text.
  sql = Compile("Architecture (amd64)");
  EXPECT_EQ(sql.sql, "((architecture = $1) IS TRUE)");
}

TEST(QueryToSqlTest, CompilesToParameterisedSql) {
  SqlCondition sql = Compile(
      "Name (~ ^lib), (Priority (required) | nginx (>= 1.2) {amd64}), "
      "!Essential, "
      "$Source (x'; DROP TABLE packages; --)",
      3);
  EXPECT_EQ(sql.sql,
            "(((name ~ $3) IS TRUE) AND ((((fields->>$4) = $5) IS TRUE) OR "
            "((name = $6 AND debversion_cmp(version, $7) >= 0 AND "
            "(architecture = $8 OR (architecture = 'all' AND $8 <> "
            "'source'))) IS TRUE)) AND "
            "(NOT (((fields->>$9) IS NOT NULL) IS TRUE)) AND "
            "((source = $10) IS TRUE))");
  EXPECT_THAT(sql.parameters,
              ElementsAre("^lib", "priority", "required", "nginx", "1.2",
                          "amd64", "essential", "x'; DROP TABLE packages; --"));
}

TEST(QueryToSqlTest, CompilesGlobsAndVersionsToSql) {
  SqlCondition sql = Compile("Name (% lib*.so?), Version (<< 2:1.0)");
  EXPECT_EQ(sql.sql,
            "(((name ~ $1) IS TRUE) AND "
            "((debversion_cmp(version, $2) < 0) IS TRUE))");
  EXPECT_THAT(sql.parameters, ElementsAre("^lib.*\\.so.$", "2:1.0"));
}

}  // namespace
}  // namespace debrepo::storage
