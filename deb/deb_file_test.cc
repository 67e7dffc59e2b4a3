// The .deb reader compared with dpkg-deb over packages it builds, and fed
// hostile packages crafted with libarchive.
#include "deb/deb_file.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "deb/testing/commands.h"
#include "deb/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::deb::testing::RunOk;

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

using ::debrepo::deb::testing::ReadFile;
using ::debrepo::deb::testing::WriteFile;

namespace fs = std::filesystem;

constexpr absl::string_view kControl =
    "Package: hello-test\n"
    "Version: 1:2.10-3+b1\n"
    "Architecture: amd64\n"
    "Maintainer: Test <test@example.org>\n"
    "Installed-Size: 12\n"
    "Depends: libc6 (>= 2.34)\n"
    "Section: devel\n"
    "Priority: optional\n"
    "Description: test package\n"
    " Long description.\n"
    " .\n"
    " Second paragraph.\n";

// BuildDeb makes a package with dpkg-deb using `compression`.
std::string BuildDeb(const std::string& compression) {
  fs::path dir = fs::path(std::getenv("TEST_TMPDIR")) / ("deb-" + compression);
  fs::remove_all(dir);
  fs::path root = dir / "root";
  WriteFile(root / "DEBIAN/control", kControl);
  WriteFile(root / "usr/bin/hello-test", "#!/bin/sh\necho hello\n");
  fs::permissions(root / "usr/bin/hello-test", fs::perms::owner_all);
  WriteFile(root / "usr/share/doc/hello-test/README", std::string(100000, 'r'));
  fs::create_directories(root / "var/lib/hello-test");
  fs::create_symlink("hello-test", root / "usr/bin/hi");
  std::string deb = (dir / "hello-test.deb").string();
  RunOk({"dpkg-deb", "--root-owner-group", "-Z" + compression, "-b",
         root.string(), deb});
  return deb;
}

class DpkgDebTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DpkgDebTest, AgreesWithDpkgDebAndCoreutils) {
  std::string deb = BuildDeb(GetParam());
  absl::StatusOr<DebFile> file = ReadDebFile(deb);
  ASSERT_THAT(file, IsOk());

  EXPECT_EQ(file->control.ToString(), RunOk({"dpkg-deb", "-f", deb}));
  EXPECT_EQ(file->control.ToString(), kControl);

  // dpkg-deb -c lists "mode owner size date time ./path[ -> target]".
  std::vector<std::string> listed;
  for (absl::string_view line : absl::StrSplit(RunOk({"dpkg-deb", "-c", deb}),
                                               '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> columns =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    ASSERT_GE(columns.size(), 6) << line;
    absl::string_view path = columns[5];
    if (absl::EndsWith(path, "/")) continue;
    absl::ConsumePrefix(&path, "./");
    listed.push_back(std::string(path));
  }
  EXPECT_EQ(file->paths, listed);
  EXPECT_THAT(file->paths, ::testing::Contains("usr/bin/hi"));

  EXPECT_EQ(file->checksums.size, fs::file_size(deb));
  EXPECT_EQ(file->checksums.sha256, RunOk({"sha256sum", deb}).substr(0, 64));
  EXPECT_EQ(file->checksums.sha512, RunOk({"sha512sum", deb}).substr(0, 128));
  EXPECT_EQ(file->checksums.md5, RunOk({"md5sum", deb}).substr(0, 32));
}

INSTANTIATE_TEST_SUITE_P(Compressions, DpkgDebTest,
                         ::testing::Values("gzip", "xz", "zstd", "none"));

TEST(DebFileTest, RejectsEveryTruncation) {
  std::string deb = ReadFile(BuildDeb("xz"));
  for (size_t length = 0; length < deb.size(); length += 37) {
    std::istringstream in(deb.substr(0, length));
    EXPECT_THAT(ReadDeb(in), StatusIs(absl::StatusCode::kInvalidArgument))
        << "length " << length;
  }
  std::istringstream whole(deb);
  EXPECT_THAT(ReadDeb(whole), IsOk());
}

// Crafting hostile packages needs tar members dpkg-deb would refuse to
// build, so they are written with libarchive and wrapped in ar here.
struct TarEntry {
  std::string path;
  std::string data;
};

la_ssize_t AppendToString(archive*, void* out, const void* data, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

std::string MakeTar(const std::vector<TarEntry>& entries, bool xz,
                    const char* hardlink = nullptr) {
  std::string out;
  archive* writer = archive_write_new();
  archive_write_set_format_gnutar(writer);
  if (xz) {
    archive_write_add_filter_xz(writer);
  } else {
    archive_write_add_filter_gzip(writer);
  }
  archive_write_open(writer, &out, nullptr, AppendToString, nullptr);
  for (const TarEntry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
    if (hardlink != nullptr) {
      archive_entry_set_hardlink(entry, hardlink);
      archive_entry_set_size(entry, 0);
    }
    archive_write_header(writer, entry);
    archive_write_data(writer, e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
  return out;
}

std::string MakeTarGz(const std::vector<TarEntry>& entries) {
  return MakeTar(entries, /*xz=*/false);
}

std::string MakeAr(const std::vector<TarEntry>& members) {
  std::string out = "!<arch>\n";
  for (const TarEntry& m : members) {
    std::string header =
        absl::StrCat(m.path, std::string(16 - m.path.size(), ' '),
                     "0           0     0     100644  ");
    std::string size = absl::StrCat(m.data.size());
    absl::StrAppend(&header, size, std::string(10 - size.size(), ' '), "`\n");
    absl::StrAppend(&out, header, m.data, m.data.size() % 2 ? "\n" : "");
  }
  return out;
}

std::string MakeDeb(const std::string& data_tar,
                    const std::string& data_name = "data.tar.gz") {
  return MakeAr(
      {{"debian-binary", "2.0\n"},
       {"control.tar.gz", MakeTarGz({{"./control", std::string(kControl)}})},
       {data_name, data_tar}});
}

absl::Status ReadCrafted(const std::string& control,
                         const std::vector<TarEntry>& data_entries) {
  std::istringstream in(
      MakeAr({{"debian-binary", "2.0\n"},
              {"control.tar.gz", MakeTarGz({{"./control", control}})},
              {"data.tar.gz", MakeTarGz(data_entries)}}));
  return ReadDeb(in).status();
}

TEST(DebFileTest, AcceptsACraftedPackage) {
  EXPECT_THAT(ReadCrafted(std::string(kControl), {{"./usr/share/x", "x"}}),
              IsOk());
}

TEST(DebFileTest, RejectsHostilePackages) {
  auto expect_invalid = [](const absl::Status& status, absl::string_view what) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(status.message()), HasSubstr(what));
  };
  std::istringstream text("Package: not a deb\n");
  expect_invalid(ReadDeb(text).status(), "not an ar archive");
  expect_invalid(ReadCrafted("Package: a\nArchitecture: all\n", {}),
                 "lacks the Version field");
  expect_invalid(ReadCrafted("Package: a\nVersion: 1\n", {}),
                 "lacks the Architecture field");
  expect_invalid(ReadCrafted("Version: 1\nArchitecture: all\n", {}),
                 "lacks the Package field");
  expect_invalid(ReadCrafted("Package: a\nVersion: x\nArchitecture: all\n", {}),
                 "does not start with digit");
  expect_invalid(ReadCrafted("Package: a\n broken\nno colon\n", {}), "line 3");
  expect_invalid(ReadCrafted(std::string(kControl), {{"./../etc/passwd", "x"}}),
                 "escapes the root");
  expect_invalid(ReadCrafted(std::string(kControl), {{"/etc/passwd", "x"}}),
                 "absolute path");
  // 20 MiB of control data compresses to a few KiB: a decompression bomb.
  expect_invalid(ReadCrafted(std::string(kControl) +
                                 "X-Big: " + std::string(20 << 20, 'A') + "\n",
                             {}),
                 "exceeds");
  std::istringstream wrong_first(MakeAr({{"data.tar.gz", MakeTarGz({})}}));
  expect_invalid(ReadDeb(wrong_first).status(), "debian-binary");
  std::istringstream no_data(MakeAr(
      {{"debian-binary", "2.0\n"},
       {"control.tar.gz", MakeTarGz({{"./control", std::string(kControl)}})}}));
  expect_invalid(ReadDeb(no_data).status(), "no data.tar");
  std::istringstream garbage_tar(MakeAr(
      {{"debian-binary", "2.0\n"}, {"control.tar.gz", "garbage bytes"}}));
  expect_invalid(ReadDeb(garbage_tar).status(), "control.tar.gz");
}

TEST(DebFileTest, RejectsControlCharactersAndEscapingHardLinks) {
  auto expect_invalid = [](const std::string& deb, absl::string_view what) {
    std::istringstream in(deb);
    absl::Status status = ReadDeb(in).status();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(status.message()), HasSubstr(what));
  };
  // A newline in a name would add a line to the Contents index.
  expect_invalid(MakeDeb(MakeTarGz({{"./usr/bin/x\nusr/bin/evil pkg", ""}})),
                 "control character");
  expect_invalid(MakeDeb(MakeTarGz({{"./usr/bin/x\ty", ""}})),
                 "control character");
  expect_invalid(MakeDeb(MakeTarGz({{"./usr/bin/x\x7f", ""}})),
                 "control character");
  expect_invalid(MakeDeb(MakeTar({{"./usr/bin/link", ""}}, /*xz=*/false,
                                 "./usr/../../etc/shadow")),
                 "escapes the root");
  std::istringstream fine(
      MakeDeb(MakeTar({{"./usr/bin/link", ""}}, /*xz=*/false, "./usr/bin/x")));
  EXPECT_THAT(ReadDeb(fine), IsOk());
}

TEST(DebFileTest, BoundsPathLength) {
  DebLimits limits;
  limits.max_path_length = 100;
  std::istringstream fits(
      MakeDeb(MakeTarGz({{"./" + std::string(98, 'a'), ""}})));
  EXPECT_THAT(ReadDeb(fits, limits), IsOk());
  std::istringstream too_long(
      MakeDeb(MakeTarGz({{"./" + std::string(99, 'a'), ""}})));
  absl::Status status = ReadDeb(too_long, limits).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("path longer than 100"));
}

// A few KiB of xz that decompress to 64 MiB stop at the limit, before the
// data is decompressed.
TEST(DebFileTest, BoundsUncompressedBytes) {
  std::string bomb = MakeTar({{"./zeros", std::string(64 << 20, '\0')}},
                             /*xz=*/true);
  ASSERT_LT(bomb.size(), 64 << 10);
  DebLimits limits;
  limits.max_uncompressed_bytes = 1 << 20;
  std::istringstream in(MakeDeb(bomb, "data.tar.xz"));
  absl::Status status = ReadDeb(in, limits).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("decompresses to more than 1048576 bytes"));
  // Many entries that each fit add up.
  std::vector<TarEntry> many;
  for (int i = 0; i < 40; ++i) {
    many.push_back({absl::StrCat("./f", i), std::string(32 << 10, 'x')});
  }
  std::istringstream sum(MakeDeb(MakeTarGz(many)));
  EXPECT_THAT(ReadDeb(sum, limits),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The default limit lets it through.
  std::istringstream whole(MakeDeb(bomb, "data.tar.xz"));
  EXPECT_THAT(ReadDeb(whole), IsOk());
}

TEST(DebFileTest, ValidatesPackageNameAndArchitecture) {
  for (const char* control :
       {"Package: Hello\nVersion: 1\nArchitecture: all\n",
        "Package: a_b\nVersion: 1\nArchitecture: all\n",
        "Package: a\nVersion: 1\nArchitecture: all\n",
        "Package: ab\nVersion: 1\nArchitecture: amd64 i386\n",
        "Package: ab\nVersion: 1\nArchitecture: Any\n"}) {
    EXPECT_THAT(ReadCrafted(control, {}),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << control;
  }
  EXPECT_THAT(ReadCrafted("Package: ab\nVersion: 1\nArchitecture: all\n", {}),
              IsOk());
}

// The Source field names the package's pool directory: a hostile one would
// take its files out of the pool.
TEST(DebFileTest, ValidatesTheSourceField) {
  const std::string control = "Package: ab\nVersion: 1\nArchitecture: all\n";
  for (const char* source :
       {"../../../../etc/x", "..", "a/b", "Ab", "ab (1.0/../x)", "ab (1.0",
        "ab (1.0) more", "ab ()", ""}) {
    absl::Status read =
        ReadCrafted(absl::StrCat(control, "Source: ", source, "\n"), {});
    EXPECT_THAT(read, StatusIs(absl::StatusCode::kInvalidArgument)) << source;
    EXPECT_THAT(std::string(read.message()), HasSubstr("Source field"))
        << source;
  }
  for (const char* source : {"ab", "glibc (2.36-9)", "openssl (1:3.0.11-1)"}) {
    EXPECT_THAT(
        ReadCrafted(absl::StrCat(control, "Source: ", source, "\n"), {}),
        IsOk())
        << source;
  }
}

TEST(DebFileTest, BoundsTheNumberOfPaths) {
  std::vector<TarEntry> many;
  for (int i = 0; i < 20; ++i) many.push_back({absl::StrCat("./f", i), ""});
  std::istringstream in(MakeAr(
      {{"debian-binary", "2.0\n"},
       {"control.tar.gz", MakeTarGz({{"./control", std::string(kControl)}})},
       {"data.tar.gz", MakeTarGz(many)}}));
  DebLimits limits;
  limits.max_paths = 10;
  EXPECT_THAT(ReadDeb(in, limits),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace debrepo::deb
