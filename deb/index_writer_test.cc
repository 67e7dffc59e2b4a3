// Index output compared with apt-ftparchive's for real packages, and with
// Debian's own Release file.
#include "deb/index_writer.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "deb/clearsign.h"
#include "deb/deb_file.h"
#include "deb/testing/commands.h"
#include "deb/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::deb::testing::BuildNativeSource;
using ::debrepo::deb::testing::Shell;

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;

using ::debrepo::deb::testing::ReadFile;
using ::debrepo::deb::testing::WriteFile;

namespace fs = std::filesystem;

// How many packages from apt's cache to compare (spread over the cache).
constexpr size_t kCachedDebs = 12;

// A repository directory whose pool holds a package built with dpkg-deb,
// a sample of the .debs in apt's cache and a source package.
class IndexWriterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::path(std::getenv("TEST_TMPDIR")) / "repo");
    fs::remove_all(*root_);
    fs::path pool = *root_ / "pool";
    fs::path tree = *root_ / "build/pkg";
    WriteFile(tree / "DEBIAN/control",
              "Package: built\nVersion: 1.0-1\nArchitecture: all\n"
              "Maintainer: T <t@example.org>\nDescription: built here\n"
              " Longer.\n .\n More.\nX-Custom: kept\nDepends: libc6\n"
              "Priority: optional\nSection: misc\n");
    WriteFile(tree /
                  "usr/share/built/a-very-long-directory-name/that-pushes/"
                  "the-path/past-column-sixty.txt",
              "x");
    WriteFile(tree / "usr/share/doc/built/copyright", "c");
    fs::create_directories(pool);
    Shell(*root_,
          "dpkg-deb --root-owner-group -b build/pkg pool/built_1.0-1_all.deb");
    std::vector<fs::path> cached;
    std::error_code error;
    for (const auto& entry :
         fs::directory_iterator("/var/cache/apt/archives", error)) {
      if (entry.path().extension() == ".deb" && entry.file_size() < (2 << 20)) {
        cached.push_back(entry.path());
      }
    }
    std::sort(cached.begin(), cached.end());
    for (size_t i = 0; i < kCachedDebs && !cached.empty(); ++i) {
      const fs::path& deb = cached[i * cached.size() / kCachedDebs];
      fs::copy_file(deb, pool / deb.filename(),
                    fs::copy_options::skip_existing);
    }
    BuildNativeSource(*root_ / "pool/main/h/hello-src", "hello-src",
                      "Section: devel\nPriority: optional\n"
                      "Maintainer: T <t@example.org>\n"
                      "Build-Depends: debhelper-compat (= 13)\n"
                      "Homepage: https://example.org\n"
                      "Standards-Version: 4.6.2\n"
                      "Vcs-Git: https://example.org/git\n");
    fs::remove_all(*root_ / "build");
  }

  static void TearDownTestSuite() { delete root_; }

  static std::vector<fs::path> Debs() {
    std::vector<fs::path> debs;
    for (const auto& entry : fs::directory_iterator(*root_ / "pool")) {
      if (entry.path().extension() == ".deb") debs.push_back(entry.path());
    }
    return debs;
  }

  static fs::path* root_;
};

fs::path* IndexWriterTest::root_ = nullptr;

TEST_F(IndexWriterTest, PackagesStanzasMatchAptFtparchive) {
  absl::StatusOr<std::vector<Paragraph>> theirs =
      ParseParagraphs(Shell(*root_, "apt-ftparchive packages pool"));
  ASSERT_THAT(theirs, IsOk());
  absl::flat_hash_map<std::string, Paragraph> by_filename;
  for (const Paragraph& p : *theirs) by_filename[p.GetOrEmpty("Filename")] = p;
  std::vector<fs::path> debs = Debs();
  ASSERT_GE(debs.size(), 1);
  for (const fs::path& deb : debs) {
    absl::StatusOr<DebFile> file = ReadDebFile(deb.string());
    ASSERT_THAT(file, IsOk()) << deb;
    std::string filename = "pool/" + deb.filename().string();
    Paragraph ours = *PackagesStanza(file->control, filename, file->checksums);
    ASSERT_TRUE(by_filename.contains(filename)) << filename;
    EXPECT_EQ(ours.ToString(), by_filename[filename].ToString());
    std::string appended = "before\n";
    ASSERT_THAT(AppendPackagesStanza(file->control, filename, file->checksums,
                                     &appended),
                IsOk());
    EXPECT_EQ(appended, "before\n" + by_filename[filename].ToString());
  }
}

TEST_F(IndexWriterTest, ContentsMatchesAptFtparchive) {
  ContentsIndex contents;
  for (const fs::path& deb : Debs()) {
    absl::StatusOr<DebFile> file = ReadDebFile(deb.string());
    ASSERT_THAT(file, IsOk()) << deb;
    contents.Add(file->control.GetOrEmpty("Package"), file->paths);
  }
  std::string base = (*root_ / "Contents-amd64").string();
  auto writer = CompressedWriter::Create(base, {Compression::kNone});
  ASSERT_THAT(writer, IsOk());
  ASSERT_THAT(contents.WriteTo(**writer), IsOk());
  ASSERT_THAT((*writer)->Finish(), IsOk());
  std::string theirs = Shell(*root_, "apt-ftparchive contents pool");
  std::vector<std::string> our_lines = absl::StrSplit(ReadFile(base), '\n');
  std::vector<std::string> their_lines = absl::StrSplit(theirs, '\n');
  EXPECT_GT(their_lines.size(), 100);
  for (size_t i = 0; i < std::min(our_lines.size(), their_lines.size()); ++i) {
    ASSERT_EQ(our_lines[i], their_lines[i]) << "line " << i + 1;
  }
  EXPECT_EQ(our_lines.size(), their_lines.size());
}

// ContentsWriter streams sorted pairs, one line per path.
TEST(ContentsWriterTest, GroupsSortedPathsAndRejectsUnsortedInput) {
  std::string base =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/Contents-streamed");
  auto writer = CompressedWriter::Create(base, {Compression::kNone});
  ASSERT_THAT(writer, IsOk());
  ContentsWriter contents(**writer);
  ASSERT_THAT(contents.Add("usr/bin/a", "admin/pa"), IsOk());
  ASSERT_THAT(contents.Add("usr/bin/a", "net/pb"), IsOk());
  ASSERT_THAT(contents.Add("usr/bin/a", "admin/pa"), IsOk());
  ASSERT_THAT(contents.Add("usr/bin/b", "net/pb"), IsOk());
  EXPECT_THAT(contents.Add("usr/bin/a", "net/pc"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_THAT(contents.Finish(), IsOk());
  ASSERT_THAT((*writer)->Finish(), IsOk());
  EXPECT_EQ(ReadFile(base),
            "usr/bin/a\t\t\t\t\t\t    admin/pa,net/pb\n"
            "usr/bin/b\t\t\t\t\t\t    net/pb\n");
}

TEST_F(IndexWriterTest, SourcesStanzaMatchesAptFtparchive) {
  std::string theirs = Shell(*root_, "apt-ftparchive sources pool");
  fs::path dsc_path = *root_ / "pool/main/h/hello-src/hello-src_1.0.dsc";
  absl::StatusOr<UploadControl> dsc = ParseDsc(ReadFile(dsc_path));
  ASSERT_THAT(dsc, IsOk());
  // The .dsc lists no SHA-512; the repository computes it, as apt-ftparchive.
  for (ListedFile& file : dsc->files) {
    absl::StatusOr<Checksums> sums =
        ChecksumFile((dsc_path.parent_path() / file.name).string());
    ASSERT_THAT(sums, IsOk());
    file.checksums.sha512 = sums->sha512;
  }
  absl::StatusOr<Checksums> dsc_checksums = ChecksumFile(dsc_path.string());
  ASSERT_THAT(dsc_checksums, IsOk());
  Paragraph ours = *SourcesStanza(*dsc, "hello-src_1.0.dsc", *dsc_checksums,
                                  "pool/main/h/hello-src");
  EXPECT_EQ(ours.ToString() + "\n", theirs);
}

// Rebuilding the paragraph of Debian's own InRelease from its parts must
// give back the same text for every field we write.
TEST(ReleaseTest, ReproducesDebiansReleaseLayout) {
  std::string in_release = ReadFile(
      "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease");
  ASSERT_FALSE(in_release.empty());
  absl::StatusOr<ClearSigned> message = SplitClearSigned(in_release);
  ASSERT_THAT(message, IsOk());
  absl::StatusOr<Paragraph> real = ParseParagraph(message->text);
  ASSERT_THAT(real, IsOk());

  ReleaseInfo info;
  info.origin = std::string(real->GetOrEmpty("Origin"));
  info.label = std::string(real->GetOrEmpty("Label"));
  info.suite = std::string(real->GetOrEmpty("Suite"));
  info.version = std::string(real->GetOrEmpty("Version"));
  info.codename = std::string(real->GetOrEmpty("Codename"));
  std::string error;
  ASSERT_TRUE(absl::ParseTime("%a, %d %b %Y %H:%M:%S UTC",
                              std::string(real->GetOrEmpty("Date")), &info.date,
                              &error))
      << error;
  info.acquire_by_hash = real->GetOrEmpty("Acquire-By-Hash") == "yes";
  info.architectures = absl::StrSplit(real->GetOrEmpty("Architectures"), ' ');
  info.components = absl::StrSplit(real->GetOrEmpty("Components"), ' ');
  info.description = std::string(real->GetOrEmpty("Description"));

  // Debian lists MD5Sum and SHA256 only; merge them per path.
  std::map<std::string, Checksums> files;
  for (auto [field, digest] : {std::pair{"MD5Sum", &Checksums::md5},
                               std::pair{"SHA256", &Checksums::sha256}}) {
    for (absl::string_view line : absl::StrSplit(real->GetOrEmpty(field), '\n',
                                                 absl::SkipWhitespace())) {
      std::vector<std::string> words =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      ASSERT_EQ(words.size(), 3);
      Checksums& sums = files[words[2]];
      sums.*digest = words[0];
      ASSERT_TRUE(absl::SimpleAtoi(words[1], &sums.size));
    }
  }
  std::vector<ReleaseFileEntry> entries;
  for (const auto& [path, sums] : files) entries.push_back({path, sums});

  Paragraph ours = *ReleaseParagraph(info, entries);
  EXPECT_FALSE(ours.Has("SHA1"));
  EXPECT_FALSE(ours.Has("Valid-Until"));
  for (const Field& field : ours.fields()) {
    EXPECT_EQ(field.value, real->GetOrEmpty(field.name)) << field.name;
  }
  for (const char* name :
       {"Origin", "Date", "Architectures", "MD5Sum", "SHA256"}) {
    EXPECT_TRUE(ours.Has(name)) << name;
  }
}

TEST(ReleaseTest, WritesValidUntilAndAllDigests) {
  ReleaseInfo info;
  info.origin = "debrepo";
  info.date = absl::FromUnixSeconds(0);
  info.valid_until = absl::FromUnixSeconds(86400 * 7);
  info.architectures = {"amd64"};
  Checksums sums{1234, "m", "s1", "s256", "s512"};
  Paragraph p = *ReleaseParagraph(info, {{"main/binary-amd64/Packages", sums}});
  EXPECT_EQ(p.ToString(),
            "Origin: debrepo\n"
            "Date: Thu, 01 Jan 1970 00:00:00 UTC\n"
            "Valid-Until: Thu, 08 Jan 1970 00:00:00 UTC\n"
            "Architectures: amd64\n"
            "MD5Sum:\n m     1234 main/binary-amd64/Packages\n"
            "SHA1:\n s1     1234 main/binary-amd64/Packages\n"
            "SHA256:\n s256     1234 main/binary-amd64/Packages\n"
            "SHA512:\n s512     1234 main/binary-amd64/Packages\n");
}

// NotAutomatic and ButAutomaticUpgrades sit where Debian's backports Release
// has them: after the dates, before Acquire-By-Hash.
TEST(ReleaseTest, WritesNotAutomaticBeforeAcquireByHash) {
  ReleaseInfo info;
  info.suite = "bookworm-backports";
  info.date = absl::FromUnixSeconds(0);
  info.not_automatic = true;
  info.but_automatic_upgrades = true;
  info.acquire_by_hash = true;
  info.architectures = {"amd64"};
  EXPECT_EQ(ReleaseParagraph(info, {})->ToString(),
            "Suite: bookworm-backports\n"
            "Date: Thu, 01 Jan 1970 00:00:00 UTC\n"
            "NotAutomatic: yes\n"
            "ButAutomaticUpgrades: yes\n"
            "Acquire-By-Hash: yes\n"
            "Architectures: amd64\n");
}

// Values from API callers cannot inject fields or stanzas into indices.
TEST(ReleaseTest, RejectsInjectedFields) {
  ReleaseInfo good;
  good.origin = "debrepo";
  good.description = EncodeMultiline("two\nlines");
  ASSERT_THAT(ReleaseParagraph(good, {}), IsOk());
  Checksums sums{1, "m", "", "", ""};
  auto bad = [&](auto mutate) {
    ReleaseInfo info = good;
    std::vector<ReleaseFileEntry> files = {{"main/Packages", sums}};
    mutate(info, files);
    return ReleaseParagraph(info, files).status();
  };
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(bad([](ReleaseInfo& i, auto&) { i.origin = "x\nSHA256: evil"; }),
              StatusIs(kInvalid));
  EXPECT_THAT(bad([](ReleaseInfo& i, auto&) { i.label = "x\n evil"; }),
              StatusIs(kInvalid));
  EXPECT_THAT(bad([](ReleaseInfo& i, auto&) { i.suite = "x\n"; }),
              StatusIs(kInvalid));
  EXPECT_THAT(
      bad([](ReleaseInfo& i, auto&) { i.description = "x\nValid-Until: y"; }),
      StatusIs(kInvalid));
  EXPECT_THAT(
      bad([](ReleaseInfo& i, auto&) { i.components = {"main contrib"}; }),
      StatusIs(kInvalid));
  EXPECT_THAT(bad([](ReleaseInfo& i, auto&) { i.architectures = {"a\nB: c"}; }),
              StatusIs(kInvalid));
  EXPECT_THAT(bad([](ReleaseInfo&, std::vector<ReleaseFileEntry>& f) {
                f[0].path = "main/Packages\nInjected: yes";
              }),
              StatusIs(kInvalid));
  // A Sources stanza never silently lacks Checksums-Sha256.
  UploadControl dsc{*ParseParagraph("Source: ab\nVersion: 1\n"),
                    "ab",
                    *Version::Parse("1"),
                    {{"ab_1.tar.xz", sums, "", ""}}};
  EXPECT_THAT(SourcesStanza(dsc, "ab_1.dsc", sums, "pool/main/a/ab"),
              StatusIs(kInvalid));
  Checksums with_sha256 = sums;
  with_sha256.sha256 = "s256";
  dsc.files[0].checksums = with_sha256;
  EXPECT_THAT(SourcesStanza(dsc, "ab_1.dsc", sums, "pool/main/a/ab"),
              StatusIs(kInvalid));
  absl::StatusOr<Paragraph> stanza =
      SourcesStanza(dsc, "ab_1.dsc", with_sha256, "pool/main/a/ab");
  ASSERT_THAT(stanza, IsOk());
  EXPECT_TRUE(stanza->Has("Checksums-Sha256"));
  Paragraph control = *ParseParagraph("Package: ab\nVersion: 1\n");
  EXPECT_THAT(PackagesStanza(control, "pool/a.deb\n\nPackage: evil", sums),
              StatusIs(kInvalid));
  std::string appended;
  EXPECT_THAT(AppendPackagesStanza(control, "pool/a.deb\n\nPackage: evil", sums,
                                   &appended),
              StatusIs(kInvalid));
  EXPECT_EQ(appended, "");
}

// A package mirrored from Debian has no SHA-1 (nor SHA-512) to publish.
TEST(PackagesStanzaTest, LeavesOutDigestsItDoesNotHave) {
  Paragraph control = *ParseParagraph(
      "Package: ab\nVersion: 1\nArchitecture: all\nSHA1: stale\n");
  Checksums checksums{10, std::string(32, 'a'), "", std::string(64, 'b'), ""};
  absl::StatusOr<Paragraph> stanza =
      PackagesStanza(control, "pool/ab_1_all.deb", checksums);
  ASSERT_THAT(stanza, IsOk());
  EXPECT_EQ(stanza->GetOrEmpty("MD5sum"), std::string(32, 'a'));
  EXPECT_EQ(stanza->GetOrEmpty("SHA256"), std::string(64, 'b'));
  EXPECT_FALSE(stanza->Has("SHA1"));
  EXPECT_FALSE(stanza->Has("SHA512"));
}

// Fields replaced whatever their case, apt's order first, unknown fields
// after it in their own order, multi-line values kept.
TEST(PackagesStanzaTest, AppendsFieldsInAptsOrder) {
  Paragraph control = *ParseParagraph(
      "Package: ab\nX-Custom: y\nVersion: 1\nsha1: stale\nFILENAME: old\n"
      "Description: d\n more\nArchitecture: all\nX-Other:\n z\n");
  Checksums checksums{10, std::string(32, 'a'), "", std::string(64, 'b'), ""};
  std::string appended;
  ASSERT_THAT(
      AppendPackagesStanza(control, "pool/ab_1_all.deb", checksums, &appended),
      IsOk());
  EXPECT_EQ(appended, absl::StrCat("Package: ab\nArchitecture: all\n"
                                   "Version: 1\nFilename: pool/ab_1_all.deb\n"
                                   "Size: 10\nMD5sum: ",
                                   std::string(32, 'a'),
                                   "\nSHA256: ", std::string(64, 'b'),
                                   "\nDescription: d\n more\nX-Custom: y\n"
                                   "X-Other:\n z\n"));
  EXPECT_EQ(
      appended,
      PackagesStanza(control, "pool/ab_1_all.deb", checksums)->ToString());
}

}  // namespace
}  // namespace debrepo::deb
