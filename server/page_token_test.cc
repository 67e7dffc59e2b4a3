#include "server/page_token.h"

#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "proto/debrepo/v1/files.pb.h"

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

v1::UploadDirectory Named(const std::string& name) {
  v1::UploadDirectory item;
  item.set_name(name);
  return item;
}

std::string NameOf(const v1::UploadDirectory& item) { return item.name(); }

TEST(PageTokenTest, TakePageTrimsAndPointsAfterTheLastItem) {
  std::vector<v1::UploadDirectory> items = {Named("a"), Named("b"), Named("c")};
  std::string token = TakePage(items, 2, NameOf);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].name(), "b");
  EXPECT_THAT(DecodePageToken(token), IsOkAndHolds(std::string("b")));
  EXPECT_EQ(TakePage(items, 2, NameOf), "");
}

TEST(PageTokenTest, TakePageEndsEarlyAtTheByteBudget) {
  const std::string large(kMaxPageBytes * 3 / 4, 'x');
  std::vector<v1::UploadDirectory> items = {Named(large + "1"),
                                            Named(large + "2"), Named("3")};
  std::string token = TakePage(items, 100, NameOf);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_THAT(DecodePageToken(token), IsOkAndHolds(large + "1"));
  // An item alone over the budget still makes a page.
  std::vector<v1::UploadDirectory> huge = {Named(large + large), Named("b")};
  TakePage(huge, 100, NameOf);
  EXPECT_EQ(huge.size(), 1u);
}

TEST(PageTokenTest, TakePageIntoMovesThePageIntoTheResponse) {
  std::vector<v1::UploadDirectory> items = {Named("a"), Named("b"), Named("c")};
  v1::ListUploadDirectoriesResponse response;
  std::string token =
      TakePageInto(items, 2, NameOf, *response.mutable_directories());
  ASSERT_EQ(response.directories_size(), 2);
  EXPECT_EQ(response.directories(1).name(), "b");
  EXPECT_THAT(DecodePageToken(token), IsOkAndHolds(std::string("b")));
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
