// Parses and verifies Release files: this machine's bookworm InRelease
// (signed by Debian) and ones signed here with throw-away keys.
#include "mirror/release.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_matchers.h"
#include "deb/testing/apt_lists.h"
#include "deb/testing/files.h"
#include "deb/testing/gpg_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::mirror {
namespace {

using ::debrepo::deb::testing::FindAptInRelease;
using ::debrepo::deb::testing::Gpg;
using ::debrepo::deb::testing::MakeTestKey;
using ::debrepo::deb::testing::ReadFile;
using ::debrepo::deb::testing::RemoveTestKey;
using ::debrepo::deb::testing::TestKey;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Gt;
using ::testing::HasSubstr;

constexpr absl::string_view kSha =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string SmallRelease() {
  return absl::StrCat(
      "Origin: Test\nSuite: stable\nCodename: test\n"
      "Date: Sat, 11 Jul 2026 10:16:37 UTC\n"
      "Architectures: amd64 all\nComponents: main contrib\n"
      "MD5Sum:\n d41d8cd98f00b204e9800998ecf8427e 0 main/binary-amd64/"
      "Packages\nSHA256:\n ",
      kSha, " 0 main/binary-amd64/Packages\n ", absl::AsciiStrToUpper(kSha),
      "     20 main/binary-amd64/Packages.xz\n");
}

TEST(ParseReleaseTest, ReadsTheFieldsASyncNeeds) {
  absl::StatusOr<Release> release = ParseRelease(SmallRelease());
  ASSERT_THAT(release, IsOk());
  EXPECT_EQ(release->suite, "stable");
  EXPECT_EQ(release->codename, "test");
  EXPECT_EQ(release->date, "Sat, 11 Jul 2026 10:16:37 UTC");
  EXPECT_THAT(release->components, ElementsAre("main", "contrib"));
  EXPECT_THAT(release->architectures, ElementsAre("amd64", "all"));
  EXPECT_FALSE(release->acquire_by_hash);
  EXPECT_FALSE(release->all_in_architecture_indices);
  ASSERT_EQ(release->files.size(), 2);
  EXPECT_EQ(release->files[0].path, "main/binary-amd64/Packages");
  EXPECT_EQ(release->files[0].size, 0);
  // Hashes are normalised to lower case.
  EXPECT_EQ(release->files[1].sha256, kSha);
  EXPECT_EQ(release->files[1].size, 20);
  ASSERT_NE(release->FindFile("main/binary-amd64/Packages.xz"), nullptr);
  EXPECT_EQ(release->FindFile("main/binary-amd64/Packages.xz")->size, 20);
  EXPECT_EQ(release->FindFile("main/binary-i386/Packages"), nullptr);
}

TEST(ParseReleaseTest, ReadsDebiansRelease) {
  absl::StatusOr<std::string> path = FindAptInRelease();
  ASSERT_THAT(path, IsOk());
  absl::StatusOr<std::string> text = UnverifiedInReleaseText(ReadFile(*path));
  ASSERT_THAT(text, IsOk());
  absl::StatusOr<Release> release = ParseRelease(*text);
  ASSERT_THAT(release, IsOk());
  EXPECT_EQ(release->codename, "bookworm");
  EXPECT_THAT(release->components, Contains("main"));
  EXPECT_THAT(release->architectures, Contains("amd64"));
  EXPECT_TRUE(release->acquire_by_hash);
  EXPECT_TRUE(release->all_in_architecture_indices);
  EXPECT_THAT(release->files.size(), Gt(500));
  const ReleaseIndexFile* packages =
      release->FindFile("main/binary-amd64/Packages.xz");
  ASSERT_NE(packages, nullptr);
  EXPECT_EQ(packages->sha256.size(), 64);
  EXPECT_THAT(packages->size, Gt(1 << 20));
}

TEST(ParseReleaseTest, RefusesWhatIsNotARelease) {
  std::string release = SmallRelease();
  for (const std::string& bad : {
           std::string("not a release"),
           absl::StrReplaceAll(release, {{"SHA256:", "SHA1:"}}),
           release + "\nOrigin: second paragraph\n",
           absl::StrReplaceAll(release, {{" 20 ", " -20 "}}),
           absl::StrReplaceAll(release, {{" 20 ", " 2x "}}),
           absl::StrReplaceAll(release, {{" 20 ", " "}}),
           absl::StrReplaceAll(release, {{absl::AsciiStrToUpper(kSha),
                                          std::string(kSha.substr(1))}}),
           absl::StrReplaceAll(release, {{"Packages.xz", "Packages.xz x"}}),
       }) {
    EXPECT_THAT(ParseRelease(bad),
                StatusIs(absl::StatusCode::kFailedPrecondition))
        << bad;
  }
}

TEST(ParseReleaseTest, RefusesUnsafePaths) {
  for (absl::string_view path :
       {"../etc/passwd", "/etc/passwd", "main//Packages", "main/../../x",
        "main/Pack\x01ges", "main/"}) {
    std::string release = absl::StrReplaceAll(
        SmallRelease(), {{"main/binary-amd64/Packages.xz", path}});
    absl::StatusOr<Release> parsed = ParseRelease(release);
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kFailedPrecondition))
        << path;
    EXPECT_THAT(parsed.status().message(), HasSubstr("unsafe path"));
  }
  EXPECT_THAT(ParseRelease(absl::StrReplaceAll(
                  SmallRelease(), {{"main contrib", "main ../x"}})),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(IsSafeArchivePathTest, AllowsOnlyRelativePathsInside) {
  EXPECT_TRUE(IsSafeArchivePath("pool/main/a/apt/apt_2.6.1_amd64.deb"));
  EXPECT_TRUE(IsSafeArchivePath("./hello_1.0_all.deb"));
  EXPECT_TRUE(IsSafeArchivePath("pool/main/g/g++-12/x~y+z.deb"));
  EXPECT_FALSE(IsSafeArchivePath(""));
  EXPECT_FALSE(IsSafeArchivePath("/pool/x.deb"));
  EXPECT_FALSE(IsSafeArchivePath("pool/../x.deb"));
  EXPECT_FALSE(IsSafeArchivePath(".."));
  EXPECT_FALSE(IsSafeArchivePath("pool//x.deb"));
  EXPECT_FALSE(IsSafeArchivePath("pool/x.deb/"));
  EXPECT_FALSE(IsSafeArchivePath("pool/x\n.deb"));
  EXPECT_FALSE(IsSafeArchivePath("pool/x\x7f.deb"));
}

TEST(ParseReleaseTest, EnforcesTheLimits) {
  std::string components = "Components:";
  for (int i = 0; i <= kMaxReleaseComponents; ++i) {
    absl::StrAppend(&components, " c", i);
  }
  absl::StatusOr<Release> many_components = ParseRelease(absl::StrReplaceAll(
      SmallRelease(), {{"Components: main contrib", components}}));
  EXPECT_THAT(many_components, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(many_components.status().message(),
              HasSubstr("more than 1000 components"));

  std::string files = "Suite: x\nSHA256:\n";
  for (int i = 0; i <= kMaxReleaseFiles; ++i) {
    absl::StrAppend(&files, " ", kSha, " 0 f\n");
  }
  ASSERT_LT(files.size(), kMaxReleaseBytes);
  absl::StatusOr<Release> many_files = ParseRelease(files);
  EXPECT_THAT(many_files, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(many_files.status().message(),
              HasSubstr("more than 200000 files"));

  std::string huge = SmallRelease() +
                     "Description: " + std::string(kMaxReleaseBytes, 'x') +
                     "\n";
  absl::StatusOr<Release> too_big = ParseRelease(huge);
  EXPECT_THAT(too_big, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(too_big.status().message(), HasSubstr("larger than 16 MiB"));
  EXPECT_THAT(VerifyInRelease(huge, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(UnverifiedInReleaseText(huge),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(VerifyInReleaseTest, VerifiesDebiansInReleaseWithDebiansKeys) {
  absl::StatusOr<std::string> path = FindAptInRelease();
  ASSERT_THAT(path, IsOk());
  std::string in_release = ReadFile(*path);
  // Debian signs with several keys; one of them in the keyring is enough.
  std::string keyring =
      ReadFile("/usr/share/keyrings/debian-archive-keyring.gpg");
  ASSERT_FALSE(keyring.empty()) << "install debian-archive-keyring";
  absl::StatusOr<std::string> text = VerifyInRelease(in_release, keyring);
  ASSERT_THAT(text, IsOk());
  EXPECT_THAT(UnverifiedInReleaseText(in_release), IsOkAndHolds(*text));
  EXPECT_THAT(*text, HasSubstr("Codename: bookworm\n"));
  EXPECT_THAT(
      VerifyInRelease(
          in_release,
          ReadFile("/usr/share/keyrings/debian-archive-bookworm-stable.gpg")),
      IsOk());
  // A keyring without Debian's keys.
  TestKey stranger = MakeTestKey("stranger");
  absl::StatusOr<std::string> refused =
      VerifyInRelease(in_release, ReadFile(stranger.keyring));
  RemoveTestKey(stranger);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(refused.status().message(),
              HasSubstr("does not verify with the mirror's keyring"));
  EXPECT_THAT(refused.status().message(), HasSubstr("unknown key"));
}

class SignedReleaseTest : public deb::testing::TwoKeysTest {};

TEST_F(SignedReleaseTest, VerifiesInReleaseWithAnArmouredKeyring) {
  std::string release = SmallRelease();
  std::string in_release = Gpg(signer_->home, {"--clearsign"}, release);
  std::string armoured = Gpg(signer_->home, {"--armor", "--export"});
  EXPECT_THAT(VerifyInRelease(in_release, armoured), IsOkAndHolds(release));
  // Tampered, signed by a stranger, unsigned, or checked with a keyring
  // that holds nothing: the sync's error.
  for (const std::string& bad :
       {absl::StrReplaceAll(in_release, {{"Suite: stable", "Suite: evil"}}),
        Gpg(stranger_->home, {"--clearsign"}, release), release}) {
    absl::StatusOr<std::string> refused = VerifyInRelease(bad, armoured);
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition))
        << bad;
  }
  absl::StatusOr<std::string> no_keys = VerifyInRelease(in_release, "junk");
  EXPECT_THAT(no_keys, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(no_keys.status().message(), HasSubstr("no public key"));
  EXPECT_THAT(UnverifiedInReleaseText("Origin: Evil\n" + in_release),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(SignedReleaseTest, VerifiesReleaseWithReleaseGpg) {
  std::string release = SmallRelease();
  std::string signature =
      Gpg(signer_->home, {"--armor", "--detach-sign"}, release);
  std::string keyring = ReadFile(signer_->keyring);
  EXPECT_THAT(VerifyDetachedRelease(release, signature, keyring),
              IsOkAndHolds(release));
  EXPECT_THAT(
      VerifyDetachedRelease(release + "Origin: Evil\n", signature, keyring),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(
      VerifyDetachedRelease(
          release, Gpg(stranger_->home, {"--armor", "--detach-sign"}, release),
          keyring),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(VerifyDetachedRelease(release, "", keyring),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace debrepo::mirror
