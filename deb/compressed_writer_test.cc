// Compressed index variants checked with gzip(1), xz(1) and sha256sum.
#include "deb/compressed_writer.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "deb/compression_pool.h"
#include "deb/internal/subprocess.h"
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
// in order, and the checksums are those of the files. Returns the bases of
// their paths.
std::vector<std::string> WritePooled(const std::string& name,
                                     CompressionPool& pool) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  std::vector<std::unique_ptr<CompressedWriter>> writers;
  std::vector<std::string> bases;
  std::vector<std::string> expected(4);
  for (int w = 0; w < 4; ++w) {
    bases.push_back(absl::StrCat(dir, "/", name, w));
    auto writer =
        CompressedWriter::Create(bases.back(),
                                 {Compression::kNone, Compression::kGzip,
                                  Compression::kXz, Compression::kBzip2},
                                 &pool);
    EXPECT_THAT(writer, IsOk());
    if (!writer.ok()) return {};
    writers.push_back(*std::move(writer));
  }
  // Interleaved writes, several chunks per file.
  for (int i = 0; i < 120000; ++i) {
    int w = i % 4;
    std::string stanza = absl::StrCat(
        "Package: p", i, "\nVersion: ", i * 31 % 977, "\nWriter: ", w, "\n\n");
    EXPECT_THAT(writers[w]->Write(stanza), IsOk());
    expected[w] += stanza;
  }
  for (int w = 0; w < 4; ++w) {
    absl::StatusOr<std::vector<WrittenFile>> files = writers[w]->Finish();
    EXPECT_THAT(files, IsOk());
    if (!files.ok()) return {};
    EXPECT_EQ(files->size(), 4);
    const std::string& base = bases[w];
    // More than a chunk: several gzip and bzip2 pieces to join.
    EXPECT_GT(expected[w].size(), size_t{1} << 20);
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
  return bases;
}

// Without lbzip2, bzip2 goes in libbz2 pieces on the pool's threads.
TEST(CompressedWriterTest, PooledWritersCompressInParallel) {
  CompressionPool pool(3, size_t{3} << 20);
  for (const std::string& base : WritePooled("Pieces", pool)) {
    // Pieces of at most 700,000 bytes: more blocks than lbzip2 makes.
    EXPECT_NE(RunOk({"cat", base + ".bz2"}),
              RunOk({"lbzip2", "-9", "-c", base}));
  }
}

// With lbzip2 (the worker's packages install it), each .bz2 is its stream.
TEST(CompressedWriterTest, PooledWritersCompressBzip2ThroughLbzip2) {
  const std::string lbzip2 = internal::FindOnPath("lbzip2");
  ASSERT_NE(lbzip2, "");
  CompressionPool pool(3, size_t{3} << 20, lbzip2);
  std::vector<std::string> bases = WritePooled("Lbzip2", pool);
  ASSERT_EQ(bases.size(), 4);
  for (const std::string& base : bases) {
    EXPECT_EQ(RunOk({"cat", base + ".bz2"}),
              RunOk({"lbzip2", "-9", "-c", base}));
  }
}

// A failing lbzip2 fails the index, naming it; it is never skipped.
TEST(CompressedWriterTest, FailingLbzip2FailsTheIndex) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  CompressionPool failing(2, size_t{4} << 20, "/bin/false");
  auto writer = CompressedWriter::Create(
      dir + "/Failing", {Compression::kGzip, Compression::kBzip2}, &failing);
  ASSERT_THAT(writer, IsOk());
  std::string data(size_t{3} << 20, 'x');
  absl::Status written = (*writer)->Write(data);
  absl::Status finished = written.ok() ? (*writer)->Finish().status() : written;
  EXPECT_THAT(finished, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(finished.message(), ::testing::HasSubstr("/bin/false"));
  EXPECT_THAT(finished.message(), ::testing::HasSubstr("exit 1"));

  CompressionPool missing(2, size_t{4} << 20, "/nonexistent/lbzip2");
  auto not_started = CompressedWriter::Create(dir + "/Missing",
                                              {Compression::kBzip2}, &missing);
  EXPECT_THAT(not_started, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(not_started.status().message(),
              ::testing::HasSubstr("/nonexistent/lbzip2"));
}

// A pooled writer abandoned before Finish waits for its work when
// destroyed, and stops its lbzip2.
TEST(CompressedWriterTest, AbandonedPooledWriterIsSafe) {
  for (const std::string& lbzip2 :
       {std::string(), internal::FindOnPath("lbzip2")}) {
    CompressionPool pool(2, size_t{4} << 20, lbzip2);
    auto writer = CompressedWriter::Create(
        std::string(std::getenv("TEST_TMPDIR")) + "/Abandoned",
        {Compression::kXz, Compression::kBzip2}, &pool);
    ASSERT_THAT(writer, IsOk());
    std::string data(size_t{5} << 20, 'x');
    ASSERT_THAT((*writer)->Write(data), IsOk());
    writer->reset();
  }
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
