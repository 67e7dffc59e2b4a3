#include "cli/queries.h"

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

TEST(QueryFromArgumentsTest, OneQueryIsSentAsItIs) {
  EXPECT_THAT(QueryFromArguments({"Name (~ ^lib), $Architecture (amd64)"}),
              IsOkAndHolds("Name (~ ^lib), $Architecture (amd64)"));
}

TEST(QueryFromArgumentsTest, SeveralArgumentsAreOredAsAptlyDoes) {
  // aptly's own example: `aptly repo remove testing nginx-common
  // 'nginx-full (>= 1.2)'` names two queries.
  EXPECT_THAT(QueryFromArguments({"nginx-common", "nginx-full (>= 1.2)"}),
              IsOkAndHolds("(nginx-common) | (nginx-full (>= 1.2))"));
}

TEST(QueryFromArgumentsTest, NoArgumentsMatchEverything) {
  EXPECT_THAT(QueryFromArguments({}), IsOkAndHolds(""));
}

TEST(QueryFromArgumentsTest, ABadArgumentIsNamedOnItsOwn) {
  const absl::StatusOr<std::string> query =
      QueryFromArguments({"nx-a", "Name (", "nx-b"});
  EXPECT_THAT(query, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(query.status().message(), HasSubstr("query \"Name (\""));
  EXPECT_FALSE(IsUsageError(query.status()));
}

TEST(QueryFromArgumentsTest, ABlankArgumentIsAUsageError) {
  const absl::StatusOr<std::string> query = QueryFromArguments({"nx-a", " "});
  EXPECT_TRUE(IsUsageError(query.status()));
  EXPECT_THAT(query.status().message(), HasSubstr("QUERY \" \" is empty"));
}

TEST(QueryFromArgumentsTest, AtFileReadsAQuery) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/query");
  std::ofstream(path) << "Name (nx-a) |\n  Name (nx-b)\n";
  EXPECT_THAT(QueryFromArguments({absl::StrCat("@", path)}),
              IsOkAndHolds("Name (nx-a) |\n  Name (nx-b)"));
  EXPECT_THAT(QueryFromArguments({absl::StrCat("@", path), "nx-c"}),
              IsOkAndHolds("(Name (nx-a) |\n  Name (nx-b)) | (nx-c)"));

  std::ofstream(path) << "Name (";
  const absl::StatusOr<std::string> bad =
      QueryFromArguments({absl::StrCat("@", path)});
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(bad.status().message(),
              HasSubstr(absl::StrCat("(from ", path, ")")));
  const absl::StatusOr<std::string> missing =
      QueryFromArguments({"@/no/such/file"});
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(missing.status().message(),
              HasSubstr("cannot read /no/such/file"));
}

}  // namespace
}  // namespace debrepo::cli
