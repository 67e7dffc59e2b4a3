// Signs messages with a throw-away GnuPG key and checks them with gpgv.
#include "deb/gpgv_verifier.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_replace.h"
#include "common/status_matchers.h"
#include "deb/clearsign.h"
#include "deb/testing/gpg_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::deb::testing::Gpg;
using ::debrepo::deb::testing::MakeTestKey;
using ::debrepo::deb::testing::RemoveTestKey;
using ::debrepo::deb::testing::TestKey;

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

std::string ClearSign(const TestKey& key, absl::string_view text,
                      std::vector<std::string> options = {}) {
  options.push_back("--clearsign");
  return Gpg(key.home, options, text);
}

// Keyring writes `bytes` to a file `name` in the test's temporary directory
// and returns its path.
std::string Keyring(const std::string& name, absl::string_view bytes) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

GpgvVerifier Verifier(std::vector<std::string> keyrings) {
  absl::StatusOr<GpgvVerifier> verifier =
      GpgvVerifier::Create(std::move(keyrings));
  EXPECT_THAT(verifier, IsOk());
  return *std::move(verifier);
}

class GpgvVerifierTest : public testing::TwoKeysTest {};

constexpr absl::string_view kRelease =
    "Origin: Test\nSuite: stable\n- Dashed: line\nSHA256:\n abc 1 "
    "main/Packages\n";

TEST_F(GpgvVerifierTest, AcceptsAGoodSignatureAndNamesTheSigner) {
  std::string message = ClearSign(*signer_, kRelease);
  GpgvVerifier verifier = Verifier({signer_->keyring});
  absl::StatusOr<VerifiedMessage> verified =
      verifier.VerifyClearSigned(message);
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->signer.fingerprint, signer_->fingerprint);
  EXPECT_EQ(verified->signer.key_id, signer_->fingerprint.substr(24));
  // The verified text is returned, dash-escaping undone.
  EXPECT_EQ(verified->text, kRelease);
  // Several keyrings: the signer may be in any of them.
  GpgvVerifier both = Verifier({stranger_->keyring, signer_->keyring});
  EXPECT_THAT(both.VerifyClearSigned(message), IsOk());
  // CRLF line ends are the same signed text.
  std::string crlf = absl::StrReplaceAll(message, {{"\n", "\r\n"}});
  verified = verifier.VerifyClearSigned(crlf);
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->text, kRelease);
}

TEST(GpgvVerifierCreateTest, RejectsEmptyAndRelativeKeyrings) {
  EXPECT_THAT(GpgvVerifier::Create({}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(GpgvVerifier::Create({"trustedkeys.gpg"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(GpgvVerifier::Create({"/etc/apt/keyrings/a.gpg", "b.gpg"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(GpgvVerifier::Create({""}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A path that cannot be read is refused at once, not on every upload.
  absl::StatusOr<GpgvVerifier> missing =
      GpgvVerifier::Create({"/nonexistent/debrepo/trusted.gpg"});
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(missing.status().message(), HasSubstr("cannot read keyring"));
  const std::string keyring =
      std::string(std::getenv("TEST_TMPDIR")) + "/empty.gpg";
  std::ofstream(keyring) << "";
  EXPECT_THAT(GpgvVerifier::Create({keyring}), IsOk());
}

// A gpgv that writes a status line before the first signature's (as some
// builds write KEY_CONSIDERED) reports no signature of its own.
TEST_F(GpgvVerifierTest, IgnoresStatusLinesBeforeTheFirstSignature) {
  const std::string bin = std::string(std::getenv("TEST_TMPDIR")) + "/bin";
  ASSERT_EQ(mkdir(bin.c_str(), 0755), 0);
  std::ofstream(bin + "/gpgv") << "#!/bin/sh\n"
                                  "echo '[GNUPG:] KEY_CONSIDERED "
                                  "0123456789ABCDEF0123456789ABCDEF01234567"
                                  " 0'\n"
                                  "exec /usr/bin/gpgv \"$@\"\n";
  ASSERT_EQ(chmod((bin + "/gpgv").c_str(), 0755), 0);
  const std::string path = std::getenv("PATH");
  setenv("PATH", (bin + ":" + path).c_str(), 1);
  std::string message = ClearSign(*signer_, kRelease);
  GpgvVerifier verifier = Verifier({signer_->keyring});
  absl::StatusOr<VerifiedMessage> all = verifier.VerifyClearSigned(message);
  absl::StatusOr<VerifiedMessage> any =
      verifier.VerifyClearSignedByAnyKey(message);
  setenv("PATH", path.c_str(), 1);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->signer.fingerprint, signer_->fingerprint);
  EXPECT_THAT(any, IsOk());
}

TEST_F(GpgvVerifierTest, RejectsWeakDigests) {
  std::string message =
      ClearSign(*signer_, kRelease, {"--digest-algo", "SHA1"});
  ASSERT_THAT(message, HasSubstr("Hash: SHA1"));
  absl::StatusOr<VerifiedMessage> verified =
      Verifier({signer_->keyring}).VerifyClearSigned(message);
  EXPECT_THAT(verified, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(verified.status().message()),
              HasSubstr("weak digest algorithm 2"));
}

// Unsigned text around the signed part never reaches the caller.
TEST_F(GpgvVerifierTest, ReturnsOnlyTheSignedText) {
  std::string message = ClearSign(*signer_, kRelease);
  EXPECT_THAT(Verifier({signer_->keyring})
                  .VerifyClearSigned("Origin: Evil\n" + message),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Verifier({signer_->keyring})
                  .VerifyClearSigned(message + "Origin: Evil\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(GpgvVerifierTest, RejectsATamperedMessage) {
  std::string message = absl::StrReplaceAll(
      ClearSign(*signer_, kRelease), {{"Suite: stable", "Suite: evil!"}});
  absl::StatusOr<VerifiedMessage> who =
      Verifier({signer_->keyring}).VerifyClearSigned(message);
  EXPECT_THAT(who, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(who.status().message()), HasSubstr("bad signature"));
}

TEST_F(GpgvVerifierTest, RejectsAnUnknownKey) {
  std::string message = ClearSign(*stranger_, kRelease);
  absl::StatusOr<VerifiedMessage> who =
      Verifier({signer_->keyring}).VerifyClearSigned(message);
  EXPECT_THAT(who, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(who.status().message()),
              HasSubstr("unknown key " + stranger_->fingerprint.substr(24)));
}

TEST_F(GpgvVerifierTest, RejectsUnsignedInput) {
  EXPECT_THAT(Verifier({signer_->keyring}).VerifyClearSigned(kRelease),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// An archive signed by its current and its next key, or by a key of the
// keyring and one of another archive, verifies with the keyring's key alone.
TEST_F(GpgvVerifierTest, ByAnyKeyAcceptsOneGoodSignatureAmongOthers) {
  TestKey both = MakeTestKey("both");
  for (const TestKey* key : {signer_, stranger_}) {
    Gpg(both.home,
        {"--pinentry-mode", "loopback", "--passphrase", "", "--import"},
        Gpg(key->home, {"--pinentry-mode", "loopback", "--passphrase", "",
                        "--export-secret-keys"}));
  }
  std::string message = ClearSign(
      both, kRelease,
      {"-u", stranger_->fingerprint + "!", "-u", signer_->fingerprint + "!"});
  RemoveTestKey(both);
  absl::StatusOr<VerifiedMessage> verified =
      Verifier({signer_->keyring}).VerifyClearSignedByAnyKey(message);
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->text, kRelease);
  EXPECT_EQ(verified->signer.fingerprint, signer_->fingerprint);
  // The all-good rule of uploads refuses the stranger's signature.
  EXPECT_THAT(Verifier({signer_->keyring}).VerifyClearSigned(message),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // Neither key known: the first signature's problem.
  absl::StatusOr<VerifiedMessage> unknown =
      Verifier({Keyring("none.gpg", "")}).VerifyClearSignedByAnyKey(message);
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("unknown key " + stranger_->fingerprint.substr(24)));
  // Tampered: the keyring key's signature is BAD, which fails.
  absl::StatusOr<VerifiedMessage> tampered =
      Verifier({signer_->keyring})
          .VerifyClearSignedByAnyKey(absl::StrReplaceAll(
              message, {{"Suite: stable", "Suite: evil!"}}));
  EXPECT_THAT(tampered, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      std::string(tampered.status().message()),
      HasSubstr("bad signature by key " + signer_->fingerprint.substr(24)));
}

TEST_F(GpgvVerifierTest, ByAnyKeyRefusesOnlyStrangersAndWeakDigests) {
  absl::StatusOr<VerifiedMessage> stranger =
      Verifier({signer_->keyring})
          .VerifyClearSignedByAnyKey(ClearSign(*stranger_, kRelease));
  EXPECT_THAT(stranger, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(stranger.status().message()),
              HasSubstr("unknown key"));
  EXPECT_THAT(Verifier({signer_->keyring})
                  .VerifyClearSignedByAnyKey(
                      ClearSign(*signer_, kRelease, {"--digest-algo", "SHA1"})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Verifier({signer_->keyring}).VerifyClearSignedByAnyKey(kRelease),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Release + Release.gpg: armoured or binary, over the exact bytes.
TEST_F(GpgvVerifierTest, VerifiesDetachedSignatures) {
  const std::string data = "Origin: Test\nSuite: stable  \n";
  GpgvVerifier verifier = Verifier({signer_->keyring});
  for (bool armor : {true, false}) {
    std::vector<std::string> args = {"--detach-sign"};
    if (armor) args.push_back("--armor");
    std::string signature = Gpg(signer_->home, args, data);
    absl::StatusOr<Signer> signer =
        verifier.VerifyDetachedByAnyKey(data, signature);
    ASSERT_THAT(signer, IsOk()) << armor;
    EXPECT_EQ(signer->fingerprint, signer_->fingerprint);
    // Trailing spaces are covered too: a detached signature is binary.
    absl::StatusOr<Signer> changed = verifier.VerifyDetachedByAnyKey(
        "Origin: Test\nSuite: stable\n", signature);
    EXPECT_THAT(changed, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(changed.status().message()),
                HasSubstr("bad signature"));
  }
  EXPECT_THAT(verifier.VerifyDetachedByAnyKey(
                  data, Gpg(stranger_->home, {"--detach-sign"}, data)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(verifier.VerifyDetachedByAnyKey(data, "not a signature"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(verifier.VerifyDetachedByAnyKey(data, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace debrepo::deb
