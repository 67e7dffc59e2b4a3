// Splitting clear-signed messages, and refusing text outside the signature.
#include "deb/clearsign.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::string_view kSignature =
    "-----BEGIN PGP SIGNATURE-----\n"
    "\n"
    "iHUEARYIAB0WIQTLZ7/wUbZTtfQFb8f2ipTWcH2jNgUCawj8LQAKCRD2ipTWcH2j\n"
    "=L8J6\n"
    "-----END PGP SIGNATURE-----\n";

std::string Signed(absl::string_view body) {
  return absl::StrCat("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n",
                      body, kSignature);
}

TEST(ClearSignTest, SplitsTextAndSignatureAndUndoesDashEscaping) {
  std::string message = Signed("Origin: Debian\n- -not a header\nSuite: x\n");
  EXPECT_TRUE(IsClearSigned("\n  " + message));
  absl::StatusOr<ClearSigned> split = SplitClearSigned(message + "\n\n");
  ASSERT_THAT(split, IsOk());
  EXPECT_EQ(split->text, "Origin: Debian\n-not a header\nSuite: x\n");
  EXPECT_EQ(split->signature, kSignature);
}

TEST(ClearSignTest, AcceptsCrLfLineEnds) {
  std::string message = Signed("A: 1\n");
  std::string crlf;
  for (char c : message) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  absl::StatusOr<ClearSigned> split = SplitClearSigned(crlf);
  ASSERT_THAT(split, IsOk());
  EXPECT_EQ(split->text, "A: 1\n");
}

TEST(ClearSignTest, RejectsUnsignedTextAndBrokenFraming) {
  auto expect_invalid = [](absl::string_view message, absl::string_view what) {
    absl::StatusOr<ClearSigned> split = SplitClearSigned(message);
    EXPECT_THAT(split, StatusIs(absl::StatusCode::kInvalidArgument)) << message;
    EXPECT_THAT(std::string(split.status().message()), HasSubstr(what));
  };
  EXPECT_FALSE(IsClearSigned("Origin: Debian\n"));
  expect_invalid("Origin: Debian\n", "line 1: expected");
  expect_invalid("Injected: yes\n" + Signed("A: 1\n"), "line 1: expected");
  expect_invalid(Signed("A: 1\n") + "Injected: yes\n",
                 "text after the signature");
  expect_invalid(Signed("A: 1\n-bad\n"), "line 5: unescaped");
  expect_invalid("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nA: 1\n",
                 "no signature block");
  expect_invalid("-----BEGIN PGP SIGNED MESSAGE-----\nHash SHA256\n\nA: 1\n",
                 "bad armor header");
  expect_invalid(
      "-----BEGIN PGP SIGNED MESSAGE-----\n\nA: 1\n-----BEGIN PGP "
      "SIGNATURE-----\nx\n",
      "not terminated");
}

// JoinClearSigned is the inverse of SplitClearSigned for canonical input.
// The signature does not cover trailing blanks, so the text does not keep
// them; found by clearsign_fuzzer, where "x\r\r\n" split to "x\r\n" and
// then, joined and split again, to "x\n".
TEST(ClearSignTest, DropsTrailingBlanksTheSignatureDoesNotCover) {
  absl::StatusOr<ClearSigned> split =
      SplitClearSigned(Signed("A: 1 \t\r\r\n\r\r\n- B: 2  \n- \n"));
  ASSERT_THAT(split, IsOk());
  EXPECT_EQ(split->text, "A: 1\n\nB: 2\n\n");
  absl::StatusOr<ClearSigned> again = SplitClearSigned(JoinClearSigned(*split));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->text, split->text);
}

TEST(ClearSignTest, JoinsWhatItSplits) {
  for (absl::string_view text : {"A: 1\n- - B: 2\n- -x\n\nC: 3\n", "", "\n"}) {
    std::string message = Signed(text);
    absl::StatusOr<ClearSigned> split = SplitClearSigned(message);
    ASSERT_THAT(split, IsOk());
    EXPECT_EQ(split->armor_headers, "Hash: SHA256\n");
    EXPECT_EQ(JoinClearSigned(*split), message);
  }
}

}  // namespace
}  // namespace debrepo::deb
