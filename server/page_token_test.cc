#include "server/page_token.h"

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace debrepo::server {
namespace {

using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;

TEST(PageTokenTest, RoundTrips) {
  EXPECT_THAT(DecodePageToken(EncodePageToken("repo-9")),
              IsOkAndHolds(std::string("repo-9")));
  EXPECT_THAT(DecodePageToken(""), IsOkAndHolds(std::string()));
}

TEST(PageTokenTest, RejectsForeignTokens) {
  EXPECT_THAT(DecodePageToken("not base64!"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodePageToken("aGVsbG8"),  // "hello": no prefix
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageTokenTest, TakePageTrimsAndPointsAfterTheLastItem) {
  std::vector<std::string> items = {"a", "b", "c"};
  auto name = [](const std::string& item) { return item; };
  std::string token = TakePage(items, 2, name);
  EXPECT_EQ(items, (std::vector<std::string>{"a", "b"}));
  EXPECT_THAT(DecodePageToken(token), IsOkAndHolds(std::string("b")));
  EXPECT_EQ(TakePage(items, 2, name), "");
}

TEST(PageTokenTest, ClampsPageSize) {
  EXPECT_EQ(PageSize(0), 100);
  EXPECT_EQ(PageSize(-5), 100);
  EXPECT_EQ(PageSize(7), 7);
  EXPECT_EQ(PageSize(5000), 1000);
  EXPECT_EQ(PackagePageSize(50000, /*details=*/false), 10000);
  EXPECT_EQ(PackagePageSize(50000, /*details=*/true), 1000);
}

}  // namespace
}  // namespace debrepo::server
