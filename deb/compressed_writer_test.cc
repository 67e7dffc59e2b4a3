// Compressed index variants checked with gzip(1), xz(1) and sha256sum.
#include "deb/compressed_writer.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

// LoggedLbzip2 writes a stand-in for lbzip2 that runs the real one (the
// worker's packages install it) and appends "start" and "end" lines to
// `log` around it.
std::string LoggedLbzip2(const std::string& name, const std::string& log) {
  const std::string lbzip2 = internal::FindOnPath("lbzip2");
  EXPECT_NE(lbzip2, "");
  const std::string script =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name, ".sh");
  RunOk({"sh", "-c",
         absl::StrCat("printf '#!/bin/sh\necho start >> ", log, "\n", lbzip2,
                      " \"$@\"\ncode=$?\necho end >> ", log,
                      "\nexit $code\n' > ", script, " && chmod +x ", script)});
  return script;
}

struct Lbzip2Runs {
  int started = 0;
  int most_at_once = 0;
};

Lbzip2Runs ReadLbzip2Log(const std::string& log) {
  Lbzip2Runs runs;
  int running = 0;
  for (absl::string_view line :
       absl::StrSplit(RunOk({"sh", "-c", "cat " + log + " 2>/dev/null || :"}),
                      '\n', absl::SkipEmpty())) {
    if (line == "start") {
      ++runs.started;
      runs.most_at_once = std::max(runs.most_at_once, ++running);
    } else {
      --running;
    }
  }
  return runs;
}

// With lbzip2, a .bz2 is its stream, but never more lbzip2 processes run
// at once than the pool has threads: the other indices open at that time
// go in libbz2 pieces (a distribution of many components and
// architectures has all its indices open at once).
TEST(CompressedWriterTest, PooledWritersCompressBzip2ThroughFewLbzip2s) {
  const std::string log =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/few-lbzip2.log");
  CompressionPool pool(2, size_t{3} << 20, LoggedLbzip2("few", log));
  std::vector<std::string> bases = WritePooled("Lbzip2", pool);
  ASSERT_EQ(bases.size(), 4);
  int lbzip2_streams = 0;
  for (const std::string& base : bases) {
    if (RunOk({"cat", base + ".bz2"}) == RunOk({"lbzip2", "-9", "-c", base})) {
      ++lbzip2_streams;
    }
  }
  EXPECT_EQ(lbzip2_streams, 2);
  Lbzip2Runs runs = ReadLbzip2Log(log);
  EXPECT_EQ(runs.started, 2);
  EXPECT_LE(runs.most_at_once, 2);
}

// An lbzip2 that ended gives its place to the next index; an index smaller
// than a chunk starts none.
TEST(CompressedWriterTest, Lbzip2PlacesAreGivenBack) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  const std::string log = dir + "/given-back.log";
  CompressionPool pool(1, size_t{4} << 20, LoggedLbzip2("given-back", log));
  for (const std::string name : {"First", "Second", "Small"}) {
    const std::string base = dir + "/" + name;
    auto writer = CompressedWriter::Create(base, {Compression::kBzip2}, &pool);
    ASSERT_THAT(writer, IsOk());
    std::string data;
    for (int i = 0; data.size() < (name == "Small" ? 100000 : 3000000); ++i) {
      absl::StrAppend(&data, "Package: p", i * 7919 % 100003, "\n\n");
    }
    ASSERT_THAT((*writer)->Write(data), IsOk());
    ASSERT_THAT((*writer)->Finish(), IsOk());
    EXPECT_EQ(RunOk({"bzip2", "-dc", base + ".bz2"}), data);
  }
  EXPECT_EQ(ReadLbzip2Log(log).started, 2);
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

  // lbzip2 starts at the index's first chunk.
  CompressionPool missing(2, size_t{4} << 20, "/nonexistent/lbzip2");
  auto not_started = CompressedWriter::Create(dir + "/Missing",
                                              {Compression::kBzip2}, &missing);
  ASSERT_THAT(not_started, IsOk());
  written = (*not_started)->Write(data);
  finished = written.ok() ? (*not_started)->Finish().status() : written;
  EXPECT_THAT(finished, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(finished.message(), ::testing::HasSubstr("/nonexistent/lbzip2"));
  // The place of the lbzip2 that did not start is free again.
  EXPECT_TRUE(missing.TryStartLbzip2());
  EXPECT_TRUE(missing.TryStartLbzip2());
  EXPECT_FALSE(missing.TryStartLbzip2());
}

// A pooled writer abandoned before Finish waits for its work when
// destroyed, and stops its lbzip2, giving its place back.
TEST(CompressedWriterTest, AbandonedPooledWriterIsSafe) {
  for (const std::string& lbzip2 :
       {std::string(), internal::FindOnPath("lbzip2")}) {
    CompressionPool pool(1, size_t{4} << 20, lbzip2);
    auto writer = CompressedWriter::Create(
        std::string(std::getenv("TEST_TMPDIR")) + "/Abandoned",
        {Compression::kXz, Compression::kBzip2}, &pool);
    ASSERT_THAT(writer, IsOk());
    std::string data(size_t{5} << 20, 'x');
    ASSERT_THAT((*writer)->Write(data), IsOk());
    writer->reset();
    EXPECT_EQ(pool.TryStartLbzip2(), !lbzip2.empty());
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
