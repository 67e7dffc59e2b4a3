// .dsc and .changes parsing against files written by dpkg-source and
// dpkg-genchanges.
#include "deb/upload_control.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_matchers.h"
#include "deb/testing/commands.h"
#include "deb/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::deb::testing::Shell;

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

using ::debrepo::deb::testing::ReadFile;
using ::debrepo::deb::testing::WriteFile;

namespace fs = std::filesystem;

// A native source package "hello-src 1.0" built by dpkg-source, with the
// source-only .changes dpkg-genchanges writes for it.
class SourcePackageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::path(std::getenv("TEST_TMPDIR")) / "src");
    fs::remove_all(*dir_);
    fs::path tree = *dir_ / "hello-src-1.0";
    WriteFile(
        tree / "debian/control",
        "Source: hello-src\nSection: devel\nPriority: optional\n"
        "Maintainer: Test <test@example.org>\nStandards-Version: 4.6.2\n\n"
        "Package: hello-bin\nArchitecture: any\nDescription: test\n test\n");
    WriteFile(tree / "debian/changelog",
              "hello-src (1.0) unstable; urgency=medium\n\n  * Initial.\n\n"
              " -- Test <test@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n");
    WriteFile(tree / "debian/source/format", "3.0 (native)\n");
    WriteFile(tree / "debian/rules", "#!/usr/bin/make -f\n%:\n\tdh $@\n");
    WriteFile(tree / "hello.c", "int main(void) { return 0; }\n");
    Shell(*dir_, "dpkg-source -b hello-src-1.0");
    changes_ = new std::string(Shell(tree, "dpkg-genchanges -S"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete changes_;
  }

  static void ExpectMatchesFileOnDisk(const ListedFile& file) {
    fs::path path = *dir_ / file.name;
    ASSERT_TRUE(fs::exists(path)) << path;
    EXPECT_EQ(file.checksums.size, fs::file_size(path));
    EXPECT_EQ(file.checksums.md5,
              Shell(*dir_, "md5sum " + file.name).substr(0, 32));
    EXPECT_EQ(file.checksums.sha1,
              Shell(*dir_, "sha1sum " + file.name).substr(0, 40));
    EXPECT_EQ(file.checksums.sha256,
              Shell(*dir_, "sha256sum " + file.name).substr(0, 64));
  }

  static fs::path* dir_;
  static std::string* changes_;
};

fs::path* SourcePackageTest::dir_ = nullptr;
std::string* SourcePackageTest::changes_ = nullptr;

TEST_F(SourcePackageTest, ReadsTheDscDpkgSourceWrote) {
  absl::StatusOr<UploadControl> dsc =
      ParseDsc(ReadFile(*dir_ / "hello-src_1.0.dsc"));
  ASSERT_THAT(dsc, IsOk());
  EXPECT_EQ(dsc->source, "hello-src");
  EXPECT_EQ(dsc->version.ToString(), "1.0");
  EXPECT_EQ(dsc->paragraph.GetOrEmpty("Binary"), "hello-bin");
  ASSERT_EQ(dsc->files.size(), 1);
  EXPECT_EQ(dsc->files[0].name, "hello-src_1.0.tar.xz");
  ExpectMatchesFileOnDisk(dsc->files[0]);
}

TEST_F(SourcePackageTest, ReadsTheChangesDpkgGenchangesWrote) {
  absl::StatusOr<UploadControl> changes = ParseChanges(*changes_);
  ASSERT_THAT(changes, IsOk());
  EXPECT_EQ(changes->source, "hello-src");
  EXPECT_EQ(changes->paragraph.GetOrEmpty("Distribution"), "unstable");
  ASSERT_EQ(changes->files.size(), 2);
  for (const ListedFile& file : changes->files) {
    EXPECT_EQ(file.section, "devel");
    EXPECT_EQ(file.priority, "optional");
    ExpectMatchesFileOnDisk(file);
  }
}

TEST_F(SourcePackageTest, UnwrapsClearSignedInput) {
  std::string dsc = ReadFile(*dir_ / "hello-src_1.0.dsc");
  std::string signed_dsc = absl::StrCat(
      "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n", dsc,
      "-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n");
  absl::StatusOr<UploadControl> parsed = ParseDsc(signed_dsc);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->paragraph, ParseDsc(dsc)->paragraph);
}

TEST_F(SourcePackageTest, StripsTheSourceVersionOfABinNmu) {
  absl::StatusOr<UploadControl> changes = ParseChanges(absl::StrReplaceAll(
      *changes_, {{"Source: hello-src", "Source: hello-src (0.9)"}}));
  ASSERT_THAT(changes, IsOk());
  EXPECT_EQ(changes->source, "hello-src");
}

TEST_F(SourcePackageTest, RejectsDamagedFileLists) {
  std::string changes = *changes_;
  UploadControl good = *ParseChanges(changes);
  const ListedFile& tarball = good.files[1];
  auto expect_invalid = [](const std::string& text, absl::string_view what) {
    absl::StatusOr<UploadControl> parsed = ParseChanges(text);
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(what));
  };
  expect_invalid(absl::StrReplaceAll(changes, {{"Distribution:", "X-Dist:"}}),
                 "Distribution: required field is missing");
  expect_invalid(
      absl::StrReplaceAll(changes, {{" " + tarball.name, " ../../etc/x"}}),
      "unsafe file name");
  // Renaming the tarball only in the Files field leaves Checksums entries
  // pointing at a file that is not listed.
  std::string files_only = changes;
  size_t files = files_only.find("\nFiles:");
  files_only.replace(files_only.find(tarball.name, files), tarball.name.size(),
                     "other.tar.xz");
  expect_invalid(files_only, "is not listed in Files");
  expect_invalid(absl::StrReplaceAll(changes, {{tarball.checksums.md5, "abc"}}),
                 "bad MD5 digest");
  expect_invalid(
      absl::StrReplaceAll(changes, {{tarball.checksums.sha256 + " " +
                                         std::to_string(tarball.checksums.size),
                                     tarball.checksums.sha256 + " 1"}}),
      "differs from Files");
  expect_invalid(
      absl::StrReplaceAll(changes, {{"Version: 1.0", "Version: one"}}),
      "invalid version");
  // Found by upload_control_fuzzer: a Source that is not a package name.
  expect_invalid(
      absl::StrReplaceAll(changes, {{"Source: hello-src", "Source: h ello"}}),
      "Source: invalid package name");
  expect_invalid(
      absl::StrReplaceAll(changes, {{"Source: hello-src", "Source: (1.0)"}}),
      "Source: invalid package name");
  expect_invalid(absl::StrReplaceAll(changes, {{"Source: hello-src",
                                                "Source: hello-src (1/../x)"}}),
                 "invalid character in version");
  expect_invalid(absl::StrReplaceAll(changes, {{"Source: hello-src",
                                                "Source: hello-src (1) x"}}),
                 "want \"name\" or \"name (version)\"");
  // Every file needs exactly one SHA-256.
  std::string sha256_line =
      absl::StrCat("\n ", tarball.checksums.sha256, " ", tarball.checksums.size,
                   " ", tarball.name);
  ASSERT_NE(changes.find(sha256_line), std::string::npos);
  expect_invalid(absl::StrReplaceAll(changes, {{sha256_line, ""}}),
                 "has no SHA-256");
  expect_invalid(
      absl::StrReplaceAll(changes, {{sha256_line, sha256_line + sha256_line}}),
      "Checksums-Sha256: \"" + tarball.name + "\" is listed twice");
  size_t field = changes.find("\nChecksums-Sha256:");
  size_t end = changes.find("\n", changes.find(sha256_line) + 1);
  while (end != std::string::npos && end + 1 < changes.size() &&
         changes[end + 1] == ' ') {
    end = changes.find("\n", end + 1);
  }
  std::string without = changes.substr(0, field) + changes.substr(end);
  ASSERT_EQ(without.find("Checksums-Sha256"), std::string::npos);
  expect_invalid(without, "has no SHA-256");
}

}  // namespace
}  // namespace debrepo::deb
