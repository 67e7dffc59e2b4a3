#include "fetch/curl_transfer.h"

#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::fetch {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

TEST(CheckHttpUrlTest, AcceptsOnlyHttpAndHttps) {
  EXPECT_THAT(CheckHttpUrl("http://deb.debian.org/debian/"), IsOk());
  EXPECT_THAT(CheckHttpUrl("HTTPS://deb.debian.org/debian/"), IsOk());
  EXPECT_THAT(CheckHttpUrl("ftp://deb.debian.org/debian/"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckHttpUrl("file:///etc/passwd"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckHttpUrl("deb.debian.org/debian"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckHttpUrl("http:deb.debian.org"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CheckRedirectTest, FollowsHttpAndHttpsAndUpgrades) {
  EXPECT_THAT(CheckRedirect("http://a/x", "http://b/x"), IsOk());
  EXPECT_THAT(CheckRedirect("http://a/x", "https://b/x"), IsOk());
  EXPECT_THAT(CheckRedirect("https://a/x", "https://b/x"), IsOk());
}

TEST(CheckRedirectTest, RefusesOtherSchemesNamingBothUrls) {
  for (const char* target :
       {"file:///etc/passwd", "ftp://a/x", "gopher://a/", "data:,x", "x"}) {
    const absl::Status status = CheckRedirect("http://a/x", target);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition))
        << target;
    EXPECT_THAT(status.message(), HasSubstr("http://a/x")) << target;
    EXPECT_THAT(status.message(), HasSubstr(target)) << target;
  }
}

TEST(CheckRedirectTest, RefusesHttpsToHttp) {
  const absl::Status status = CheckRedirect("https://a/x", "HTTP://a/x");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("from https to plain http"));
}

TEST(RetryDelayTest, DoublesWithJitterUpToThirtySeconds) {
  const absl::Duration first = absl::Milliseconds(100);
  for (int i = 0; i < 100; ++i) {
    const absl::Duration one = RetryDelay(1, first);
    EXPECT_GE(one, first * 0.5);
    EXPECT_LT(one, first * 1.5);
    const absl::Duration three = RetryDelay(3, first);
    EXPECT_GE(three, first * 2);
    EXPECT_LT(three, first * 6);
    const absl::Duration many = RetryDelay(40, first);
    EXPECT_GE(many, absl::Seconds(15));
    EXPECT_LT(many, absl::Seconds(45));
  }
}

}  // namespace
}  // namespace debrepo::fetch
