// Version parsing and ordering on Debian Policy examples.
#include "deb/version.h"

#include <compare>
#include <string>
#include <type_traits>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

Version V(absl::string_view text) {
  absl::StatusOr<Version> v = Version::Parse(text);
  EXPECT_THAT(v, IsOk()) << text;
  return *v;
}

// dpkg weighs bytes from 0x80 as signed chars: 128..255, below '+' (299).
TEST(VersionTest, OrdersHighBytesLikeDpkg) {
  EXPECT_LT(CompareVersionParts("1\x80", "1+"), 0);
  EXPECT_LT(CompareVersionParts("1\xff", "1."), 0);
  EXPECT_GT(CompareVersionParts("1\x80", "1z"), 0);
  EXPECT_LT(CompareVersionParts("1\x80", "1\xff"), 0);
}

// Equal versions need not be the same spelling: the ordering is weak.
TEST(VersionTest, OrderingIsWeak) {
  static_assert(
      std::is_same_v<decltype(V("1") <=> V("1")), std::weak_ordering>);
  EXPECT_TRUE(V("1.0") == V("0:1.0-0"));
  EXPECT_NE(V("1.0").ToString(), V("0:1.0-0").ToString());
  EXPECT_EQ(V("\t1.0 ").ToString(), "1.0");
}

TEST(VersionTest, SplitsEpochUpstreamAndRevision) {
  Version v = V("2:1.0-rc1-3ubuntu1");
  EXPECT_EQ(v.epoch(), 2);
  EXPECT_EQ(v.upstream(), "1.0-rc1");
  EXPECT_EQ(v.revision(), "3ubuntu1");
  EXPECT_EQ(v.ToString(), "2:1.0-rc1-3ubuntu1");

  Version plain = V("  1.2.3  ");
  EXPECT_EQ(plain.epoch(), 0);
  EXPECT_EQ(plain.upstream(), "1.2.3");
  EXPECT_EQ(plain.revision(), "");
  EXPECT_EQ(plain.ToString(), "1.2.3");
  EXPECT_EQ(V("0:1.2").ToString(), "0:1.2");
  EXPECT_EQ(V("1:2:3-4").upstream(), "2:3");
}

struct Invalid {
  const char* text;
  const char* problem;
};

class InvalidVersionTest : public ::testing::TestWithParam<Invalid> {};

TEST_P(InvalidVersionTest, IsRejectedWithDpkgsReason) {
  absl::StatusOr<Version> v = Version::Parse(GetParam().text);
  EXPECT_THAT(v, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(v.status().message()), HasSubstr(GetParam().problem));
}

INSTANTIATE_TEST_SUITE_P(
    DpkgRules, InvalidVersionTest,
    ::testing::Values(Invalid{"", "empty"}, Invalid{"   ", "empty"},
                      Invalid{"1 0", "embedded spaces"},
                      Invalid{"1.0\n", "embedded spaces"},
                      Invalid{"1.0\r", "embedded spaces"},
                      Invalid{"\n1.0", "embedded spaces"},
                      Invalid{":1.0", "epoch in version is empty"},
                      Invalid{"a:1.0", "epoch in version is not number"},
                      Invalid{"-1:1.0", "epoch in version is not number"},
                      Invalid{"99999999999:1.0", "too big"},
                      Invalid{"1:", "nothing after colon"},
                      Invalid{"1.0-", "revision number is empty"},
                      Invalid{"-1", "version number is empty"},
                      Invalid{"a1.0", "does not start with digit"},
                      Invalid{"1.0_1", "invalid character in version"},
                      Invalid{"1:1.0-1:2", "invalid character in revision"},
                      Invalid{"1.0-1_2", "invalid character in revision"}));

struct Ordered {
  const char* lower;
  const char* higher;
};

class VersionOrderTest : public ::testing::TestWithParam<Ordered> {};

TEST_P(VersionOrderTest, OrdersLikeDpkg) {
  Version lower = V(GetParam().lower);
  Version higher = V(GetParam().higher);
  EXPECT_LT(lower, higher);
  EXPECT_GT(higher, lower);
  EXPECT_NE(lower, higher);
}

INSTANTIATE_TEST_SUITE_P(
    Policy, VersionOrderTest,
    ::testing::Values(Ordered{"1.0~rc1", "1.0"}, Ordered{"1.0~~", "1.0~"},
                      Ordered{"1.0~~a", "1.0~"}, Ordered{"1.0", "1.0a"},
                      Ordered{"1.0a", "1.0+"}, Ordered{"1.0", "1.0-1"},
                      Ordered{"1.0-1", "1.0+b1"}, Ordered{"1.9", "1.10"},
                      Ordered{"2.0", "1:0.1"}, Ordered{"1.0-1", "1.0-1.1"},
                      Ordered{"1.0-1~bpo1", "1.0-1"}, Ordered{"1.0.", "1.0.a"},
                      Ordered{"1:1.0-9", "2:0.1-0"}, Ordered{"0.9Z", "0.9a"},
                      Ordered{"1.0.0", "1.0.0.0"}, Ordered{"1.2a", "1.2b"}));

TEST(VersionTest, EqualSpellings) {
  EXPECT_EQ(V("1.0"), V("0:1.0"));
  EXPECT_EQ(V("1.0"), V("1.0-0"));
  EXPECT_EQ(V("1.002"), V("1.2"));
  EXPECT_EQ(V("1.0-00"), V("1.0"));
  EXPECT_EQ(CompareVersionParts("", ""), 0);
  EXPECT_LT(CompareVersionParts("~", ""), 0);
}

}  // namespace
}  // namespace debrepo::deb
