// Package keys, files hashes and pool paths.
#include "deb/package_key.h"

#include "absl/strings/escaping.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;

const PackageFile kDeb = {
    "hello_2.10-3_amd64.deb",
    {56132, "d41d8cd98f00b204e9800998ecf8427e",
     "da39a3ee5e6b4b0d3255bfef95601890afd80709",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "sha512"}};

// The expected hashes were computed with an independent FNV-1a (Python).
TEST(FilesHashTest, MatchesReferenceValues) {
  EXPECT_EQ(FilesHash({kDeb}), "c5e944dbf7f10f76");
  PackageFile dsc = {"a.dsc", {5, "m1", "s1", "t1", ""}};
  PackageFile tarball = {"b.tar.xz", {10, "m2", "s2", "t2", ""}};
  EXPECT_EQ(FilesHash({tarball, dsc}), "73f7140eb10fbc8d");
  EXPECT_EQ(FilesHash({dsc, tarball}), "73f7140eb10fbc8d");
}

TEST(FilesHashTest, ChangesWithEveryHashedProperty) {
  std::string base = FilesHash({kDeb});
  for (int i = 0; i < 5; ++i) {
    PackageFile f = kDeb;
    switch (i) {
      case 0:
        f.name += "x";
        break;
      case 1:
        f.checksums.size += 1;
        break;
      case 2:
        f.checksums.md5[0] = 'e';
        break;
      case 3:
        f.checksums.sha1[0] = 'e';
        break;
      case 4:
        f.checksums.sha256[0] = 'f';
        break;
    }
    EXPECT_NE(FilesHash({f}), base) << i;
  }
  // SHA-512 is not part of aptly's hash.
  PackageFile f = kDeb;
  f.checksums.sha512 = "other";
  EXPECT_EQ(FilesHash({f}), base);
}

TEST(PackageKeyTest, FormatsLikeAptly) {
  EXPECT_EQ(*PackageKey("amd64", "hello", "2.10-3", FilesHash({kDeb})),
            "Pamd64 hello 2.10-3 c5e944dbf7f10f76");
  EXPECT_EQ(*PackageKey("source", "hello", "1:2.10-3", "0000abcd"),
            "Psource hello 1:2.10-3 0000abcd");
}

// Every part is validated, so no key can be read two ways.
TEST(PackageKeyTest, RejectsPartsThatWouldMakeKeysAmbiguous) {
  for (const char* name :
       {"a", "Hello", "-foo", ".foo", "foo bar", "foo_bar", "foo\n", "",
        "f\xc3\xa9"
        "e"}) {
    EXPECT_THAT(ValidatePackageName(name),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << name;
  }
  for (const char* name : {"ab", "0ad", "libstdc++6", "python3.11", "g++-12"}) {
    EXPECT_THAT(ValidatePackageName(name), IsOk()) << name;
  }
  for (const char* arch : {"", "amd64 i386", "AMD64", "amd64\n", "arm_64"}) {
    EXPECT_THAT(ValidateArchitecture(arch),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << arch;
  }
  for (const char* arch : {"amd64", "all", "source", "kfreebsd-i386"}) {
    EXPECT_THAT(ValidateArchitecture(arch), IsOk()) << arch;
  }
  EXPECT_THAT(
      ValidateArchitecture(std::string(kMaxArchitectureLength + 1, 'a')),
      StatusIs(absl::StatusCode::kInvalidArgument));
  // A huge name is refused without being echoed whole.
  const absl::Status huge = ValidateArchitecture(std::string(100000, 'a'));
  EXPECT_THAT(huge, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_LT(huge.message().size(), 300u);
  EXPECT_THAT(ValidateArchitecture(std::string(kMaxArchitectureLength, 'a')),
              IsOk());
  EXPECT_THAT(PackageKey("amd64 i386", "hello", "1", "00"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PackageKey("amd64", "hello x", "1", "00"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PackageKey("amd64", "hello", "1 x", "00"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PackageKey("amd64", "hello", " 1", "00"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PackageKey("amd64", "hello", "1", "0 0"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PackageFileNameTest, NamesFilesAsDebianDoes) {
  EXPECT_EQ(PackageFileName("hello", "2.10-3", "amd64", "deb"),
            "hello_2.10-3_amd64.deb");
  EXPECT_EQ(PackageFileName("hello", "1:2.10-3", "all", "udeb"),
            "hello_2.10-3_all.udeb");
  EXPECT_EQ(PackageFileName("hello", "2:1.0", "source", "dsc"),
            "hello_1.0.dsc");
}

TEST(PoolPathTest, UsesDebiansPrefixRule) {
  EXPECT_EQ(PoolPrefix("libfoo"), "libf");
  EXPECT_EQ(PoolPrefix("lib"), "l");
  EXPECT_EQ(PoolPrefix("nginx"), "n");
  EXPECT_THAT(PoolPath("main", "libssl3", "libssl3_3.0_amd64.deb"),
              IsOkAndHolds("pool/main/libs/libssl3/libssl3_3.0_amd64.deb"));
  EXPECT_THAT(PoolPath("contrib", "hello", "hello_1.dsc"),
              IsOkAndHolds("pool/contrib/h/hello/hello_1.dsc"));
}

TEST(PoolDirectoryTest, UsesDebiansLayout) {
  EXPECT_THAT(PoolDirectory("main", "hello"),
              IsOkAndHolds("pool/main/h/hello"));
  EXPECT_THAT(PoolDirectory("contrib", "libfoo"),
              IsOkAndHolds("pool/contrib/libf/libfoo"));
  EXPECT_THAT(PoolDirectory("main", "lib"), IsOkAndHolds("pool/main/l/lib"));
}

TEST(PoolDirectoryTest, RefusesWhatIsNotAPlainName) {
  for (const std::string& source :
       {std::string("../../../../etc/x"), std::string(".."), std::string("."),
        std::string(""), std::string("a/b"), std::string("a\nFilename: x"),
        std::string("a b"), std::string("a\0b", 3)}) {
    EXPECT_THAT(PoolDirectory("main", source),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << absl::CHexEscape(source);
    EXPECT_THAT(PoolDirectory(source, "hello"),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << absl::CHexEscape(source);
    EXPECT_THAT(PoolPath("main", "hello", source),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << absl::CHexEscape(source);
  }
}

TEST(PoolPathTest, RejectsPathsThatLeaveThePool) {
  EXPECT_THAT(PoolPath("main", "..", "x.deb"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PoolPath("main", "hello", "../../etc/passwd"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PoolPath("", "hello", "x.deb"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PoolPath("main", std::string("he\0llo", 6), "x.deb"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ValidateSourceFieldTest, AcceptsANameAndAnOptionalVersion) {
  EXPECT_THAT(ValidateSourceField("hello"), IsOk());
  EXPECT_THAT(ValidateSourceField("openssl (3.0.11-1)"), IsOk());
  EXPECT_THAT(ValidateSourceField("glibc (1:2.36-9+b1)"), IsOk());
  for (const char* field : {"", "../../../../etc/x", "Hello", "hello world",
                            "(1.0)", "hello (../x)", "hello (1.0", "hello 1.0)",
                            "hello (1.0) (2.0)", "hello (1.0) x", "hello ()"}) {
    EXPECT_THAT(ValidateSourceField(field),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << field;
  }
}

TEST(SourceNameTest, StripsVersionAndFallsBackToPackage) {
  EXPECT_EQ(SourceName(*ParseParagraph(
                "Package: libssl3\nSource: openssl (3.0.11-1)\n")),
            "openssl");
  EXPECT_EQ(SourceName(*ParseParagraph("Package: hello\n")), "hello");
}

}  // namespace
}  // namespace debrepo::deb
