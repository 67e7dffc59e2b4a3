// Including .changes files end to end: real .debs from dpkg-deb, .changes
// signed with real gpg keys, verified by the workers with gpgv.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace debrepo::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class IncludeChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/include");
    ASSERT_EQ(
        RunQuietly(absl::StrCat("rm -rf ", work_, " && mkdir -p ", work_)), 0);
    keyring_ = work_ + "/trusted.gpg";
    signers_.ExportKeyring("trusted", keyring_);
    stack_.StartServer();
    stack_.StartWorker({absl::StrCat("--trusted_keyrings=", keyring_)});
    ASSERT_EQ(CreateRepo(stack_, "main").code, absl::StatusCode::kOk);
  }

  // Builds name_1.0_all.deb and a .changes listing it (optionally with a
  // wrong SHA-256), signed by `signer` ("" for unsigned). Uploads both into
  // `directory`.
  void Prepare(const std::string& directory, const std::string& name,
               const std::string& signer, bool wrong_checksum = false) {
    const std::string root = absl::StrCat(work_, "/", directory);
    ASSERT_EQ(RunQuietly(absl::StrCat("mkdir -p ", root)), 0);
    const std::string deb_name = absl::StrCat(name, "_1.0_all.deb");
    const std::string deb = BuildDeb(name, "1.0", "all");
    const std::string sha256 =
        wrong_checksum ? std::string(64, 'a') : Sha256Hex(deb);
    std::ostringstream changes;
    changes << "Format: 1.8\nDate: Fri, 27 Nov 2026 00:00:00 +0000\n"
            << "Source: " << name << "\nBinary: " << name
            << "\nArchitecture: all\nVersion: 1.0\nDistribution: unstable\n"
            << "Urgency: medium\nMaintainer: T <t@example.org>\n"
            << "Changed-By: T <t@example.org>\nDescription:\n " << name
            << " - test\nChanges:\n " << name
            << " (1.0) unstable; urgency=medium\n"
            << " .\n   * Test.\nChecksums-Sha256:\n " << sha256 << " "
            << deb.size() << " " << deb_name << "\nFiles:\n "
            << "00000000000000000000000000000000 " << deb.size()
            << " misc optional " << deb_name << "\n";
    const std::string changes_path =
        absl::StrCat(root, "/", name, "_1.0_all.changes");
    std::ofstream(changes_path) << changes.str();
    signers_.ClearSign(changes_path, signer);
    ASSERT_EQ(UploadAndWait(stack_, directory, deb_name, deb).code,
              absl::StatusCode::kOk);
    ASSERT_EQ(
        UploadAndWait(stack_, directory, absl::StrCat(name, "_1.0_all.changes"),
                      ReadFile(changes_path))
            .code,
        absl::StatusCode::kOk);
  }

  // Builds package `name` 1.0-1 from source with the dpkg tools
  // (tests/build_source_upload.sh) and uploads the upload -- .dsc, orig and
  // debian tarballs, .deb, .buildinfo and the source+binary .changes signed
  // by `signer` -- into `directory`. Returns the local directory.
  std::string PrepareSourceUpload(const std::string& directory,
                                  const std::string& name,
                                  const std::string& signer,
                                  const std::string& source_option = "-sa") {
    const std::string root = absl::StrCat(work_, "/", directory);
    signers_.ClearSign(BuildSourceUpload(root, name, source_option), signer);
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
      EXPECT_EQ(
          UploadAndWait(stack_, directory, entry.path().filename().string(),
                        ReadFile(entry.path().string()))
              .code,
          absl::StatusCode::kOk)
          << entry.path();
    }
    return root;
  }

  Result Include(const std::string& directory, bool accept_unsigned = false) {
    v1::IncludeChangesRequest request;
    request.set_accept_unsigned(accept_unsigned);
    return Include(directory, request);
  }

  // Include with the options of `request`.
  Result Include(const std::string& directory,
                 v1::IncludeChangesRequest request) {
    request.set_name("main");
    request.set_directory(directory);
    v1::Job job;
    grpc::Status rpc = stack_.repos().IncludeChanges(
        Deadline(absl::Seconds(30)).get(), request, &job);
    return Await(stack_, rpc, job);
  }

  TestSigners signers_{{"trusted", "stranger"}};
  std::string work_;
  std::string keyring_;
  TestDatabase db_;
  Stack stack_{db_.url()};
};

TEST_F(IncludeChangesTest, SignedByATrustedKeyIsIncluded) {
  Prepare("good", "goodpkg", "trusted");
  Result included = Include("good");
  ASSERT_EQ(included.code, absl::StatusCode::kOk) << included.message;
  const v1::AddFromUploadResult& result =
      included.job.result().add_from_upload();
  ASSERT_EQ(result.added_size(), 1) << result.ShortDebugString();
  EXPECT_THAT(result.added(0), HasSubstr("Pall goodpkg 1.0 "));
  EXPECT_EQ(result.failed_size(), 0);
  // The .changes and the .deb left the directory.
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
}

TEST_F(IncludeChangesTest, RefusesUnknownKeysUnsignedAndDamagedUploads) {
  Prepare("stranger", "strangepkg", "stranger");
  Prepare("unsigned", "plainpkg", "");
  Prepare("damaged", "brokenpkg", "trusted",
          /*wrong_checksum=*/true);
  for (const auto& [directory, reason] :
       std::vector<std::pair<std::string, std::string>>{
           {"stranger", "signed by unknown key"},
           {"unsigned", "not signed"},
           {"damaged", "SHA-256"}}) {
    Result included = Include(directory);
    ASSERT_EQ(included.code, absl::StatusCode::kOk) << included.message;
    const v1::AddFromUploadResult& result =
        included.job.result().add_from_upload();
    EXPECT_EQ(result.added_size(), 0) << directory;
    ASSERT_EQ(result.failed_size(), 1) << directory;
    EXPECT_THAT(result.failed(0).reason(), HasSubstr(reason)) << directory;
  }
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM repo_packages"), "0");
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM packages"), "0");
  // Nothing was consumed: the files wait for a fixed upload.
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "6");

  // accept_unsigned takes the unsigned one, and only it.
  Result accepted = Include("unsigned", /*accept_unsigned=*/true);
  ASSERT_EQ(accepted.code, absl::StatusCode::kOk) << accepted.message;
  EXPECT_EQ(accepted.job.result().add_from_upload().added_size(), 1);
}

TEST_F(IncludeChangesTest, SourceAndBinaryUploadFromDpkgGenchanges) {
  const std::string local = PrepareSourceUpload("src", "hello", "trusted");
  Result included = Include("src");
  ASSERT_EQ(included.code, absl::StatusCode::kOk) << included.message;
  const v1::AddFromUploadResult& result =
      included.job.result().add_from_upload();
  EXPECT_EQ(result.failed_size(), 0) << result.ShortDebugString();
  ASSERT_EQ(result.added_size(), 2) << result.ShortDebugString();
  std::string source_key;
  for (const std::string& key : result.added()) {
    if (absl::StartsWith(key, "Psource ")) source_key = key;
  }
  EXPECT_THAT(source_key, StartsWith("Psource hello 1.0-1 "));
  EXPECT_THAT(result.added(),
              ::testing::Contains(StartsWith("Pall hello 1.0-1 ")));
  // Every file of the upload was consumed, the .buildinfo and .changes too.
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");

  // The source package holds the .dsc and both tarballs, with checksums
  // that match the files dpkg-source made.
  v1::GetPackageRequest get;
  get.set_key(source_key);
  v1::Package package;
  ASSERT_TRUE(stack_.packages()
                  .GetPackage(Deadline(absl::Seconds(10)).get(), get, &package)
                  .ok());
  EXPECT_EQ(package.package_type(), "source");
  EXPECT_EQ(package.architecture(), "source");
  EXPECT_EQ(package.source(), "hello");
  ASSERT_EQ(package.files_size(), 3) << package.ShortDebugString();
  for (const v1::PackageFile& file : package.files()) {
    const std::string bytes = ReadFile(absl::StrCat(local, "/", file.name()));
    EXPECT_EQ(file.sha256(), Sha256Hex(bytes)) << file.name();
    EXPECT_EQ(file.size(), static_cast<int64_t>(bytes.size())) << file.name();
    EXPECT_EQ(file.sha512().size(), 128u) << file.name();
  }
  EXPECT_THAT(package.files(),
              ::testing::Contains(::testing::Property(
                  &v1::PackageFile::name, "hello_1.0.orig.tar.gz")));
  bool has_binary_field = false;
  for (const v1::ControlField& field : package.fields()) {
    if (field.name() == "Binary") has_binary_field = field.value() == "hello";
  }
  EXPECT_TRUE(has_binary_field) << package.ShortDebugString();
  EXPECT_THAT(package.repos(), ::testing::ElementsAre("main"));
}

TEST_F(IncludeChangesTest, UnsignedSourceUploadNeedsAcceptUnsigned) {
  PrepareSourceUpload("src", "plainsrc", "");
  Result refused = Include("src");
  ASSERT_EQ(refused.code, absl::StatusCode::kOk) << refused.message;
  ASSERT_EQ(refused.job.result().add_from_upload().failed_size(), 1);
  EXPECT_THAT(refused.job.result().add_from_upload().failed(0).reason(),
              HasSubstr("not signed"));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM packages"), "0");
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "6");

  Result accepted = Include("src", /*accept_unsigned=*/true);
  ASSERT_EQ(accepted.code, absl::StatusCode::kOk) << accepted.message;
  EXPECT_EQ(accepted.job.result().add_from_upload().added_size(), 2);
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
}

TEST_F(IncludeChangesTest, SourceUploadMissingATarballIsRefusedWhole) {
  PrepareSourceUpload("src", "partial", "trusted");
  v1::DeleteUploadRequest remove;
  remove.set_directory("src");
  remove.set_filename("partial_1.0.orig.tar.gz");
  v1::Job job;
  ASSERT_EQ(Await(stack_,
                  stack_.files().DeleteUpload(Deadline(absl::Seconds(10)).get(),
                                              remove, &job),
                  job)
                .code,
            absl::StatusCode::kOk);
  Result included = Include("src");
  ASSERT_EQ(included.code, absl::StatusCode::kOk) << included.message;
  const v1::AddFromUploadResult& result =
      included.job.result().add_from_upload();
  EXPECT_EQ(result.added_size(), 0) << result.ShortDebugString();
  ASSERT_EQ(result.failed_size(), 1);
  EXPECT_THAT(result.failed(0).reason(),
              HasSubstr("partial_1.0.orig.tar.gz, which is not in the upload "
                        "directory"));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM packages"), "0");
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "5");
}

TEST_F(IncludeChangesTest, IgnoreSignatureAndNoRemoveFiles) {
  Prepare("stranger", "strangepkg", "stranger");
  Prepare("unsigned", "plainpkg", "");
  v1::IncludeChangesRequest options;
  options.set_ignore_signature(true);
  options.set_no_remove_files(true);
  for (const char* directory : {"stranger", "unsigned"}) {
    Result included = Include(directory, options);
    ASSERT_EQ(included.code, absl::StatusCode::kOk) << included.message;
    EXPECT_EQ(included.job.result().add_from_upload().added_size(), 1)
        << directory;
  }
  // no_remove_files: the .changes and .debs stay.
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "4");
}

TEST_F(IncludeChangesTest, SourceUploadWithoutTheOrigListedStillBringsIt) {
  // dpkg-genchanges -sd leaves the orig tarball out of the .changes; the
  // .dsc still lists it, so it must be uploaded and is consumed.
  const std::string local =
      PrepareSourceUpload("sd", "later", "trusted", "-sd");
  ASSERT_EQ(ReadFile(local + "/later_1.0-1_source.changes")
                .find("later_1.0.orig.tar.gz"),
            std::string::npos);
  Result included = Include("sd");
  ASSERT_EQ(included.code, absl::StatusCode::kOk) << included.message;
  EXPECT_EQ(included.job.result().add_from_upload().added_size(), 2)
      << included.job.result().add_from_upload().ShortDebugString();
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
}

TEST_F(IncludeChangesTest,
       DirectoriesWithoutChangesOrWithStrayFilesAreRefused) {
  ASSERT_EQ(UploadAndWait(stack_, "plain", "a_1.0_all.deb",
                          BuildDeb("a", "1.0", "all"))
                .code,
            absl::StatusCode::kOk);
  Result none = Include("plain");
  EXPECT_EQ(none.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(none.message, HasSubstr("has no .changes file"));

  // A .changes listing a file that is no package, .buildinfo or part of a
  // listed .dsc.
  const std::string notes = "release notes";
  const std::string changes = absl::StrCat(
      "Format: 1.8\nSource: aa\nBinary: aa\nArchitecture: all\nVersion: 1.0\n"
      "Distribution: unstable\nMaintainer: T <t@example.org>\n"
      "Checksums-Sha256:\n ",
      Sha256Hex(notes), " ", notes.size(), " notes.txt\nFiles:\n ",
      std::string(32, '0'), " ", notes.size(), " misc optional notes.txt\n");
  ASSERT_EQ(UploadAndWait(stack_, "plain", "notes.txt", notes).code,
            absl::StatusCode::kOk);
  ASSERT_EQ(UploadAndWait(stack_, "plain", "a_1.0_all.changes", changes).code,
            absl::StatusCode::kOk);
  Result stray = Include("plain", /*accept_unsigned=*/true);
  ASSERT_EQ(stray.code, absl::StatusCode::kOk) << stray.message;
  ASSERT_EQ(stray.job.result().add_from_upload().failed_size(), 1);
  EXPECT_THAT(stray.job.result().add_from_upload().failed(0).reason(),
              HasSubstr("lists notes.txt, which is neither a package"));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM packages"), "0");
}

}  // namespace
}  // namespace debrepo::testing
