// Checks of the mirror test archive itself: what mirror tests rely on (a
// valid signed archive, the trusted keyring holding one key, the server's
// misbehaviours and its request log) is what it does.
#include "tests/mirror_archive.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "deb/testing/files.h"
#include "gtest/gtest.h"

namespace debrepo::testing {
namespace {

std::string TempPath(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

// Fetch returns what curl gets for `url` in `max_seconds` (without failing
// on HTTP errors), with `range` as the Range header when not empty, and
// sets `*exit_code` to curl's exit code when given.
std::string Fetch(const std::string& url, const std::string& range = "",
                  int max_seconds = 10, int* exit_code = nullptr) {
  const std::string body = TempPath("body");
  std::filesystem::remove(body);
  const int status = RunQuietly(
      absl::StrCat("curl -s --max-time ", max_seconds, " -o ", body,
                   range.empty() ? "" : " -r " + range, " '", url, "'"));
  if (exit_code != nullptr) *exit_code = status;
  return ReadFile(body);
}

int HttpStatus(const std::string& url) {
  const std::string out = TempPath("status");
  // In a subshell: RunQuietly sends the command's own output to /dev/null.
  RunQuietly(absl::StrCat("(curl -s -o /dev/null -w '%{http_code}' '", url,
                          "' >", out, ")"));
  return std::atoi(ReadFile(out).c_str());
}

// GpgvAccepts runs gpgv over `signed_file` (and `data` for a detached
// signature) with `keyring`.
bool GpgvAccepts(const std::string& keyring, const std::string& signed_file,
                 const std::string& data = "") {
  const std::string keyring_path = TempPath("keyring.gpg");
  deb::testing::WriteFile(keyring_path, keyring);
  return RunQuietly(absl::StrCat("gpgv --keyring ", keyring_path, " ",
                                 signed_file, " ", data)) == 0;
}

int CountStanzas(const std::string& index) {
  int count = 0;
  for (absl::string_view line : absl::StrSplit(index, '\n')) {
    if (absl::StartsWith(line, "Package: ")) ++count;
  }
  return count;
}

TEST(MirrorArchiveTest, ServesASignedArchiveWithEveryIndex) {
  MirrorArchive archive;
  archive.AddStandardPackages();
  archive.Publish();
  const std::string dists = archive.url() + "/dists/stable/";
  const std::string release = Fetch(dists + "Release");
  EXPECT_TRUE(absl::StrContains(release, "Codename: bookworm")) << release;
  EXPECT_TRUE(absl::StrContains(release, "Components: main contrib"));
  EXPECT_TRUE(absl::StrContains(release, "main/binary-amd64/Packages.xz"));
  EXPECT_TRUE(absl::StrContains(release,
                                "main/debian-installer/binary-amd64/Packages"));
  EXPECT_TRUE(absl::StrContains(release, "main/source/Sources.gz"));

  EXPECT_EQ(CountStanzas(Fetch(dists + "main/binary-amd64/Packages")), 4);
  EXPECT_EQ(CountStanzas(Fetch(dists + "main/binary-arm64/Packages")), 3);
  EXPECT_EQ(CountStanzas(Fetch(dists + "contrib/binary-amd64/Packages")), 1);
  EXPECT_EQ(CountStanzas(
                Fetch(dists + "main/debian-installer/binary-amd64/Packages")),
            1);
  const std::string sources = Fetch(dists + "main/source/Sources");
  EXPECT_EQ(CountStanzas(sources), 1);
  EXPECT_TRUE(absl::StrContains(sources, "Directory: pool/main/source/hello"))
      << sources;
  const std::string packages = Fetch(dists + "main/binary-amd64/Packages");
  EXPECT_TRUE(absl::StrContains(packages,
                                "Filename: pool/main/deb/hello_1.0_amd64.deb"))
      << packages;
  EXPECT_EQ(Fetch(archive.url() + "/pool/main/deb/hello_1.0_amd64.deb"),
            deb::testing::ReadFile(archive.pool_dir() +
                                   "/main/deb/hello_1.0_amd64.deb"));

  const std::string trusted = archive.Keyring(ArchiveSigner::kTrusted);
  EXPECT_TRUE(GpgvAccepts(trusted, archive.dist_dir() + "/InRelease"));
  EXPECT_TRUE(GpgvAccepts(trusted, archive.dist_dir() + "/Release.gpg",
                          archive.dist_dir() + "/Release"));
  EXPECT_TRUE(absl::StrContains(
      archive.Keyring(ArchiveSigner::kTrusted, /*armored=*/true),
      "BEGIN PGP PUBLIC KEY BLOCK"));
  EXPECT_EQ(archive.Fingerprint(ArchiveSigner::kTrusted).size(), 40);
  EXPECT_NE(archive.Fingerprint(ArchiveSigner::kTrusted),
            archive.Fingerprint(ArchiveSigner::kUntrusted));
  EXPECT_EQ(archive.CountRequests("*/dists/stable/*"), 7);
}

TEST(MirrorArchiveTest, SignsWithEitherKeyOrBoth) {
  MirrorArchive archive;
  archive.Add(ArchiveBinary{.name = "a"});
  const std::string trusted = archive.Keyring(ArchiveSigner::kTrusted);
  const std::string in_release = archive.dist_dir() + "/InRelease";

  archive.Publish({ArchiveSigner::kUntrusted});
  EXPECT_FALSE(GpgvAccepts(trusted, in_release));
  EXPECT_TRUE(
      GpgvAccepts(archive.Keyring(ArchiveSigner::kUntrusted), in_release));

  archive.Publish({ArchiveSigner::kUntrusted, ArchiveSigner::kTrusted});
  // gpgv with only one of the keys reports the other signature as from an
  // unknown key and fails, as apt would not: mirrors must accept it.
  EXPECT_TRUE(absl::StrContains(deb::testing::ReadFile(in_release),
                                "BEGIN PGP SIGNATURE"));
  archive.Publish({});
  EXPECT_FALSE(std::filesystem::exists(in_release));
  EXPECT_FALSE(std::filesystem::exists(archive.dist_dir() + "/Release.gpg"));
  EXPECT_TRUE(std::filesystem::exists(archive.dist_dir() + "/Release"));
}

TEST(MirrorArchiveTest, HostileRulesAndRanges) {
  MirrorArchive archive;
  archive.Add(ArchiveBinary{.name = "a", .payload = std::string(5000, 'x')});
  archive.Publish();
  const std::string deb_url = archive.url() + "/pool/main/deb/a_1.0_amd64.deb";
  const std::string deb = Fetch(deb_url);
  ASSERT_GT(deb.size(), 100);

  EXPECT_EQ(Fetch(deb_url, "100-"), deb.substr(100));
  EXPECT_EQ(Fetch(deb_url, "10-19"), deb.substr(10, 10));

  archive.SetRules({{.path = "*.xz"},
                    {.path = "*.deb",
                     .action = ServerRule::Action::kTruncate,
                     .after_bytes = 50,
                     .times = 1},
                    {.path = "/debian/redirect",
                     .action = ServerRule::Action::kRedirect,
                     .location = "file:///etc/passwd"}});
  EXPECT_EQ(
      HttpStatus(archive.url() + "/dists/stable/main/binary-amd64/Packages.xz"),
      404);
  EXPECT_EQ(HttpStatus(archive.url() + "/dists/stable/Release"), 200);
  EXPECT_EQ(Fetch(deb_url), deb.substr(0, 50));
  EXPECT_EQ(Fetch(deb_url), deb) << "the truncation applies once";
  EXPECT_EQ(HttpStatus(archive.url() + "/redirect"), 302);

  archive.SetRules({{.path = "*.deb",
                     .action = ServerRule::Action::kCorrupt,
                     .after_bytes = 7},
                    {.path = "*/Release",
                     .action = ServerRule::Action::kAppend,
                     .extra_bytes = 10}});
  const std::string corrupt = Fetch(deb_url);
  ASSERT_EQ(corrupt.size(), deb.size());
  EXPECT_NE(corrupt[7], deb[7]);
  EXPECT_EQ(corrupt.substr(8), deb.substr(8));
  EXPECT_EQ(
      Fetch(archive.url() + "/dists/stable/Release").size(),
      deb::testing::ReadFile(archive.dist_dir() + "/Release").size() + 10);

  archive.ClearRequests();
  archive.SetRules({{.path = "*.deb",
                     .action = ServerRule::Action::kStall,
                     .after_bytes = 10}});
  const absl::Time start = absl::Now();
  int exit_code = 0;
  EXPECT_EQ(Fetch(deb_url, "", /*max_seconds=*/2, &exit_code),
            deb.substr(0, 10));
  EXPECT_NE(exit_code, 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  std::vector<ServedRequest> requests = archive.Requests();
  ASSERT_EQ(requests.size(), 1);
  EXPECT_EQ(requests[0].path, "/debian/pool/main/deb/a_1.0_amd64.deb");
  EXPECT_EQ(requests[0].status, 200);
}

TEST(MirrorArchiveTest, FlatRepository) {
  MirrorArchive archive({.distribution = "flat/"});
  archive.Add(ArchiveBinary{.name = "a"});
  archive.Add(ArchiveBinary{.name = "b", .architecture = "arm64"});
  archive.Add(ArchiveSource{.name = "a"});
  archive.Publish();
  const std::string packages = Fetch(archive.url() + "/flat/Packages");
  EXPECT_EQ(CountStanzas(packages), 2);
  EXPECT_TRUE(absl::StrContains(packages,
                                "Filename: flat/pool/main/deb/a_1.0_amd64.deb"))
      << packages;
  EXPECT_EQ(
      Fetch(archive.url() + "/flat/pool/main/deb/a_1.0_amd64.deb"),
      deb::testing::ReadFile(archive.pool_dir() + "/main/deb/a_1.0_amd64.deb"));
  const std::string sources = Fetch(archive.url() + "/flat/Sources");
  EXPECT_EQ(CountStanzas(sources), 1);
  EXPECT_TRUE(absl::StrContains(sources, "Directory: flat/pool/main/source/a"))
      << sources;
  const std::string release = Fetch(archive.url() + "/flat/Release");
  EXPECT_TRUE(absl::StrContains(release, " Packages.xz")) << release;
  EXPECT_FALSE(absl::StrContains(release, "Components:")) << release;
  EXPECT_TRUE(GpgvAccepts(archive.Keyring(ArchiveSigner::kTrusted),
                          archive.dist_dir() + "/InRelease"));
}

TEST(MirrorArchiveTest, SetIndexAndSetReleaseReSign) {
  MirrorArchive archive({.compressions = {"xz"}});
  archive.Add(ArchiveBinary{.name = "a"});
  archive.Publish();
  EXPECT_FALSE(std::filesystem::exists(archive.dist_dir() +
                                       "/main/binary-amd64/Packages"));
  archive.SetIndex("main/binary-amd64/Packages",
                   "Package: evil\nFilename: ../../etc/passwd\n");
  EXPECT_EQ(Fetch(archive.url() + "/dists/stable/main/binary-amd64/Packages.xz")
                .substr(0, 6),
            "\xFD"
            "7zXZ" +
                std::string(1, '\0'));
  const std::string trusted = archive.Keyring(ArchiveSigner::kTrusted);
  EXPECT_TRUE(GpgvAccepts(trusted, archive.dist_dir() + "/InRelease"));
  archive.SetRelease("Suite: stable\nComponents: c1 c2\n");
  EXPECT_TRUE(GpgvAccepts(trusted, archive.dist_dir() + "/InRelease"));
  EXPECT_EQ(Fetch(archive.url() + "/dists/stable/Release"),
            "Suite: stable\nComponents: c1 c2\n");
}

}  // namespace
}  // namespace debrepo::testing
