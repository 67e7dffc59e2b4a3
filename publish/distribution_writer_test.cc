// Writes trees over packages built with dpkg-deb and dpkg-source and checks
// them against apt-ftparchive, the Release file's hashes against the files,
// and the signatures with gpgv.
#include "publish/distribution_writer.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "deb/checksums.h"
#include "deb/control.h"
#include "deb/deb_file.h"
#include "deb/gpgv_verifier.h"
#include "deb/package_key.h"
#include "deb/testing/commands.h"
#include "deb/testing/files.h"
#include "deb/testing/gpg_keys.h"
#include "deb/upload_control.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "publish/signer.h"

namespace debrepo::publish {
namespace {

using ::debrepo::deb::testing::BuildNativeSource;
using ::debrepo::deb::testing::MakeTestKey;
using ::debrepo::deb::testing::RemoveTestKey;
using ::debrepo::deb::testing::RunOk;
using ::debrepo::deb::testing::Shell;
using ::debrepo::deb::testing::TestKey;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using ::debrepo::deb::testing::ReadFile;
using ::debrepo::deb::testing::WriteFile;

namespace fs = std::filesystem;

// BuildDeb builds a binary package from `control` with dpkg-deb into
// `pool_dir` and returns its path.
fs::path BuildDeb(const fs::path& root, const std::string& pool_dir,
                  const std::string& file_name, const std::string& control) {
  fs::path tree = root / "build" / file_name;
  WriteFile(tree / "DEBIAN/control", control);
  WriteFile(tree / "usr/share/doc" / file_name / "copyright", "c");
  fs::create_directories(root / pool_dir);
  Shell(root, "dpkg-deb --root-owner-group -b build/" + file_name + " " +
                  pool_dir + "/" + file_name + " >/dev/null");
  return root / pool_dir / file_name;
}

std::string Control(const std::string& package, const std::string& arch,
                    const std::string& extra = "") {
  return absl::StrCat("Package: ", package,
                      "\nVersion: 1.0-1\nArchitecture: ", arch,
                      "\nMaintainer: T <t@example.org>\n", extra,
                      "Priority: optional\nSection: misc\n"
                      "Description: test package\n Longer text.\n");
}

// BinaryPackage describes the package at `path` as the database hands it to
// the writer.
IndexedPackage BinaryPackage(const fs::path& path, const std::string& source,
                             PackageKind kind = PackageKind::kDeb) {
  absl::StatusOr<deb::DebFile> deb = deb::ReadDebFile(path.string());
  EXPECT_THAT(deb, IsOk()) << path;
  IndexedPackage package;
  package.name = std::string(deb->control.GetOrEmpty("Package"));
  package.architecture = std::string(deb->control.GetOrEmpty("Architecture"));
  package.kind = kind;
  package.stanza = deb->control.ToString();
  package.source = source;
  package.files.push_back({path.filename().string(), deb->checksums});
  return package;
}

IndexedPackage SourcePackage(const fs::path& dsc_path) {
  absl::StatusOr<deb::UploadControl> dsc = deb::ParseDsc(ReadFile(dsc_path));
  EXPECT_THAT(dsc, IsOk());
  IndexedPackage package;
  package.name = dsc->source;
  package.architecture = "source";
  package.kind = PackageKind::kSource;
  package.stanza = dsc->paragraph.ToString();
  package.source = dsc->source;
  for (const std::string& name : [&] {
         std::vector<std::string> names = {dsc_path.filename().string()};
         for (const deb::ListedFile& file : dsc->files)
           names.push_back(file.name);
         return names;
       }()) {
    absl::StatusOr<deb::Checksums> sums =
        deb::ChecksumFile((dsc_path.parent_path() / name).string());
    EXPECT_THAT(sums, IsOk());
    package.files.push_back({name, *sums});
  }
  return package;
}

// ReleaseEntries reads one checksum section of a Release file: path → (digest,
// size).
std::map<std::string, std::pair<std::string, uint64_t>> ReleaseEntries(
    const deb::Paragraph& release, absl::string_view section) {
  std::map<std::string, std::pair<std::string, uint64_t>> entries;
  for (absl::string_view line : absl::StrSplit(release.GetOrEmpty(section),
                                               '\n', absl::SkipWhitespace())) {
    std::vector<std::string> words =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    EXPECT_EQ(words.size(), 3) << line;
    if (words.size() != 3) continue;
    uint64_t size = 0;
    EXPECT_TRUE(absl::SimpleAtoi(words[1], &size));
    entries[words[2]] = {words[0], size};
  }
  return entries;
}

// A publish root whose pool holds binary packages for amd64, arm64, i386 and
// all, a udeb and a source package, laid out as a publication lays them out.
class DistributionWriterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::path(std::getenv("TEST_TMPDIR")) / "root");
    fs::remove_all(*root_);
    packages_ = new std::vector<IndexedPackage>;
    struct Binary {
      std::string file_name, source, control;
      PackageKind kind = PackageKind::kDeb;
    };
    for (const Binary& binary : std::vector<Binary>{
             {"hello_1.0-1_amd64.deb", "hello",
              Control("hello", "amd64",
                      "Depends: libfoo1 (>= 1.0)\nX-Custom: kept\n")},
             {"hello-doc_1.0-1_all.deb", "hello",
              Control("hello-doc", "all", "Source: hello\n")},
             {"libfoo1_1.0-1_arm64.deb", "libfoo",
              Control("libfoo1", "arm64", "Source: libfoo\n")},
             {"libfoo1_1.0-1_i386.deb", "libfoo",
              Control("libfoo1", "i386", "Source: libfoo\n")},
             {"hello-udeb_1.0-1_amd64.udeb", "hello",
              Control("hello-udeb", "amd64",
                      "Source: hello\nPackage-Type: udeb\n"),
              PackageKind::kUdeb}}) {
      packages_->push_back(BinaryPackage(
          BuildDeb(*root_, *deb::PoolDirectory("main", binary.source),
                   binary.file_name, binary.control),
          binary.source, binary.kind));
    }
    packages_->push_back(SourcePackage(BuildNativeSource(
        *root_ / *deb::PoolDirectory("main", "hello"), "hello",
        "Section: devel\nPriority: optional\n"
        "Maintainer: T <t@example.org>\n"
        "Build-Depends: debhelper-compat (= 13)\n"
        "Standards-Version: 4.6.2\n")));
    fs::remove_all(*root_ / "build");
    key_ = new TestKey(MakeTestKey("archive"));
  }

  static void TearDownTestSuite() {
    RemoveTestKey(*key_);
    delete key_;
    delete packages_;
    delete root_;
  }

  // Options for a tree at dists/`dist` with main, amd64, arm64 and source.
  static DistributionOptions Options(const std::string& dist) {
    DistributionOptions options;
    options.directory = (*root_ / "dists" / dist).string();
    options.release.origin = "debrepo test";
    options.release.label = "test";
    options.release.suite = "stable";
    options.release.codename = dist;
    options.release.date = absl::FromUnixSeconds(1767225600);
    options.release.architectures = {"amd64", "arm64", "source"};
    options.release.components = {"main"};
    options.compressions = {deb::Compression::kGzip, deb::Compression::kXz};
    return options;
  }

  // WriteTree writes every package into a tree with `options`.
  static void WriteTree(const DistributionOptions& options,
                        const Signer* signer) {
    absl::StatusOr<std::unique_ptr<DistributionWriter>> writer =
        DistributionWriter::Create(options);
    ASSERT_THAT(writer, IsOk());
    for (const IndexedPackage& package : *packages_) {
      ASSERT_THAT((*writer)->Add("main", package), IsOk()) << package.name;
    }
    ASSERT_THAT((*writer)->Finish(signer), IsOk());
  }

  static std::unique_ptr<Signer> MakeSigner() {
    absl::StatusOr<std::unique_ptr<Signer>> signer =
        Signer::Create({.gnupg_home = key_->home});
    EXPECT_THAT(signer, IsOk());
    return signer.ok() ? *std::move(signer) : nullptr;
  }

  static fs::path* root_;
  static std::vector<IndexedPackage>* packages_;
  static TestKey* key_;
};

fs::path* DistributionWriterTest::root_ = nullptr;
std::vector<IndexedPackage>* DistributionWriterTest::packages_ = nullptr;
TestKey* DistributionWriterTest::key_ = nullptr;

// Stanzas by Filename (Packages) or Directory (Sources).
std::map<std::string, deb::Paragraph> StanzasBy(absl::string_view text,
                                                absl::string_view key) {
  absl::StatusOr<std::vector<deb::Paragraph>> paragraphs =
      deb::ParseParagraphs(text);
  EXPECT_THAT(paragraphs, IsOk());
  std::map<std::string, deb::Paragraph> by_key;
  for (deb::Paragraph& p : *paragraphs) {
    by_key[std::string(p.GetOrEmpty(key))] = std::move(p);
  }
  return by_key;
}

// ExpectSameFields compares two stanzas field by field, in order.
void ExpectSameFields(const deb::Paragraph& ours,
                      const deb::Paragraph& theirs) {
  ASSERT_EQ(ours.size(), theirs.size()) << ours.ToString() << "\nvs\n"
                                        << theirs.ToString();
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours.fields()[i].name, theirs.fields()[i].name);
    EXPECT_EQ(ours.fields()[i].value, theirs.fields()[i].value)
        << ours.fields()[i].name;
  }
}

TEST_F(DistributionWriterTest, IndicesMatchAptFtparchive) {
  DistributionOptions options = Options("match");
  WriteTree(options, nullptr);
  fs::path dist = options.directory;
  std::map<std::string, deb::Paragraph> theirs =
      StanzasBy(Shell(*root_, "apt-ftparchive packages pool/main"), "Filename");
  std::map<std::string, deb::Paragraph> amd64 =
      StanzasBy(ReadFile(dist / "main/binary-amd64/Packages"), "Filename");
  std::map<std::string, deb::Paragraph> arm64 =
      StanzasBy(ReadFile(dist / "main/binary-arm64/Packages"), "Filename");
  const std::string hello = "pool/main/h/hello/";
  const std::string libfoo = "pool/main/libf/libfoo/";
  // amd64 and all in binary-amd64; arm64 and all in binary-arm64; i386 is
  // not published.
  std::vector<std::string> amd64_files, arm64_files;
  for (const auto& [filename, stanza] : amd64) amd64_files.push_back(filename);
  for (const auto& [filename, stanza] : arm64) arm64_files.push_back(filename);
  EXPECT_THAT(amd64_files, ElementsAre(hello + "hello-doc_1.0-1_all.deb",
                                       hello + "hello_1.0-1_amd64.deb"));
  EXPECT_THAT(arm64_files, ElementsAre(hello + "hello-doc_1.0-1_all.deb",
                                       libfoo + "libfoo1_1.0-1_arm64.deb"));
  for (const auto* index : {&amd64, &arm64}) {
    for (const auto& [filename, stanza] : *index) {
      ASSERT_TRUE(theirs.contains(filename)) << filename;
      ExpectSameFields(stanza, theirs[filename]);
    }
  }

  std::map<std::string, deb::Paragraph> their_udebs = StanzasBy(
      Shell(*root_,
            "apt-ftparchive -o APT::FTPArchive::Packages::Extensions=.udeb "
            "packages pool/main"),
      "Filename");
  std::map<std::string, deb::Paragraph> udebs =
      StanzasBy(ReadFile(dist / "main/debian-installer/binary-amd64/Packages"),
                "Filename");
  ASSERT_EQ(udebs.size(), 1);
  ASSERT_TRUE(their_udebs.contains(hello + "hello-udeb_1.0-1_amd64.udeb"));
  ExpectSameFields(udebs.begin()->second,
                   their_udebs[hello + "hello-udeb_1.0-1_amd64.udeb"]);
  // Once a component has udebs, every architecture has an installer index.
  EXPECT_TRUE(fs::exists(dist / "main/debian-installer/binary-arm64/Packages"));
  EXPECT_EQ(ReadFile(dist / "main/debian-installer/binary-arm64/Packages"), "");

  std::map<std::string, deb::Paragraph> their_sources =
      StanzasBy(Shell(*root_, "apt-ftparchive sources pool/main"), "Package");
  std::map<std::string, deb::Paragraph> sources =
      StanzasBy(ReadFile(dist / "main/source/Sources"), "Package");
  ASSERT_EQ(sources.size(), 1);
  ASSERT_TRUE(their_sources.contains("hello"));
  ExpectSameFields(sources["hello"], their_sources["hello"]);
}

TEST_F(DistributionWriterTest, CompressedIndicesHoldTheSameText) {
  DistributionOptions options = Options("compressed");
  WriteTree(options, nullptr);
  fs::path packages =
      fs::path(options.directory) / "main/binary-amd64/Packages";
  std::string plain = ReadFile(packages);
  EXPECT_THAT(plain, HasSubstr("Package: hello\n"));
  EXPECT_EQ(RunOk({"zcat", packages.string() + ".gz"}), plain);
  EXPECT_EQ(RunOk({"xzcat", packages.string() + ".xz"}), plain);
  EXPECT_FALSE(fs::exists(packages.string() + ".bz2"));
}

TEST_F(DistributionWriterTest, ReleaseListsEveryFileWithItsHashes) {
  DistributionOptions options = Options("release");
  options.release.not_automatic = true;
  options.release.but_automatic_upgrades = true;
  WriteTree(options, nullptr);
  fs::path dist = options.directory;
  absl::StatusOr<deb::Paragraph> release =
      deb::ParseParagraph(ReadFile(dist / "Release"));
  ASSERT_THAT(release, IsOk());
  EXPECT_EQ(release->GetOrEmpty("Suite"), "stable");
  EXPECT_EQ(release->GetOrEmpty("Codename"), "release");
  EXPECT_EQ(release->GetOrEmpty("Date"), "Thu, 01 Jan 2026 00:00:00 UTC");
  EXPECT_EQ(release->GetOrEmpty("Architectures"), "amd64 arm64");
  EXPECT_EQ(release->GetOrEmpty("Components"), "main");
  EXPECT_EQ(release->GetOrEmpty("NotAutomatic"), "yes");
  EXPECT_EQ(release->GetOrEmpty("ButAutomaticUpgrades"), "yes");
  EXPECT_FALSE(fs::exists(dist / "InRelease"));
  EXPECT_FALSE(fs::exists(dist / "Release.gpg"));

  std::set<std::string> on_disk;
  for (const auto& entry : fs::recursive_directory_iterator(dist)) {
    if (entry.is_regular_file()) {
      on_disk.insert(fs::relative(entry.path(), dist).string());
    }
  }
  on_disk.erase("Release");
  std::set<std::string> listed;
  for (const auto& [section, digest] :
       {std::pair{"MD5Sum", &deb::Checksums::md5},
        std::pair{"SHA1", &deb::Checksums::sha1},
        std::pair{"SHA256", &deb::Checksums::sha256},
        std::pair{"SHA512", &deb::Checksums::sha512}}) {
    for (const auto& [path, entry] : ReleaseEntries(*release, section)) {
      listed.insert(path);
      absl::StatusOr<deb::Checksums> sums =
          deb::ChecksumFile((dist / path).string());
      ASSERT_THAT(sums, IsOk()) << path;
      EXPECT_EQ(entry.first, (*sums).*digest) << section << " " << path;
      EXPECT_EQ(entry.second, sums->size) << path;
    }
  }
  EXPECT_EQ(listed, on_disk);
  EXPECT_TRUE(listed.contains("main/binary-amd64/Packages.xz"));
  EXPECT_TRUE(listed.contains("main/source/Sources.gz"));

  absl::StatusOr<deb::Paragraph> arch_release =
      deb::ParseParagraph(ReadFile(dist / "main/binary-arm64/Release"));
  ASSERT_THAT(arch_release, IsOk());
  EXPECT_EQ(arch_release->ToString(),
            "Archive: stable\nOrigin: debrepo test\nLabel: test\n"
            "Component: main\nArchitecture: arm64\n");
}

TEST_F(DistributionWriterTest, SignaturesVerifyWithGpgv) {
  DistributionOptions options = Options("signed");
  std::unique_ptr<Signer> signer = MakeSigner();
  ASSERT_NE(signer, nullptr);
  WriteTree(options, signer.get());
  fs::path dist = options.directory;
  std::string release = ReadFile(dist / "Release");
  absl::StatusOr<deb::GpgvVerifier> verifier =
      deb::GpgvVerifier::Create({key_->keyring});
  ASSERT_THAT(verifier, IsOk());
  absl::StatusOr<deb::VerifiedMessage> verified =
      verifier->VerifyClearSigned(ReadFile(dist / "InRelease"));
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->text, release);
  EXPECT_EQ(verified->signer.fingerprint, key_->fingerprint);
  RunOk({"gpgv", "--keyring", key_->keyring, (dist / "Release.gpg").string(),
         (dist / "Release").string()});
}

TEST_F(DistributionWriterTest, RefusesBadOptionsAndPackages) {
  DistributionOptions options = Options("refused");
  options.release.components = {"../main"};
  EXPECT_THAT(DistributionWriter::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = Options("refused");
  options.release.architectures = {"amd64/x"};
  EXPECT_THAT(DistributionWriter::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = Options("refused");
  options.release.components.clear();
  EXPECT_THAT(DistributionWriter::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));

  options = Options("refused");
  absl::StatusOr<std::unique_ptr<DistributionWriter>> writer =
      DistributionWriter::Create(options);
  ASSERT_THAT(writer, IsOk());
  // The directory must be new: a second writer of it is refused.
  EXPECT_THAT(DistributionWriter::Create(options),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  const IndexedPackage& hello = packages_->front();
  EXPECT_THAT((*writer)->Add("contrib", hello),
              StatusIs(absl::StatusCode::kInvalidArgument));
  IndexedPackage broken = hello;
  broken.stanza = "not a stanza";
  EXPECT_THAT((*writer)->Add("main", broken),
              StatusIs(absl::StatusCode::kInvalidArgument));
  broken = hello;
  broken.files.clear();
  EXPECT_THAT((*writer)->Add("main", broken),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A source or file name that would lead out of the pool (a stored
  // package's, which the import did not check).
  for (const char* name : {"../../../../etc/x", "..", "a/b", "a\nb"}) {
    broken = hello;
    broken.source = name;
    EXPECT_THAT((*writer)->Add("main", broken),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << name;
    broken = hello;
    broken.files[0].name = name;
    EXPECT_THAT((*writer)->Add("main", broken),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << name;
    IndexedPackage source = packages_->back();
    ASSERT_EQ(source.kind, PackageKind::kSource);
    source.files.back().name = name;
    EXPECT_THAT((*writer)->Add("main", source),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << name;
  }
}

// Files of the tree (relative paths) with their contents.
std::map<std::string, std::string> TreeFiles(const fs::path& tree) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(tree)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), tree).string()] = ReadFile(entry.path());
    }
  }
  return files;
}

TEST_F(DistributionWriterTest, ThreadsDoNotChangeTheTree) {
  DistributionOptions one = Options("one-thread");
  one.threads = 1;
  one.compressions.push_back(deb::Compression::kBzip2);
  WriteTree(one, nullptr);
  DistributionOptions three = Options("three-threads");
  three.threads = 3;
  three.compressions = one.compressions;
  three.release.codename = one.release.codename;
  WriteTree(three, nullptr);
  std::map<std::string, std::string> files = TreeFiles(one.directory);
  EXPECT_EQ(files, TreeFiles(three.directory));
  EXPECT_TRUE(files.contains("main/binary-amd64/Packages.bz2"));
  EXPECT_EQ(RunOk({"bzip2", "-dc",
                   (fs::path(one.directory) / "main/binary-amd64/Packages.bz2")
                       .string()}),
            files["main/binary-amd64/Packages"]);
}

TEST_F(DistributionWriterTest, ByHashKeepsThisAndThePreviousGeneration) {
  auto write = [&](const std::string& dist, const std::string& previous,
                   size_t packages) {
    DistributionOptions options = Options(dist);
    options.release.acquire_by_hash = true;
    options.previous_directory = previous;
    absl::StatusOr<std::unique_ptr<DistributionWriter>> writer =
        DistributionWriter::Create(options);
    EXPECT_THAT(writer, IsOk());
    for (size_t i = 0; i < packages; ++i) {
      EXPECT_THAT((*writer)->Add("main", (*packages_)[i]), IsOk());
    }
    EXPECT_THAT((*writer)->Finish(nullptr), IsOk());
    absl::StatusOr<deb::Paragraph> release =
        deb::ParseParagraph(ReadFile(fs::path(options.directory) / "Release"));
    EXPECT_THAT(release, IsOk());
    EXPECT_EQ(release->GetOrEmpty("Acquire-By-Hash"), "yes");
    return *release;
  };
  const fs::path first = *root_ / "dists/by-hash-1";
  const fs::path second = *root_ / "dists/by-hash-2";
  const fs::path third = *root_ / "dists/by-hash-3";
  deb::Paragraph first_release = write("by-hash-1", "", packages_->size());
  // The previous tree of the second is the first; the third's, the second.
  deb::Paragraph second_release = write("by-hash-2", first.string(), 1);
  deb::Paragraph third_release = write("by-hash-3", second.string(), 2);

  // by-hash/<section>/<digest> of `release`'s files in `tree`, as
  // path → (digest, the file it must equal).
  auto expected_links = [](const deb::Paragraph& release,
                           const fs::path& tree) {
    std::map<std::string, fs::path> links;
    for (const char* section : {"MD5Sum", "SHA1", "SHA256", "SHA512"}) {
      for (const auto& [path, entry] : ReleaseEntries(release, section)) {
        links[(fs::path(path).parent_path() / "by-hash" / section / entry.first)
                  .string()] = tree / path;
      }
    }
    return links;
  };
  std::map<std::string, fs::path> own = expected_links(second_release, second);
  std::map<std::string, fs::path> previous =
      expected_links(first_release, first);
  for (const auto& links : {own, previous}) {
    for (const auto& [link, file] : links) {
      ASSERT_TRUE(fs::exists(second / link)) << link;
      EXPECT_EQ(ReadFile(second / link), ReadFile(file)) << link;
    }
  }
  // This generation's files are links, not copies.
  EXPECT_TRUE(fs::equivalent(
      second / "main/binary-amd64/Packages.gz",
      second / "main/binary-amd64/by-hash/SHA256" /
          ReleaseEntries(second_release,
                         "SHA256")["main/binary-amd64/Packages.gz"]
              .first));
  EXPECT_GT(previous.size(), own.size() / 2);
  // The third tree keeps the second generation's files, not the first's.
  std::map<std::string, fs::path> third_links =
      expected_links(third_release, third);
  for (const auto& [link, file] : expected_links(second_release, second)) {
    third_links[link] = file;
  }
  std::set<std::string> by_hash_files;
  for (const auto& entry : fs::recursive_directory_iterator(third)) {
    std::string path = fs::relative(entry.path(), third).string();
    if (entry.is_regular_file() && absl::StrContains(path, "/by-hash/")) {
      by_hash_files.insert(path);
    }
  }
  std::set<std::string> expected;
  for (const auto& [link, file] : third_links) expected.insert(link);
  EXPECT_EQ(by_hash_files, expected);
}

TEST_F(DistributionWriterTest, WritesTheContentsItIsFed) {
  DistributionOptions options = Options("contents");
  absl::StatusOr<std::unique_ptr<DistributionWriter>> writer =
      DistributionWriter::Create(options);
  ASSERT_THAT(writer, IsOk());
  std::map<std::string, std::vector<std::string>> packages_by_path;
  std::vector<std::string> udeb_paths;
  for (const IndexedPackage& package : *packages_) {
    ASSERT_THAT((*writer)->Add("main", package), IsOk());
    if (package.kind == PackageKind::kSource) continue;
    absl::StatusOr<deb::DebFile> deb =
        deb::ReadDebFile((*root_ / *deb::PoolDirectory("main", package.source) /
                          package.files[0].name)
                             .string());
    ASSERT_THAT(deb, IsOk());
    for (const std::string& path : deb->paths) {
      if (package.kind == PackageKind::kUdeb) {
        udeb_paths.push_back(path);
      } else if (package.architecture == "amd64" ||
                 package.architecture == "all") {
        packages_by_path[path].push_back("misc/" + package.name);
      }
    }
  }
  deb::ContentsWriter* amd64 = (*writer)->Contents("main", "amd64", false);
  ASSERT_NE(amd64, nullptr);
  for (const auto& [path, names] : packages_by_path) {
    for (const std::string& name : names) {
      ASSERT_THAT(amd64->Add(path, name), IsOk());
    }
  }
  deb::ContentsWriter* udeb = (*writer)->Contents("main", "amd64", true);
  ASSERT_NE(udeb, nullptr);
  ASSERT_THAT(udeb->Add(udeb_paths.at(0), "misc/hello-udeb"), IsOk());
  // The same index again, and no index for what is not published.
  EXPECT_EQ((*writer)->Contents("main", "amd64", false), amd64);
  EXPECT_EQ((*writer)->Contents("main", "i386", false), nullptr);
  EXPECT_EQ((*writer)->Contents("contrib", "amd64", false), nullptr);
  EXPECT_EQ((*writer)->Contents("main", "source", false), nullptr);
  ASSERT_THAT((*writer)->Finish(nullptr), IsOk());

  fs::path dist = options.directory;
  std::string contents =
      RunOk({"zcat", (dist / "main/Contents-amd64.gz").string()});
  EXPECT_THAT(contents,
              HasSubstr("usr/share/doc/hello_1.0-1_amd64.deb/copyright"));
  EXPECT_THAT(contents, HasSubstr("misc/hello\n"));
  EXPECT_THAT(contents, HasSubstr("misc/hello-doc\n"));
  EXPECT_THAT(RunOk({"zcat", (dist / "main/Contents-udeb-amd64.gz").string()}),
              HasSubstr("misc/hello-udeb\n"));
  EXPECT_FALSE(fs::exists(dist / "main/Contents-arm64.gz"));
  absl::StatusOr<deb::Paragraph> release =
      deb::ParseParagraph(ReadFile(dist / "Release"));
  ASSERT_THAT(release, IsOk());
  std::map<std::string, std::pair<std::string, uint64_t>> sha256 =
      ReleaseEntries(*release, "SHA256");
  EXPECT_TRUE(sha256.contains("main/Contents-amd64.gz"));
  EXPECT_TRUE(sha256.contains("main/Contents-udeb-amd64.gz"));

  options = Options("no-contents");
  options.contents = false;
  writer = DistributionWriter::Create(options);
  ASSERT_THAT(writer, IsOk());
  EXPECT_EQ((*writer)->Contents("main", "amd64", false), nullptr);
}

// The Contents indices may be opened and fed on a thread of their own
// while packages are added (a publish reads them beside its listing), the
// debian-installer indices opening as the first udeb comes: every index
// then holds all it was given.
TEST_F(DistributionWriterTest, FeedsContentsOnAnotherThreadWhileAdding) {
  DistributionOptions options = Options("contents-beside");
  options.threads = 2;
  absl::StatusOr<std::unique_ptr<DistributionWriter>> writer =
      DistributionWriter::Create(options);
  ASSERT_THAT(writer, IsOk());
  constexpr int kRounds = 200;
  constexpr int kPaths = 20000;
  absl::Status fed;
  std::thread contents([&] {
    for (const bool udeb : {true, false}) {
      for (const char* architecture : {"amd64", "arm64"}) {
        deb::ContentsWriter* index =
            (*writer)->Contents("main", architecture, udeb);
        if (index == nullptr) {
          fed = absl::InternalError("no Contents index");
          return;
        }
        for (int i = 0; i < kPaths && fed.ok(); ++i) {
          fed = index->Add(absl::StrCat("usr/share/", 100000 + i), "misc/p");
        }
      }
    }
  });
  for (int round = 0; round < kRounds; ++round) {
    for (const IndexedPackage& package : *packages_) {
      EXPECT_THAT((*writer)->Add("main", package), IsOk()) << package.name;
    }
  }
  contents.join();
  ASSERT_THAT(fed, IsOk());
  ASSERT_THAT((*writer)->Finish(nullptr), IsOk());

  const fs::path dist = options.directory;
  for (const char* index :
       {"main/Contents-amd64.gz", "main/Contents-arm64.gz",
        "main/Contents-udeb-amd64.gz", "main/Contents-udeb-arm64.gz"}) {
    const std::string lines =
        RunOk({"sh", "-c", "zcat " + (dist / index).string() + " | wc -l"});
    EXPECT_EQ(lines, absl::StrCat(kPaths, "\n")) << index;
  }
  auto stanzas = [&](const std::string& index) {
    absl::StatusOr<std::vector<deb::Paragraph>> read =
        deb::ParseParagraphs(ReadFile(dist / index));
    EXPECT_THAT(read, IsOk()) << index;
    return read.ok() ? read->size() : 0;
  };
  // hello, hello-doc (all) and a udeb on amd64; libfoo1 and hello-doc on
  // arm64; the udeb in its own index.
  EXPECT_EQ(stanzas("main/binary-amd64/Packages"), 2 * kRounds);
  EXPECT_EQ(stanzas("main/binary-arm64/Packages"), 2 * kRounds);
  EXPECT_EQ(stanzas("main/debian-installer/binary-amd64/Packages"), kRounds);
}

// apt itself reads the tree: a throw-away apt root with the tree as a
// file: source signed-by the test key updates (by hash) and downloads from
// it.
TEST_F(DistributionWriterTest, AptUpdatesFromTheSignedTree) {
  std::unique_ptr<Signer> signer = MakeSigner();
  ASSERT_NE(signer, nullptr);
  // apt takes .xz when there is one, else .bz2, else .gz (all three
  // written by the pool, gzip and bzip2 in pieces joined into one stream).
  for (const auto& [dist, compressions] :
       {std::pair{"apt",
                  std::vector<deb::Compression>{deb::Compression::kGzip,
                                                deb::Compression::kXz,
                                                deb::Compression::kBzip2}},
        std::pair{"apt-bzip2",
                  std::vector<deb::Compression>{deb::Compression::kBzip2}},
        std::pair{"apt-gzip",
                  std::vector<deb::Compression>{deb::Compression::kGzip}}}) {
    SCOPED_TRACE(dist);
    DistributionOptions options = Options(dist);
    options.release.acquire_by_hash = true;
    options.compressions = compressions;
    WriteTree(options, signer.get());
    // With Acquire-By-Hash apt fetches indices by digest: without the plain
    // names it must still find them.
    for (const char* suffix : {"", ".gz", ".xz", ".bz2"}) {
      fs::remove(fs::path(options.directory) /
                 absl::StrCat("main/binary-amd64/Packages", suffix));
    }
    fs::path apt = fs::path(std::getenv("TEST_TMPDIR")) / "apt-root";
    fs::remove_all(apt);
    for (const char* dir :
         {"etc/apt/apt.conf.d", "etc/apt/preferences.d",
          "etc/apt/trusted.gpg.d", "var/lib/apt/lists/partial",
          "var/cache/apt/archives/partial", "var/lib/dpkg", "download"}) {
      fs::create_directories(apt / dir);
    }
    WriteFile(apt / "var/lib/dpkg/status", "");
    WriteFile(apt / "etc/apt/sources.list",
              absl::StrCat("deb [signed-by=", key_->keyring,
                           "] file:", root_->string(), " ", dist, " main\n"));
    std::vector<std::string> apt_get = {
        "apt-get",
        "-o",
        "Dir=" + apt.string(),
        "-o",
        "Dir::State::status=" + (apt / "var/lib/dpkg/status").string(),
        "-o",
        "APT::Architecture=amd64",
        "-o",
        "APT::Architectures::=amd64",
        "-o",
        "APT::Sandbox::User=root",
        "-o",
        "Debug::NoLocking=1",
        "-o",
        "Acquire::Languages=none"};
    std::vector<std::string> update = apt_get;
    update.push_back("update");
    std::string output = RunOk(update);
    EXPECT_THAT(output, Not(HasSubstr("Err:"))) << output;
    Shell(apt / "download",
          absl::StrJoin(apt_get, " ") + " download hello hello-doc");
    EXPECT_TRUE(fs::exists(apt / "download/hello_1.0-1_amd64.deb"));
    EXPECT_TRUE(fs::exists(apt / "download/hello-doc_1.0-1_all.deb"));
  }
}

}  // namespace
}  // namespace debrepo::publish
