// Decodes this machine's bookworm Packages index compressed as debrepo
// publishes it, and hostile indices: wrong hashes, sizes, bombs, garbage.
#include "mirror/index_decoder.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_matchers.h"
#include "deb/checksums.h"
#include "deb/compressed_writer.h"
#include "deb/control.h"
#include "deb/testing/apt_lists.h"
#include "deb/testing/commands.h"
#include "deb/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::mirror {
namespace {

using ::debrepo::deb::testing::ReadFile;
using ::debrepo::deb::testing::RunOk;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Listed returns how a Release lists `bytes` at `path`.
ReleaseIndexFile Listed(std::string path, absl::string_view bytes) {
  deb::ChecksumCalculator calculator;
  calculator.Update(bytes);
  return {std::move(path), static_cast<int64_t>(bytes.size()),
          calculator.Finish().sha256};
}

// Decoded is what decoding an index produced.
struct Decoded {
  absl::Status status;
  std::vector<deb::Paragraph> stanzas;
};

// DecodeWith feeds `bytes` to `decoder` (created as `created`) in chunks
// of `chunk` bytes, into `decoded`.
void DecodeWith(absl::StatusOr<std::unique_ptr<IndexDecoder>> created,
                absl::string_view bytes, size_t chunk, Decoded& decoded) {
  if (!created.ok()) {
    decoded.status = created.status();
    return;
  }
  IndexDecoder& decoder = **created;
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    decoded.status = decoder.Feed(bytes.substr(at, chunk));
    if (!decoded.status.ok()) return;
  }
  decoded.status = decoder.Finish();
  EXPECT_EQ(decoder.stanzas(), decoded.stanzas.size());
}

// Decode feeds `bytes` to a decoder of `file` in chunks of `chunk` bytes;
// and to one calling back with views, which must give the same status and
// (when it is OK) the same stanzas: their texts parse to them and are where
// their offsets say in the decoded text.
Decoded Decode(const ReleaseIndexFile& file, absl::string_view bytes,
               size_t chunk, const IndexLimits& limits = {}) {
  const std::string name = "http://example.org/" + file.path;
  Decoded decoded;
  DecodeWith(IndexDecoder::Create(
                 file, name,
                 [&](const deb::Paragraph& stanza) {
                   decoded.stanzas.push_back(stanza);
                   return absl::OkStatus();
                 },
                 limits),
             bytes, chunk, decoded);
  Decoded viewed;
  std::string text;
  std::vector<std::pair<int64_t, std::string>> texts;
  DecodeWith(
      IndexDecoder::Create(
          file, name,
          [&](const deb::ParagraphView& stanza,
              int64_t offset) -> absl::Status {
            texts.emplace_back(offset, stanza.text());
            absl::StatusOr<deb::Paragraph> parsed =
                deb::ParseParagraph(stanza.text());
            EXPECT_THAT(parsed, IsOk());
            if (!parsed.ok()) return parsed.status();
            EXPECT_EQ(parsed->fields().size(), stanza.fields().size());
            for (size_t i = 0;
                 i < std::min(stanza.fields().size(), parsed->fields().size());
                 ++i) {
              EXPECT_EQ(stanza.fields()[i].name, parsed->fields()[i].name);
              EXPECT_EQ(stanza.fields()[i].value, parsed->fields()[i].value);
            }
            viewed.stanzas.push_back(*std::move(parsed));
            return absl::OkStatus();
          },
          [&](absl::string_view block) {
            text.append(block.data(), block.size());
            return absl::OkStatus();
          },
          limits),
      bytes, chunk, viewed);
  // Each stanza's text is at its offset in the text.
  for (const auto& [offset, stanza_text] : texts) {
    EXPECT_EQ(absl::string_view(text).substr(offset, stanza_text.size()),
              stanza_text);
  }
  EXPECT_EQ(viewed.status, decoded.status);
  // After an error, how many stanzas were parsed depends on the threads.
  if (decoded.status.ok()) EXPECT_TRUE(viewed.stanzas == decoded.stanzas);
  return decoded;
}

std::vector<std::string> Names(const Decoded& decoded) {
  std::vector<std::string> names;
  for (const deb::Paragraph& stanza : decoded.stanzas) {
    names.emplace_back(stanza.GetOrEmpty("Package"));
  }
  return names;
}

constexpr absl::string_view kIndex =
    "Package: one\nVersion: 1\nDescription: first\n multi-line\n .\n end\n"
    "\n \t\n\n"
    "Package: two\r\nVersion: 2\r\n\r\n"
    "Package: three\nVersion: 3";  // No newline at the end.

TEST(IndexDecoderTest, DecodesEveryCompressionInAnyChunks) {
  std::string xz = RunOk({"xz", "-c"}, kIndex);
  std::string gz = RunOk({"gzip", "-c", "-n"}, kIndex);
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{1 << 20}}) {
    for (const auto& [path, bytes] :
         {std::pair<std::string, std::string>{"main/Packages", kIndex},
          {"main/Packages.xz", xz},
          {"main/Packages.gz", gz}}) {
      Decoded decoded = Decode(Listed(path, bytes), bytes, chunk);
      ASSERT_THAT(decoded.status, IsOk()) << path << " " << chunk;
      EXPECT_THAT(Names(decoded), ElementsAre("one", "two", "three"))
          << path << " " << chunk;
      EXPECT_EQ(decoded.stanzas[0].GetOrEmpty("Description"),
                "first\n multi-line\n .\n end");
      EXPECT_EQ(decoded.stanzas[2].GetOrEmpty("Version"), "3");
    }
  }
}

// gzip and xz both allow several members/streams one after the other.
TEST(IndexDecoderTest, DecodesConcatenatedMembersAndStreams) {
  std::string first = "Package: a\n\n", second = "Package: b\n";
  for (const auto& [path, tool] :
       {std::pair<std::string, std::string>{"Packages.gz", "gzip"},
        {"Packages.xz", "xz"}}) {
    std::string bytes =
        RunOk({tool, "-c"}, first) + RunOk({tool, "-c"}, second);
    Decoded decoded = Decode(Listed(path, bytes), bytes, 5);
    ASSERT_THAT(decoded.status, IsOk()) << path;
    EXPECT_THAT(Names(decoded), ElementsAre("a", "b")) << path;
  }
}

TEST(IndexDecoderTest, DecodesAnEmptyIndex) {
  for (const auto& [path, bytes] :
       {std::pair<std::string, std::string>{"Packages", ""},
        {"Packages.xz", RunOk({"xz", "-c"}, "")},
        {"Packages.gz", RunOk({"gzip", "-c"}, "")}}) {
    Decoded decoded = Decode(Listed(path, bytes), bytes, 3);
    EXPECT_THAT(decoded.status, IsOk()) << path;
    EXPECT_TRUE(decoded.stanzas.empty());
  }
}

TEST(IndexDecoderTest, FailsWhenTheBytesDoNotMatchTheRelease) {
  // Other bytes of the same size (in compressed data, decompression
  // usually notices first: FailsOnCorruptOrTruncatedCompression).
  std::string changed(kIndex);
  changed[3] = 'X';
  Decoded decoded = Decode(Listed("main/Packages", kIndex), changed, 1 << 20);
  EXPECT_THAT(decoded.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(decoded.status.message(),
              HasSubstr("index http://example.org/main/Packages does not "
                        "match the Release"));
  std::string xz = RunOk({"xz", "-c"}, kIndex);
  ReleaseIndexFile listed = Listed("main/Packages.xz", xz);
  // Truncated.
  decoded = Decode(listed, absl::string_view(xz).substr(0, xz.size() - 1), 5);
  EXPECT_THAT(decoded.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(decoded.status.message(), HasSubstr("does not match"));
  // Longer than the Size: fails on the byte that is one too many.
  absl::StatusOr<std::unique_ptr<IndexDecoder>> decoder = IndexDecoder::Create(
      listed, "idx", [](const deb::Paragraph&) { return absl::OkStatus(); });
  ASSERT_THAT(decoder, IsOk());
  ASSERT_THAT((*decoder)->Feed(xz), IsOk());
  absl::Status extra = (*decoder)->Feed("x");
  EXPECT_THAT(extra, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(extra.message(), HasSubstr("larger than the"));
  EXPECT_EQ((*decoder)->Finish(), extra);
}

TEST(IndexDecoderTest, FailsOnCorruptOrTruncatedCompression) {
  // The Release lists the damaged bytes: only decompression can tell.
  std::string xz = RunOk({"xz", "-c"}, kIndex);
  std::string gz = RunOk({"gzip", "-c"}, kIndex);
  for (const auto& [path, bytes] :
       {std::pair<std::string, std::string>{"Packages.xz",
                                            xz.substr(0, xz.size() - 10)},
        {"Packages.gz", gz.substr(0, gz.size() - 10)},
        {"Packages.xz", "not xz at all"},
        {"Packages.gz", "not gzip at all"},
        {"Packages.gz", gz + "trailing garbage"}}) {
    Decoded decoded = Decode(Listed(path, bytes), bytes, 4);
    EXPECT_THAT(decoded.status, StatusIs(absl::StatusCode::kFailedPrecondition))
        << path << " " << bytes.size();
    EXPECT_THAT(decoded.status.message(), HasSubstr("cannot be decompressed"));
  }
  EXPECT_THAT(Decode(Listed("Packages.bz2", "x"), "x", 1).status,
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(IndexDecoderTest, StopsDecompressionBombs) {
  // 64 MiB of blank lines compress to a few KiB: far over 200 times.
  std::string bomb = RunOk({"sh", "-c",
                            "head -c 67108864 /dev/zero | tr "
                            "'\\0' '\\n' | xz -c"});
  ASSERT_LT(bomb.size(), 100000);
  Decoded decoded = Decode(Listed("main/Packages.xz", bomb), bomb, 4096);
  EXPECT_THAT(decoded.status, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(decoded.status.message(),
              HasSubstr("index http://example.org/main/Packages.xz "
                        "decompresses to more than"));
  // The absolute bound, for an index that compresses normally.
  std::string index;
  for (int i = 0; i < 1000; ++i)
    absl::StrAppend(&index, "Package: p", i, "\n\n");
  std::string gz = RunOk({"gzip", "-c"}, index);
  decoded = Decode(Listed("Packages.gz", gz), gz, 100,
                   {.max_bytes = 5000, .max_ratio = 200});
  EXPECT_THAT(decoded.status, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_LT(decoded.stanzas.size(), 1000);
  // And a plain index is bounded by its Size.
  EXPECT_THAT(Decode(Listed("Packages", index), index, 100).status, IsOk());
}

// An xz header may ask for a dictionary of up to 4 GiB, which the decoder
// would allocate before the first byte of text.
TEST(IndexDecoderTest, RefusesXzDictionariesPastTheMemoryLimit) {
  std::string xz = RunOk({"xz", "-0", "-T1", "-c"}, kIndex);
  // The block header follows the 12-byte stream header: its size byte,
  // flags (one filter, no sizes), then LZMA2's id 0x21, one byte of
  // properties, the dictionary size code, padding and the header's CRC32.
  ASSERT_EQ(xz.substr(13, 3), std::string("\x00\x21\x01", 3));
  xz[16] = 40;  // 4 GiB - 1.
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(xz.data() + 12), 8);
  for (int i = 0; i < 4; ++i) xz[20 + i] = static_cast<char>(crc >> (8 * i));
  Decoded decoded = Decode(Listed("main/Packages.xz", xz), xz, 1 << 20);
  EXPECT_THAT(decoded.status, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(decoded.status.message(), HasSubstr("more than 80 MiB"));
}

TEST(IndexDecoderTest, FailsOnStanzasTooLargeOrUnparsable) {
  std::string huge =
      "Package: a\nDescription: x\n" + std::string(1 << 16, ' ') + "\n";
  for (int i = 0; i < 10; ++i) huge += " more\n";
  Decoded decoded = Decode(Listed("Packages", huge), huge, 1000,
                           {.max_stanza_bytes = 1 << 12});
  EXPECT_THAT(decoded.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(decoded.status.message(), HasSubstr("stanza larger than"));

  std::string garbage = "Package: a\n\nPackage: b\nno colon here\n\n";
  decoded = Decode(Listed("Packages", garbage), garbage, 1000);
  EXPECT_THAT(decoded.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(decoded.status.message(), HasSubstr("does not parse"));
  EXPECT_THAT(Names(decoded), ElementsAre("a"));
}

TEST(IndexDecoderTest, PassesTheCallbacksErrorUnchanged) {
  std::string index = "Package: a\n\nPackage: b\n\nPackage: c\n";
  std::vector<std::string> seen;
  absl::StatusOr<std::unique_ptr<IndexDecoder>> decoder = IndexDecoder::Create(
      Listed("Packages", index), "idx", [&](const deb::Paragraph& stanza) {
        seen.emplace_back(stanza.GetOrEmpty("Package"));
        return stanza.GetOrEmpty("Package") == "b"
                   ? absl::ResourceExhaustedError("spool full")
                   : absl::OkStatus();
      });
  ASSERT_THAT(decoder, IsOk());
  // The parsing thread may not have reached "b" when Feed returns.
  const absl::Status fed = (*decoder)->Feed(index);
  EXPECT_TRUE(fed.ok() || fed == absl::ResourceExhaustedError("spool full"))
      << fed;
  EXPECT_EQ((*decoder)->Finish(), absl::ResourceExhaustedError("spool full"));
  EXPECT_THAT(seen, ElementsAre("a", "b"));
  EXPECT_EQ((*decoder)->Feed("more"),
            absl::ResourceExhaustedError("spool full"));
}

// A decoder given up half-way (its download failed, say) stops calling
// back when it is destroyed.
TEST(IndexDecoderTest, StopsWhenDestroyedHalfWay) {
  std::string index;
  for (int i = 0; i < 20000; ++i)
    absl::StrAppend(&index, "Package: p", i, "\n\n");
  std::atomic<int> seen = 0;
  {
    absl::StatusOr<std::unique_ptr<IndexDecoder>> decoder =
        IndexDecoder::Create(Listed("Packages", index), "idx",
                             [&](const deb::Paragraph&) {
                               ++seen;
                               return absl::OkStatus();
                             });
    ASSERT_THAT(decoder, IsOk());
    ASSERT_THAT((*decoder)->Feed(absl::string_view(index).substr(0, 100000)),
                IsOk());
  }
  const int at_destruction = seen.load();
  EXPECT_LE(at_destruction, 20000);
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(seen.load(), at_destruction);
}

// bookworm main amd64 (about 63,000 stanzas), compressed by debrepo's own
// index writer, decodes to exactly what the plain text parses to.
TEST(IndexDecoderTest, DecodesDebiansPackagesIndex) {
  absl::StatusOr<std::string> path = deb::testing::FindAptPackagesIndex();
  ASSERT_THAT(path, IsOk());
  absl::StatusOr<std::string> text = deb::testing::ReadDecompressedFile(*path);
  ASSERT_THAT(text, IsOk());
  int64_t expected = 0;
  deb::ParagraphReader reader(*text);
  deb::Paragraph stanza;
  std::string last_package;
  while (*reader.Next(&stanza)) {
    ++expected;
    last_package = std::string(stanza.GetOrEmpty("Package"));
  }
  ASSERT_GT(expected, 10000);

  const std::string base = ::testing::TempDir() + "/Packages";
  auto writer = deb::CompressedWriter::Create(
      base, {deb::Compression::kGzip, deb::Compression::kXz});
  ASSERT_THAT(writer, IsOk());
  ASSERT_THAT((*writer)->Write(*text), IsOk());
  absl::StatusOr<std::vector<deb::WrittenFile>> written = (*writer)->Finish();
  ASSERT_THAT(written, IsOk());
  for (const deb::WrittenFile& file : *written) {
    std::string bytes = ReadFile(file.path);
    ReleaseIndexFile listed{
        "main/binary-amd64/" + file.path.substr(file.path.rfind('/') + 1),
        static_cast<int64_t>(file.checksums.size), file.checksums.sha256};
    int64_t stanzas = 0;
    std::string last;
    absl::StatusOr<std::unique_ptr<IndexDecoder>> decoder =
        IndexDecoder::Create(listed, listed.path,
                             [&](const deb::Paragraph& stanza) {
                               ++stanzas;
                               last = std::string(stanza.GetOrEmpty("Package"));
                               return absl::OkStatus();
                             });
    ASSERT_THAT(decoder, IsOk());
    for (size_t at = 0; at < bytes.size(); at += 65536) {
      ASSERT_THAT((*decoder)->Feed(absl::string_view(bytes).substr(at, 65536)),
                  IsOk());
    }
    ASSERT_THAT((*decoder)->Finish(), IsOk()) << listed.path;
    EXPECT_EQ(stanzas, expected) << listed.path;
    EXPECT_EQ(last, last_package);
    EXPECT_EQ((*decoder)->decompressed_bytes(),
              static_cast<int64_t>(text->size()));
  }
}

}  // namespace
}  // namespace debrepo::mirror
