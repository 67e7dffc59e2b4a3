// Lists and converts keyrings made with gpg, and checks that gpgv verifies
// with the converted keyring.
#include "mirror/keyring.h"

#include <filesystem>
#include <string>

#include "common/status_matchers.h"
#include "deb/gpgv_verifier.h"
#include "deb/testing/files.h"
#include "deb/testing/gpg_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::mirror {
namespace {

using ::debrepo::deb::testing::Gpg;
using ::debrepo::deb::testing::ReadFile;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class KeyringTest : public deb::testing::TwoKeysTest {};

TEST_F(KeyringTest, ListsBinaryAndArmouredKeyrings) {
  EXPECT_THAT(KeyringFingerprints(ReadFile(signer_->keyring)),
              IsOkAndHolds(ElementsAre(signer_->fingerprint)));
  std::string armoured = Gpg(signer_->home, {"--armor", "--export"});
  ASSERT_THAT(armoured, HasSubstr("BEGIN PGP PUBLIC KEY BLOCK"));
  EXPECT_THAT(KeyringFingerprints(armoured),
              IsOkAndHolds(ElementsAre(signer_->fingerprint)));
  // Two keys, as cat joins binary keyrings; subkeys are not listed.
  EXPECT_THAT(
      KeyringFingerprints(ReadFile(signer_->keyring) +
                          ReadFile(stranger_->keyring)),
      IsOkAndHolds(ElementsAre(signer_->fingerprint, stranger_->fingerprint)));
}

TEST_F(KeyringTest, ListsDebiansArchiveKeyring) {
  // The keyring a Debian mirror is made with: several keys with subkeys.
  std::string debian =
      ReadFile("/usr/share/keyrings/debian-archive-bookworm-stable.gpg");
  if (debian.empty()) GTEST_SKIP() << "debian-archive-keyring not installed";
  EXPECT_THAT(
      KeyringFingerprints(debian),
      IsOkAndHolds(ElementsAre("4D64FEC119C2029067D6E791F8D2585B8783D481")));
}

TEST_F(KeyringTest, RejectsWhatHoldsNoPublicKey) {
  EXPECT_THAT(KeyringFingerprints(""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(KeyringFingerprints("not a keyring\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string secret =
      Gpg(signer_->home, {"--pinentry-mode", "loopback", "--passphrase", "",
                          "--export-secret-keys"});
  ASSERT_FALSE(secret.empty());
  absl::StatusOr<std::vector<std::string>> listed = KeyringFingerprints(secret);
  EXPECT_THAT(listed, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(listed.status().message(), HasSubstr("no public key"));
  EXPECT_THAT(WriteBinaryKeyring("junk", ::testing::TempDir()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(KeyringTest, WritesAKeyringGpgvVerifiesWith) {
  std::string message =
      Gpg(signer_->home, {"--clearsign"}, "Suite: stable\nCodename: test\n");
  std::string armoured = Gpg(signer_->home, {"--armor", "--export"}) +
                         Gpg(stranger_->home, {"--armor", "--export"});
  std::string dir = ::testing::TempDir() + "/armoured";
  std::filesystem::create_directories(dir);
  absl::StatusOr<std::string> path = WriteBinaryKeyring(armoured, dir);
  ASSERT_THAT(path, IsOk());
  EXPECT_EQ(std::filesystem::path(*path).parent_path(), dir);
  // Binary: both keys, no armour.
  EXPECT_THAT(
      KeyringFingerprints(ReadFile(*path)),
      IsOkAndHolds(ElementsAre(signer_->fingerprint, stranger_->fingerprint)));
  EXPECT_THAT(ReadFile(*path), ::testing::Not(HasSubstr("BEGIN PGP")));
  absl::StatusOr<deb::GpgvVerifier> verifier =
      deb::GpgvVerifier::Create({*path});
  ASSERT_THAT(verifier, IsOk());
  EXPECT_THAT(verifier->VerifyClearSigned(message), IsOk());
  // Writing again replaces the file.
  ASSERT_THAT(WriteBinaryKeyring(ReadFile(stranger_->keyring), dir), IsOk());
  EXPECT_THAT(KeyringFingerprints(ReadFile(*path)),
              IsOkAndHolds(ElementsAre(stranger_->fingerprint)));
  EXPECT_THAT(deb::GpgvVerifier::Create({*path})->VerifyClearSigned(message),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(KeyringTest, FailsForADirectoryThatDoesNotExist) {
  EXPECT_THAT(WriteBinaryKeyring(ReadFile(signer_->keyring),
                                 ::testing::TempDir() + "/missing/dir"),
              StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace debrepo::mirror
