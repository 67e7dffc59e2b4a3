// Compressed index variants checked with gzip(1), xz(1) and sha256sum.
#include "deb/compressed_writer.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "deb/compression_pool.h"
#include "deb/internal/bzip2_join.h"
#include "deb/testing/commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::deb::testing::RunOk;

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;

TEST(CompressedWriterTest, WritesVariantsThatGzipXzAndBzip2Decompress) {
  std::string base = std::string(std::getenv("TEST_TMPDIR")) + "/Packages";
  absl::StatusOr<std::unique_ptr<CompressedWriter>> writer =
      CompressedWriter::Create(base, {Compression::kNone, Compression::kGzip,
                                      Compression::kXz, Compression::kBzip2});
  ASSERT_THAT(writer, IsOk());
  std::string expected;
  for (int i = 0; i < 50000; ++i) {
    std::string stanza =
        absl::StrCat("Package: p", i, "\nVersion: ", i * 31 % 977, "\n\n");
    ASSERT_THAT((*writer)->Write(stanza), IsOk());
    expected += stanza;
  }
  absl::StatusOr<std::vector<WrittenFile>> files = (*writer)->Finish();
  ASSERT_THAT(files, IsOk());
  ASSERT_EQ(files->size(), 4);
  EXPECT_EQ(RunOk({"cat", base}), expected);
  EXPECT_EQ(RunOk({"gzip", "-dc", base + ".gz"}), expected);
  EXPECT_EQ(RunOk({"xz", "-dc", base + ".xz"}), expected);
  EXPECT_EQ(RunOk({"bzip2", "-dc", base + ".bz2"}), expected);
  for (const WrittenFile& file : *files) {
    EXPECT_EQ(file.path,
              absl::StrCat(base, CompressionSuffix(file.compression)));
    EXPECT_EQ(file.checksums.sha256,
              RunOk({"sha256sum", file.path}).substr(0, 64));
  }
  EXPECT_EQ((*files)[0].checksums.size, expected.size());
  EXPECT_LT((*files)[2].checksums.size, expected.size() / 5);
  EXPECT_LT((*files)[3].checksums.size, expected.size() / 5);
}

// Many writers sharing a pool with a small budget: every file is whole and
// in order, and the checksums are those of the files.
// With lbzip2 on PATH (the worker's packages install it), the bzip2 pieces
// go through it; deb/internal/bzip2_join_test compares them with libbz2's.
TEST(CompressedWriterTest, PooledWritersCompressInParallel) {
  ASSERT_NE(internal::Lbzip2Path(), "");
  CompressionPool pool(3, size_t{3} << 20);
  const std::string dir = std::getenv("TEST_TMPDIR");
  std::vector<std::unique_ptr<CompressedWriter>> writers;
  std::vector<std::string> expected(4);
  for (int w = 0; w < 4; ++w) {
    auto writer =
        CompressedWriter::Create(absl::StrCat(dir, "/Pooled", w),
                                 {Compression::kNone, Compression::kGzip,
                                  Compression::kXz, Compression::kBzip2},
                                 &pool);
    ASSERT_THAT(writer, IsOk());
    writers.push_back(*std::move(writer));
  }
  // Interleaved writes, several chunks per file.
  for (int i = 0; i < 120000; ++i) {
    int w = i % 4;
    std::string stanza = absl::StrCat(
        "Package: p", i, "\nVersion: ", i * 31 % 977, "\nWriter: ", w, "\n\n");
    ASSERT_THAT(writers[w]->Write(stanza), IsOk());
    expected[w] += stanza;
  }
  for (int w = 0; w < 4; ++w) {
    absl::StatusOr<std::vector<WrittenFile>> files = writers[w]->Finish();
    ASSERT_THAT(files, IsOk());
    ASSERT_EQ(files->size(), 4);
    std::string base = absl::StrCat(dir, "/Pooled", w);
    // More than a chunk: several gzip and bzip2 pieces to join.
    ASSERT_GT(expected[w].size(), size_t{1} << 20);
    EXPECT_EQ(RunOk({"cat", base}), expected[w]);
    EXPECT_EQ(RunOk({"xz", "-dc", base + ".xz"}), expected[w]);
    // One gzip member and one bzip2 stream, not several concatenated:
    // these readers stop at the end of the first.
    EXPECT_EQ(RunOk({"python3", "-c",
                     "import zlib, sys\n"
                     "d = zlib.decompressobj(16 + 15)\n"
                     "out = d.decompress(open(sys.argv[1], 'rb').read())\n"
                     "assert d.eof and not d.unused_data\n"
                     "sys.stdout.buffer.write(out)\n",
                     base + ".gz"}),
              expected[w]);
    EXPECT_EQ(RunOk({"python3", "-c",
                     "import bz2, sys\n"
                     "d = bz2.BZ2Decompressor()\n"
                     "out = d.decompress(open(sys.argv[1], 'rb').read())\n"
                     "assert d.eof and not d.unused_data\n"
                     "sys.stdout.buffer.write(out)\n",
                     base + ".bz2"}),
              expected[w]);
    EXPECT_EQ(RunOk({"bzip2", "-dc", base + ".bz2"}), expected[w]);
    for (const WrittenFile& file : *files) {
      EXPECT_EQ(file.checksums.sha256,
                RunOk({"sha256sum", file.path}).substr(0, 64));
    }
  }
}

// A pooled writer abandoned before Finish waits for its work when destroyed.
TEST(CompressedWriterTest, AbandonedPooledWriterIsSafe) {
  CompressionPool pool(2, size_t{4} << 20);
  auto writer = CompressedWriter::Create(
      std::string(std::getenv("TEST_TMPDIR")) + "/Abandoned",
      {Compression::kXz, Compression::kBzip2}, &pool);
  ASSERT_THAT(writer, IsOk());
  std::string data(size_t{5} << 20, 'x');
  ASSERT_THAT((*writer)->Write(data), IsOk());
  writer->reset();
}

// One Write larger than the chunk the compressors are fed at a time.
TEST(CompressedWriterTest, SplitsLargeWritesIntoChunks) {
  std::string base = std::string(std::getenv("TEST_TMPDIR")) + "/Large";
  auto writer =
      CompressedWriter::Create(base, {Compression::kGzip, Compression::kXz});
  ASSERT_THAT(writer, IsOk());
  std::string data;
  for (int i = 0; data.size() < (size_t{3} << 20) + 12345; ++i) {
    absl::StrAppend(&data, "Package: p", i * 7919 % 100003, "\n\n");
  }
  ASSERT_THAT((*writer)->Write(data), IsOk());
  ASSERT_THAT((*writer)->Write("tail\n"), IsOk());
  ASSERT_THAT((*writer)->Finish(), IsOk());
  EXPECT_EQ(RunOk({"gzip", "-dc", base + ".gz"}), data + "tail\n");
  EXPECT_EQ(RunOk({"xz", "-dc", base + ".xz"}), data + "tail\n");
}

TEST(CompressedWriterTest, EmptyInputGivesValidEmptyFiles) {
  std::string base = std::string(std::getenv("TEST_TMPDIR")) + "/Empty";
  auto writer =
      CompressedWriter::Create(base, {Compression::kGzip, Compression::kXz});
  ASSERT_THAT(writer, IsOk());
  ASSERT_THAT((*writer)->Finish(), IsOk());
  EXPECT_EQ(RunOk({"gzip", "-dc", base + ".gz"}), "");
  EXPECT_EQ(RunOk({"xz", "-dc", base + ".xz"}), "");
}

TEST(CompressedWriterTest, ReportsUnwritableLocations) {
  EXPECT_THAT(CompressedWriter::Create("/nonexistent/dir/Packages",
                                       {Compression::kNone}),
              StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace debrepo::deb
