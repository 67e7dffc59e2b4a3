// Signs with throw-away keys and checks the signatures with gpgv; refuses
// keys that are missing, expired, public only or locked by a passphrase
// that was not given.
#include "publish/signer.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_replace.h"
#include "common/status_matchers.h"
#include "deb/gpgv_verifier.h"
#include "deb/internal/subprocess.h"
#include "deb/testing/files.h"
#include "deb/testing/gpg_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::publish {
namespace {

using ::debrepo::deb::testing::Gpg;
using ::debrepo::deb::testing::MakeTestKey;
using ::debrepo::deb::testing::ReadFile;
using ::debrepo::deb::testing::RemoveTestKey;
using ::debrepo::deb::testing::TestKey;
using ::debrepo::deb::testing::TestKeyOptions;
using ::debrepo::deb::testing::WriteFile;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr absl::string_view kRelease =
    "Origin: Test\nSuite: stable\nSHA256:\n abc 1 main/Packages\n";

std::string TempFile(const std::string& name, absl::string_view data) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path, std::ios::binary) << data;
  return path;
}

// VerifyDetached checks `signature` over `text` with gpgv against `keyring`.
void VerifyDetached(const std::string& keyring, absl::string_view text,
                    const std::string& signature) {
  std::string text_path = TempFile("signed.txt", text);
  std::string signature_path = TempFile("signed.txt.gpg", signature);
  absl::StatusOr<deb::internal::CommandResult> result =
      deb::internal::RunCommand(
          {"gpgv", "--keyring", keyring, signature_path, text_path});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 0) << result->stderr_data;
}

class SignerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new TestKey(MakeTestKey("signer"));
    protected_key_ =
        new TestKey(MakeTestKey("locked", {.passphrase = "open sesame"}));
    expired_key_ = new TestKey(
        MakeTestKey("expired", {.expire = "1d", .made_at = "20200101T000000"}));
  }
  static void TearDownTestSuite() {
    for (TestKey* key : {key_, protected_key_, expired_key_}) {
      RemoveTestKey(*key);
      delete key;
    }
  }

  static void ExpectSignsVerifiably(const Signer& signer, const TestKey& key) {
    absl::StatusOr<deb::GpgvVerifier> verifier =
        deb::GpgvVerifier::Create({key.keyring});
    ASSERT_THAT(verifier, IsOk());
    absl::StatusOr<std::string> clear = signer.ClearSign(kRelease);
    ASSERT_THAT(clear, IsOk());
    absl::StatusOr<deb::VerifiedMessage> verified =
        verifier->VerifyClearSigned(*clear);
    ASSERT_THAT(verified, IsOk());
    EXPECT_EQ(verified->text, kRelease);
    EXPECT_EQ(verified->signer.fingerprint, key.fingerprint);
    absl::StatusOr<std::string> detached = signer.DetachSign(kRelease);
    ASSERT_THAT(detached, IsOk());
    EXPECT_THAT(*detached, HasSubstr("-----BEGIN PGP SIGNATURE-----"));
    VerifyDetached(key.keyring, kRelease, *detached);
  }

  static TestKey* key_;
  static TestKey* protected_key_;
  static TestKey* expired_key_;
};

TestKey* SignerTest::key_ = nullptr;
TestKey* SignerTest::protected_key_ = nullptr;
TestKey* SignerTest::expired_key_ = nullptr;

TEST_F(SignerTest, SignsWithAKeyIdInAHome) {
  absl::StatusOr<std::unique_ptr<Signer>> signer =
      Signer::Create({.gnupg_home = key_->home, .key_id = key_->fingerprint});
  ASSERT_THAT(signer, IsOk());
  ExpectSignsVerifiably(**signer, *key_);
}

TEST_F(SignerTest, SignsWithTheHomesDefaultKey) {
  absl::StatusOr<std::unique_ptr<Signer>> signer =
      Signer::Create({.gnupg_home = key_->home});
  ASSERT_THAT(signer, IsOk());
  ExpectSignsVerifiably(**signer, *key_);
}

// Keys in the wild often certify with the primary key and sign with a
// subkey.
TEST_F(SignerTest, SignsWithASigningSubkey) {
  TestKey key = MakeTestKey("subkeys", {.usage = "cert"});
  EXPECT_THAT(Signer::Create({.gnupg_home = key.home}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  Gpg(key.home,
      {"--pinentry-mode", "loopback", "--passphrase", "", "--quick-add-key",
       key.fingerprint, "ed25519", "sign", "never"});
  WriteFile(key.keyring, Gpg(key.home, {"--export"}));
  absl::StatusOr<std::unique_ptr<Signer>> signer =
      Signer::Create({.gnupg_home = key.home, .key_id = key.fingerprint});
  ASSERT_THAT(signer, IsOk());
  ExpectSignsVerifiably(**signer, key);
  RemoveTestKey(key);
}

TEST_F(SignerTest, SignsWithAProtectedKeyFileAndItsPassphrase) {
  std::string key_file = TempFile(
      "locked.asc", Gpg(protected_key_->home,
                        {"--pinentry-mode", "loopback", "--passphrase",
                         "open sesame", "--armor", "--export-secret-keys"}));
  std::string passphrase = TempFile("passphrase", "open sesame\n");
  absl::StatusOr<std::unique_ptr<Signer>> signer =
      Signer::Create({.key_file = key_file, .passphrase_file = passphrase});
  ASSERT_THAT(signer, IsOk());
  ExpectSignsVerifiably(**signer, *protected_key_);

  std::string wrong = TempFile("wrong", "guess\n");
  absl::StatusOr<std::unique_ptr<Signer>> refused =
      Signer::Create({.key_file = key_file, .passphrase_file = wrong});
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(refused.status().message()),
              AllOf(HasSubstr("cannot sign"), HasSubstr("passphrase")));
  refused = Signer::Create({.key_file = key_file});
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(SignerTest, RefusesAnExpiredKey) {
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::Create(
      {.gnupg_home = expired_key_->home, .key_id = expired_key_->fingerprint});
  EXPECT_THAT(signer, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(
      std::string(signer.status().message()),
      AllOf(HasSubstr("expired on 2020-01-02"), HasSubstr("skip_signing")));
}

TEST_F(SignerTest, RefusesARevokedKey) {
  TestKey revoked = MakeTestKey("revoked");
  // gpg writes a revocation certificate for every new key, its armor
  // prefixed with ':' so that it is not imported by accident.
  std::string certificate = ReadFile(revoked.home + "/openpgp-revocs.d/" +
                                     revoked.fingerprint + ".rev");
  ASSERT_THAT(certificate, HasSubstr(":-----BEGIN PGP PUBLIC KEY BLOCK"));
  certificate =
      absl::StrReplaceAll(certificate, {{":-----BEGIN", "-----BEGIN"}});
  Gpg(revoked.home, {"--import"}, certificate);
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::Create(
      {.gnupg_home = revoked.home, .key_id = revoked.fingerprint});
  EXPECT_THAT(signer, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(signer.status().message()), HasSubstr("revoked"));
  RemoveTestKey(revoked);
}

TEST_F(SignerTest, RefusesAMissingKey) {
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::Create(
      {.gnupg_home = key_->home, .key_id = "0123456789ABCDEF0123"});
  EXPECT_THAT(signer, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(signer.status().message()),
              AllOf(HasSubstr("no secret signing key 0123456789ABCDEF0123"),
                    HasSubstr(key_->home)));
  signer = Signer::Create({.key_file = "/nonexistent/debrepo/key.asc"});
  EXPECT_THAT(signer, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(signer.status().message()),
              HasSubstr("/nonexistent/debrepo/key.asc"));
}

// A file holding only the public key cannot sign.
TEST_F(SignerTest, RefusesAPublicKeyFile) {
  std::string public_file =
      TempFile("public.asc", Gpg(key_->home, {"--armor", "--export"}));
  absl::StatusOr<std::unique_ptr<Signer>> signer =
      Signer::Create({.key_file = public_file});
  EXPECT_THAT(signer, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(signer.status().message()),
              HasSubstr("no secret signing key"));
}

}  // namespace
}  // namespace debrepo::publish
