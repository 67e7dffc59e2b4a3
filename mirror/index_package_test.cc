// Converts this machine's bookworm Packages stanzas, and stanzas that
// apt-ftparchive writes for packages built here, comparing with what an
// upload of the same files stores.
#include "mirror/index_package.h"

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_matchers.h"
#include "deb/checksums.h"
#include "deb/control.h"
#include "deb/deb_file.h"
#include "deb/package_key.h"
#include "deb/query.h"
#include "deb/testing/apt_lists.h"
#include "deb/testing/commands.h"
#include "deb/testing/files.h"
#include "deb/upload_control.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::mirror {
namespace {

namespace fs = std::filesystem;

using ::debrepo::deb::testing::BuildNativeSource;
using ::debrepo::deb::testing::ReadFile;
using ::debrepo::deb::testing::Shell;
using ::debrepo::deb::testing::WriteFile;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

deb::Paragraph Stanza(absl::string_view text) {
  absl::StatusOr<deb::Paragraph> paragraph = deb::ParseParagraph(text);
  EXPECT_THAT(paragraph, IsOk()) << text;
  return paragraph.value_or(deb::Paragraph());
}

// UploadKey is the key an upload of `files` (name, path on disk) stores
// package `name` under, as worker/repo's import computes it.
std::string UploadKey(
    absl::string_view architecture, absl::string_view name,
    absl::string_view version,
    const std::vector<std::pair<std::string, fs::path>>& files) {
  std::vector<deb::PackageFile> hashed;
  for (const auto& [file_name, path] : files) {
    absl::StatusOr<deb::Checksums> checksums = deb::ChecksumFile(path);
    EXPECT_THAT(checksums, IsOk());
    hashed.push_back({file_name, *checksums});
  }
  return *deb::PackageKey(architecture, name, version, deb::FilesHash(hashed));
}

TEST(PackageFromPackagesStanzaTest, ConvertsEveryStanzaOfDebiansIndex) {
  absl::StatusOr<std::string> text =
      deb::testing::ReadDecompressedFile(*deb::testing::FindAptPackagesIndex());
  ASSERT_THAT(text, IsOk());
  deb::ParagraphReader reader(*text);
  deb::Paragraph stanza;
  int64_t converted = 0, with_provides = 0;
  while (*reader.Next(&stanza)) {
    absl::StatusOr<MirroredPackage> mirrored =
        PackageFromPackagesStanza(stanza, IndexKind::kPackages);
    ASSERT_THAT(mirrored, IsOk()) << stanza.ToString();
    ++converted;
    const storage::NewPackage& package = mirrored->package;
    // What a choice reads of the stanza unconverted is the same.
    absl::StatusOr<IndexedBinary> read =
        ReadPackagesStanza(stanza, IndexKind::kPackages);
    ASSERT_THAT(read, IsOk());
    EXPECT_EQ(read->key, package.key);
    EXPECT_EQ(read->name, package.name);
    EXPECT_EQ(read->version, package.version);
    EXPECT_EQ(read->architecture, package.architecture);
    EXPECT_EQ(read->package_type, package.package_type);
    EXPECT_EQ(read->provides, package.provides);
    ASSERT_EQ(package.files.size(), 1);
    ASSERT_EQ(mirrored->archive_paths.size(), 1);
    EXPECT_EQ(mirrored->archive_paths[0], stanza.GetOrEmpty("Filename"));
    EXPECT_EQ(package.files[0].sha256(), stanza.GetOrEmpty("SHA256"));
    EXPECT_EQ(package.files[0].md5(), stanza.GetOrEmpty("MD5sum"));
    EXPECT_EQ(absl::StrCat(package.files[0].size()), stanza.GetOrEmpty("Size"));
    if (!package.provides.empty()) ++with_provides;
    if (package.name != "apt") continue;
    // One stanza in full.
    EXPECT_EQ(package.version, stanza.GetOrEmpty("Version"));
    EXPECT_EQ(package.architecture, "amd64");
    EXPECT_EQ(package.source, "apt");
    EXPECT_EQ(package.package_type, "deb");
    EXPECT_EQ(package.files[0].name(),
              absl::StrCat("apt_", package.version, "_amd64.deb"));
    EXPECT_TRUE(package.paths.empty());
    std::vector<deb::PackageFile> files = {
        {package.files[0].name(),
         {static_cast<uint64_t>(package.files[0].size()),
          package.files[0].md5(), "", package.files[0].sha256(), ""}}};
    EXPECT_EQ(package.key, *deb::PackageKey("amd64", "apt", package.version,
                                            deb::FilesHash(files)));
    EXPECT_FALSE(package.control.Has("Filename"));
    EXPECT_FALSE(package.control.Has("SHA256"));
    EXPECT_FALSE(package.control.Has("MD5sum"));
    EXPECT_FALSE(package.control.Has("Size"));
    EXPECT_EQ(package.control.GetOrEmpty("Depends"),
              stanza.GetOrEmpty("Depends"));
    EXPECT_EQ(package.control.GetOrEmpty("Installed-Size"),
              stanza.GetOrEmpty("Installed-Size"));
  }
  EXPECT_GT(converted, 10000);
  EXPECT_GT(with_provides, 100);
}

// A .deb built here, indexed by apt-ftparchive (which lists MD5, SHA-1,
// SHA-256 and SHA-512): the key is the upload's.
TEST(PackageFromPackagesStanzaTest, KeysAsAnUploadOfTheSameDeb) {
  fs::path dir = fs::path(::testing::TempDir()) / "archive";
  fs::remove_all(dir);
  fs::path root = dir / "root";
  WriteFile(root / "DEBIAN/control",
            "Package: hello-mirror\nVersion: 1:2.0-1\nArchitecture: amd64\n"
            "Maintainer: T <t@example.org>\nSource: hello (2.0-0)\n"
            "Provides: hello-virtual (= 2), greeter\n"
            "Description: test\n Long.\n");
  WriteFile(root / "usr/share/doc/hello-mirror/README", "hello\n");
  fs::create_directories(dir / "pool/main");
  fs::path deb_path = dir / "pool/main/hello-mirror_2.0-1_amd64.deb";
  Shell(dir, "dpkg-deb --root-owner-group -b root " + deb_path.string() +
                 " >/dev/null");
  for (IndexKind kind : {IndexKind::kPackages, IndexKind::kInstallerPackages}) {
    deb::Paragraph stanza =
        Stanza(Shell(dir, "apt-ftparchive packages pool 2>/dev/null"));
    ASSERT_TRUE(stanza.Has("SHA1"));
    absl::StatusOr<MirroredPackage> mirrored =
        PackageFromPackagesStanza(stanza, kind);
    ASSERT_THAT(mirrored, IsOk());
    const storage::NewPackage& package = mirrored->package;
    const std::string type = kind == IndexKind::kPackages ? "deb" : "udeb";
    EXPECT_EQ(package.package_type, type);
    const std::string file_name = "hello-mirror_2.0-1_amd64." + type;
    EXPECT_EQ(package.files[0].name(), file_name);
    EXPECT_EQ(package.key, UploadKey("amd64", "hello-mirror", "1:2.0-1",
                                     {{file_name, deb_path}}));
    EXPECT_EQ(package.source, "hello");
    EXPECT_THAT(package.provides, ElementsAre("hello-virtual", "greeter"));
    EXPECT_THAT(mirrored->archive_paths,
                ElementsAre("pool/main/hello-mirror_2.0-1_amd64.deb"));
    // The control data is the .deb's, as an upload stores it.
    absl::StatusOr<deb::DebFile> uploaded = deb::ReadDebFile(deb_path);
    ASSERT_THAT(uploaded, IsOk());
    for (const deb::Field& field : uploaded->control.fields()) {
      EXPECT_EQ(package.control.GetOrEmpty(field.name), field.value)
          << field.name;
    }
  }
}

// A source package built here, indexed by apt-ftparchive.
TEST(PackageFromSourcesStanzaTest, KeysAsAnUploadOfTheSameDsc) {
  fs::path dir = fs::path(::testing::TempDir()) / "sources";
  fs::remove_all(dir);
  fs::create_directories(dir / "pool/main/h");
  fs::path dsc =
      BuildNativeSource(dir / "pool/main/h", "hello-src",
                        "Section: devel\nMaintainer: T <t@example.org>\n");
  deb::Paragraph stanza =
      Stanza(Shell(dir, "apt-ftparchive sources pool 2>/dev/null"));
  ASSERT_TRUE(stanza.Has("Directory"));
  absl::StatusOr<MirroredPackage> mirrored = PackageFromSourcesStanza(stanza);
  ASSERT_THAT(mirrored, IsOk());
  const storage::NewPackage& package = mirrored->package;
  EXPECT_EQ(package.name, "hello-src");
  EXPECT_EQ(package.version, "1.0");
  EXPECT_EQ(package.architecture, "source");
  EXPECT_EQ(package.source, "hello-src");
  EXPECT_EQ(package.package_type, "source");
  ASSERT_EQ(package.files.size(), 2);
  EXPECT_EQ(package.files[0].name(), "hello-src_1.0.dsc");
  EXPECT_EQ(package.files[1].name(), "hello-src_1.0.tar.xz");
  EXPECT_THAT(mirrored->archive_paths,
              ElementsAre("pool/main/h/hello-src_1.0.dsc",
                          "pool/main/h/hello-src_1.0.tar.xz"));
  EXPECT_EQ(package.key,
            UploadKey("source", "hello-src", "1.0",
                      {{"hello-src_1.0.dsc", dsc},
                       {"hello-src_1.0.tar.xz",
                        dir / "pool/main/h/hello-src_1.0.tar.xz"}}));
  // The control data is the .dsc's: what publishing parses.
  EXPECT_FALSE(package.control.Has("Directory"));
  EXPECT_FALSE(package.control.Has("Package"));
  absl::StatusOr<deb::UploadControl> as_dsc =
      deb::ParseDsc(package.control.ToString());
  ASSERT_THAT(as_dsc, IsOk());
  absl::StatusOr<deb::UploadControl> uploaded = deb::ParseDsc(ReadFile(dsc));
  ASSERT_THAT(uploaded, IsOk());
  ASSERT_EQ(as_dsc->files.size(), 1);
  EXPECT_EQ(as_dsc->files[0].name, uploaded->files[0].name);
  EXPECT_EQ(as_dsc->files[0].checksums.sha256,
            uploaded->files[0].checksums.sha256);
  EXPECT_EQ(package.control.GetOrEmpty("Checksums-Sha256"),
            uploaded->paragraph.GetOrEmpty("Checksums-Sha256"));
  EXPECT_EQ(package.control.GetOrEmpty("Format"), "3.0 (native)");
}

constexpr absl::string_view kBinary =
    "Package: hello\nVersion: 2.10-3\nArchitecture: amd64\n"
    "Filename: pool/main/h/hello/hello_2.10-3_amd64.deb\nSize: 53144\n"
    "MD5sum: 0d2e5fdc8fb1b5e1a3c5b1b0e7b7c5b2\n"
    "SHA256: 5f7b7b9a0c4d2f1e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f\n"
    "Description: hi\n";

TEST(PackageFromPackagesStanzaTest, RefusesHostileOrBrokenStanzas) {
  ASSERT_THAT(PackageFromPackagesStanza(Stanza(kBinary), IndexKind::kPackages),
              IsOk());
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{
           {"pool/main/h/hello/", "../../../etc/"},
           {"pool/main/h/hello/", "/etc/"},
           {"pool/main/h/hello/", "pool//"},
           {"pool/main/h/hello/", "pool/\x1b[2J/"},
           {"Filename", "Filenam"},
           {"Size: 53144", "Size: -1"},
           {"Size: 53144", "Size: 5x"},
           {"Size: 53144\n", ""},
           {"SHA256: 5f", "SHA256: "},
           {"SHA256", "SHA1"},
           {"MD5sum: 0d", "MD5sum: 0"},
           {"Package: hello", "Package: Hello_World"},
           {"Version: 2.10-3", "Version: 2 10"},
           {"Architecture: amd64", "Architecture: amd64 i386"},
           {"Description: hi", "Description: \xe9t\xe9"},
           {"Description: hi", "Description: hi\nSource: ../x"},
           {"Description: hi", "Description: hi\nProvides: a (>>"},
       }) {
    std::string text = absl::StrReplaceAll(kBinary, {{from, to}});
    absl::StatusOr<MirroredPackage> mirrored =
        PackageFromPackagesStanza(Stanza(text), IndexKind::kPackages);
    EXPECT_THAT(mirrored, StatusIs(absl::StatusCode::kFailedPrecondition))
        << text;
    EXPECT_THAT(mirrored.status().message(), HasSubstr("index stanza \""));
    // A sync that reads stanzas without converting them refuses the same.
    EXPECT_EQ(ReadPackagesStanza(Stanza(text), IndexKind::kPackages).status(),
              mirrored.status());
    // Read as a view, the same.
    deb::ParagraphReader reader(text);
    deb::ParagraphView view;
    ASSERT_THAT(reader.Next(&view), IsOkAndHolds(true));
    EXPECT_EQ(ReadPackagesStanza(view, IndexKind::kPackages).status(),
              mirrored.status());
  }
  absl::StatusOr<MirroredPackage> unsafe = PackageFromPackagesStanza(
      Stanza(absl::StrReplaceAll(kBinary, {{"pool/main", "../pool"}})),
      IndexKind::kPackages);
  EXPECT_THAT(unsafe.status().message(),
              HasSubstr("index stanza \"hello 2.10-3 amd64\": unsafe file "
                        "path \"../pool/h/hello/hello_2.10-3_amd64.deb\""));
}

TEST(ReadsArchiveFieldsTest, FindsTheArchivesFieldsAnywhereInAFilter) {
  for (absl::string_view text :
       {"Size (> 1000)", "nginx | !(Priority (required), Sha256 (% a*))",
        "Filename", "$Version (>= 1), MD5sum"}) {
    EXPECT_TRUE(ReadsArchiveFields(*deb::Query::Parse(text))) << text;
  }
  for (absl::string_view text :
       {"nginx | curl", "Priority (required), !Section (libs)",
        "Installed-Size (> 1000)", "$Architecture (amd64)"}) {
    EXPECT_FALSE(ReadsArchiveFields(*deb::Query::Parse(text))) << text;
  }
}

constexpr absl::string_view kSource =
    "Package: hello\nBinary: hello\nVersion: 2.10-3\nFormat: 3.0 (quilt)\n"
    "Directory: pool/main/h/hello\n"
    "Files:\n"
    " 11111111111111111111111111111111 1000 hello_2.10-3.dsc\n"
    " 22222222222222222222222222222222 2000 hello_2.10.orig.tar.gz\n"
    "Checksums-Sha256:\n"
    " 1111111111111111111111111111111111111111111111111111111111111111 1000 "
    "hello_2.10-3.dsc\n"
    " 2222222222222222222222222222222222222222222222222222222222222222 2000 "
    "hello_2.10.orig.tar.gz\n";

TEST(PackageFromSourcesStanzaTest, RefusesHostileOrBrokenStanzas) {
  absl::StatusOr<MirroredPackage> good =
      PackageFromSourcesStanza(Stanza(kSource));
  ASSERT_THAT(good, IsOk());
  EXPECT_EQ(good->package.files[0].sha256(), std::string(64, '1'));
  EXPECT_EQ(good->package.files[1].size(), 2000);
  absl::StatusOr<MirroredPackage> slash = PackageFromSourcesStanza(Stanza(
      absl::StrReplaceAll(kSource, {{"Directory: pool/main/h/hello",
                                     "Directory: pool/main/h/hello/"}})));
  ASSERT_THAT(slash, IsOk());
  EXPECT_EQ(slash->archive_paths[1],
            "pool/main/h/hello/hello_2.10.orig.tar.gz");
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{
           {"Directory: pool/main/h/hello", "Directory: ../../etc"},
           {"Directory: pool/main/h/hello", "Directory: /etc"},
           {"Directory: pool/main/h/hello\n", ""},
           {" hello_2.10.orig.tar.gz", " ../hello_2.10.orig.tar.gz"},
           {"hello_2.10-3.dsc", "hello_2.10-3.txt"},
           {"Checksums-Sha256", "Checksums-Sha1"},
           {"Format: 3.0 (quilt)\n", ""},
           {"Package: hello", "Package: ../hello"},
       }) {
    std::string text = absl::StrReplaceAll(kSource, {{from, to}});
    absl::StatusOr<MirroredPackage> mirrored =
        PackageFromSourcesStanza(Stanza(text));
    EXPECT_THAT(mirrored, StatusIs(absl::StatusCode::kFailedPrecondition))
        << text;
  }
}

}  // namespace
}  // namespace debrepo::mirror
