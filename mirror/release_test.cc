// Parses and verifies Release files: this machine's bookworm InRelease
// (signed by Debian) and ones signed here with throw-away keys.
#include "mirror/release.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "common/storable_text.h"
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

TEST(ParseReleaseTest, RefusesFieldsASyncCannotStore) {
  std::string release = SmallRelease();
  std::string many_architectures = "Architectures:";
  for (int i = 0; i <= kMaxReleaseArchitectures; ++i) {
    absl::StrAppend(&many_architectures, " arch", i);
  }
  for (const std::string& bad : {
           absl::StrReplaceAll(release, {{"Suite: stable",
                                          "Suite: st\xe9"
                                          "ble"}}),
           absl::StrReplaceAll(release,
                               {{"Suite: stable", "Suite: \x1b[2Jstable"}}),
           absl::StrReplaceAll(
               release,
               {{"Codename: test", "Codename: " + std::string(201, 'x')}}),
           absl::StrReplaceAll(release, {{"UTC", "UTC \xff"}}),
           absl::StrReplaceAll(release, {{"Date: Sat, 11", "Date: Sat, 41"}}),
           absl::StrReplaceAll(release,
                               {{"Date:", "Valid-Until: never\nDate:"}}),
           absl::StrReplaceAll(release, {{"amd64 all", "amd64 AMD64"}}),
           absl::StrReplaceAll(release, {{"amd64 all", "amd64 \xe9"}}),
           absl::StrReplaceAll(
               release, {{"Architectures: amd64 all", many_architectures}}),
           absl::StrReplaceAll(release, {{" 20 ", " 2\xe9 "}}),
       }) {
    absl::StatusOr<Release> parsed = ParseRelease(bad);
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kFailedPrecondition)) << bad;
    // The message names the upstream text escaped, so that it can be
    // stored as the job's failure.
    EXPECT_TRUE(IsStorableText(parsed.status().message()))
        << parsed.status().message();
    EXPECT_FALSE(absl::StrContains(parsed.status().message(), "\x1b")) << bad;
  }
}

TEST(ParseReleaseTest, FindsAmongTheMostFilesQuickly) {
  std::string release =
      "Suite: big\nArchitectures: amd64\nComponents: main\nSHA256:\n";
  constexpr int kFiles = 150000;
  for (int i = 0; i < kFiles; ++i) {
    absl::StrAppend(&release, " ", kSha, " 1 main/i", i, "/Packages\n");
  }
  absl::StatusOr<Release> parsed = ParseRelease(release);
  ASSERT_THAT(parsed, IsOk());
  const absl::Time start = absl::Now();
  for (int i = 0; i < kFiles; ++i) {
    ASSERT_NE(parsed->FindFile(absl::StrCat("main/i", i, "/Packages")),
              nullptr);
  }
  EXPECT_EQ(parsed->FindFile("main/i0/Packages.xz"), nullptr);
  // A scan of the list for each would take minutes.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(ParseReleaseTimeTest, ReadsTheDatesArchivesWrite) {
  const absl::Time expected = absl::FromCivil(
      absl::CivilSecond(2023, 6, 10, 8, 52, 7), absl::UTCTimeZone());
  for (absl::string_view date :
       {"Sat, 10 Jun 2023 08:52:07 UTC", "Sat, 10 Jun 2023 08:52:07 GMT",
        "10 Jun 2023 08:52:07 UTC", " Sat, 10 Jun 2023 08:52:07 +0000 ",
        "Sat, 10 Jun 2023 10:52:07 +0200", "Sat, 10 Jun 2023 08:52:07 Z"}) {
    EXPECT_THAT(ParseReleaseTime(date), IsOkAndHolds(expected)) << date;
  }
  for (absl::string_view date : {"", "yesterday", "2023-06-10 08:52:07",
                                 "Sat, 10 Jun 2023 08:52:07 CEST"}) {
    EXPECT_THAT(ParseReleaseTime(date),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << date;
  }
}

TEST(CheckReleaseFreshnessTest, RefusesAnExpiredOrOlderRelease) {
  absl::StatusOr<Release> release = ParseRelease(absl::StrReplaceAll(
      SmallRelease(),
      {{"Date:", "Valid-Until: Sat, 18 Jul 2026 10:16:37 UTC\nDate:"}}));
  ASSERT_THAT(release, IsOk());
  const absl::Time before_expiry = absl::FromCivil(
      absl::CivilSecond(2026, 7, 12, 0, 0, 0), absl::UTCTimeZone());
  EXPECT_THAT(CheckReleaseFreshness(*release, "", before_expiry), IsOk());
  // The same Release again, or a newer one, is fine.
  EXPECT_THAT(CheckReleaseFreshness(*release, release->date, before_expiry),
              IsOk());
  EXPECT_THAT(CheckReleaseFreshness(*release, "Fri, 10 Jul 2026 10:16:37 UTC",
                                    before_expiry),
              IsOk());
  // A recorded date that does not parse (or none) checks nothing.
  EXPECT_THAT(CheckReleaseFreshness(*release, "unknown", before_expiry),
              IsOk());

  absl::Status expired =
      CheckReleaseFreshness(*release, "", before_expiry + absl::Hours(24 * 7));
  EXPECT_THAT(expired, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(expired.message(),
              HasSubstr("expired on Sat, 18 Jul 2026 10:16:37 UTC"));

  absl::Status older = CheckReleaseFreshness(
      *release, "Sun, 12 Jul 2026 10:16:37 UTC", before_expiry);
  EXPECT_THAT(older, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(older.message(), HasSubstr("older than the one the mirror "
                                         "last synced"));
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
