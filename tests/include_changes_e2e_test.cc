// Including .changes files end to end: real .debs from dpkg-deb, .changes
// signed with real gpg keys, verified by the workers with gpgv.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace debrepo::testing {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

int Shell(const std::string& command) {
  return std::system(absl::StrCat(command, " >/dev/null 2>&1").c_str());
}

class IncludeChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Keys live in a short path: gpg-agent's socket path is limited.
    char home_template[] = "/tmp/debrepo-gpg-XXXXXX";
    ASSERT_NE(mkdtemp(home_template), nullptr);
    gnupg_home_ = home_template;
    work_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/include");
    ASSERT_EQ(Shell(absl::StrCat("rm -rf ", work_, " && mkdir -p ", work_)), 0);
    for (const char* who : {"trusted", "stranger"}) {
      ASSERT_EQ(Shell(absl::StrCat(
                    "GNUPGHOME=", gnupg_home_, " gpg --batch --passphrase '' "
                    "--quick-gen-key '", who, " <", who,
                    "@example.org>' ed25519 sign never")),
                0);
    }
    keyring_ = work_ + "/trusted.gpg";
    ASSERT_EQ(Shell(absl::StrCat("GNUPGHOME=", gnupg_home_,
                               " gpg --batch --output ", keyring_,
                               " --export trusted@example.org")),
              0);
    stack_.StartServer();
    stack_.StartWorker({absl::StrCat("--trusted_keyrings=", keyring_)});
    ASSERT_EQ(CreateRepo(stack_, "main").code, absl::StatusCode::kOk);
  }

  void TearDown() override {
    Shell(absl::StrCat("GNUPGHOME=", gnupg_home_, " gpgconf --kill all"));
    Shell(absl::StrCat("rm -rf ", gnupg_home_));
  }

  // Builds name_1.0_all.deb and a .changes listing it (optionally with a
  // wrong SHA-256), signed by `signer` ("" for unsigned). Uploads both into
  // `directory`.
  void Prepare(const std::string& directory, const std::string& name,
               const std::string& signer, bool wrong_checksum = false) {
    const std::string root = absl::StrCat(work_, "/", directory);
    ASSERT_EQ(Shell(absl::StrCat("mkdir -p ", root, "/pkg/DEBIAN")), 0);
    std::ofstream(root + "/pkg/DEBIAN/control")
        << "Package: " << name << "\nVersion: 1.0\nArchitecture: all\n"
        << "Maintainer: T <t@example.org>\nDescription: test\n";
    const std::string deb_name = absl::StrCat(name, "_1.0_all.deb");
    ASSERT_EQ(Shell(absl::StrCat("dpkg-deb --root-owner-group -b ", root,
                               "/pkg ", root, "/", deb_name)),
              0);
    const std::string deb = ReadFile(root + "/" + deb_name);
    const std::string sha256 =
        wrong_checksum ? std::string(64, 'a') : Sha256Hex(deb);
    std::ostringstream changes;
    changes << "Format: 1.8\nDate: Fri, 27 Nov 2026 00:00:00 +0000\n"
            << "Source: " << name << "\nBinary: " << name
            << "\nArchitecture: all\nVersion: 1.0\nDistribution: unstable\n"
            << "Urgency: medium\nMaintainer: T <t@example.org>\n"
            << "Changed-By: T <t@example.org>\nDescription:\n " << name
            << " - test\nChanges:\n " << name << " (1.0) unstable; urgency=medium\n"
            << " .\n   * Test.\nChecksums-Sha256:\n " << sha256 << " "
            << deb.size() << " " << deb_name << "\nFiles:\n "
            << "00000000000000000000000000000000 " << deb.size()
            << " misc optional " << deb_name << "\n";
    const std::string changes_path =
        absl::StrCat(root, "/", name, "_1.0_all.changes");
    std::ofstream(changes_path) << changes.str();
    std::string uploaded = changes.str();
    if (!signer.empty()) {
      ASSERT_EQ(Shell(absl::StrCat("GNUPGHOME=", gnupg_home_,
                                 " gpg --batch --yes --local-user ", signer,
                                 " --clearsign --output ", changes_path,
                                 ".asc ", changes_path)),
                0);
      uploaded = ReadFile(changes_path + ".asc");
    }
    ASSERT_EQ(UploadAndWait(stack_, directory, deb_name, deb).code,
              absl::StatusCode::kOk);
    ASSERT_EQ(UploadAndWait(stack_, directory,
                            absl::StrCat(name, "_1.0_all.changes"), uploaded)
                  .code,
              absl::StatusCode::kOk);
  }

  Result Include(const std::string& directory, bool accept_unsigned = false) {
    v1::IncludeChangesRequest request;
    request.set_name("main");
    request.set_directory(directory);
    request.set_accept_unsigned(accept_unsigned);
    v1::Job job;
    grpc::Status rpc = stack_.repos().IncludeChanges(
        Deadline(absl::Seconds(30)).get(), request, &job);
    return Await(stack_, rpc, job);
  }

  std::string gnupg_home_;
  std::string work_;
  std::string keyring_;
  TestDatabase db_;
  Stack stack_{db_.url()};
};

TEST_F(IncludeChangesTest, SignedByATrustedKeyIsIncluded) {
  Prepare("good", "goodpkg", "trusted@example.org");
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
  Prepare("stranger", "strangepkg", "stranger@example.org");
  Prepare("unsigned", "plainpkg", "");
  Prepare("damaged", "brokenpkg", "trusted@example.org",
          /*wrong_checksum=*/true);
  for (const auto& [directory, reason] :
       std::vector<std::pair<std::string, std::string>>{
           {"stranger", "key"},
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

}  // namespace
}  // namespace debrepo::testing
