#include "deb/internal/gzip_join.h"

#include <zlib.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb::internal {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;

// Gunzip reads `data` as one gzip member that must end exactly at its end
// (no trailing bytes, no second member).
std::string Gunzip(const std::string& data) {
  z_stream zlib{};
  EXPECT_EQ(inflateInit2(&zlib, 15 + 16), Z_OK);
  zlib.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zlib.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[1 << 16];
  int result = Z_OK;
  while (result == Z_OK) {
    zlib.next_out = reinterpret_cast<Bytef*>(buffer);
    zlib.avail_out = sizeof(buffer);
    result = inflate(&zlib, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - zlib.avail_out);
  }
  EXPECT_EQ(result, Z_STREAM_END);
  EXPECT_EQ(zlib.avail_in, 0u);
  inflateEnd(&zlib);
  return out;
}

std::string Stanzas(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    absl::StrAppend(&text, "Package: p", i, "\nVersion: ", i * 31 % 977,
                    "\nDescription: package number ", i * 7 % 1013, "\n\n");
  }
  return text;
}

// Join compresses `data` in pieces of `piece_bytes`, each primed with the
// window before it when `dictionaries`, and joins them.
std::string Join(absl::string_view data, size_t piece_bytes,
                 bool dictionaries = true) {
  GzipJoiner joiner;
  std::string out;
  for (size_t offset = 0; offset < data.size(); offset += piece_bytes) {
    size_t window = std::min(offset, kGzipWindowBytes);
    absl::StatusOr<GzipPiece> piece = CompressGzipPiece(
        data.substr(offset, piece_bytes),
        dictionaries ? data.substr(offset - window, window) : "", 6);
    EXPECT_THAT(piece, IsOk());
    joiner.Append(*piece, &out);
  }
  joiner.Finish(&out);
  return out;
}

TEST(GzipJoinTest, JoinedPiecesAreOneMemberOfTheWholeInput) {
  const std::string data = Stanzas(40000);
  for (size_t piece_bytes : {size_t{1000}, size_t{100000}, data.size()}) {
    SCOPED_TRACE(piece_bytes);
    EXPECT_EQ(Gunzip(Join(data, piece_bytes)), data);
  }
}

TEST(GzipJoinTest, NoPiecesIsAnEmptyMember) {
  GzipJoiner joiner;
  std::string out;
  joiner.Finish(&out);
  EXPECT_EQ(Gunzip(out), "");
}

// The dictionary is what keeps the split cheap: primed pieces come within
// 1% of one deflate stream, unprimed small ones do not.
TEST(GzipJoinTest, DictionariesKeepTheSizeOfOneStream) {
  const std::string data = Stanzas(40000);
  const size_t whole = Join(data, data.size()).size();
  EXPECT_LT(Join(data, 100000).size(), whole + whole / 100);
  EXPECT_GT(Join(data, 2000, /*dictionaries=*/false).size(),
            Join(data, 2000).size() + whole / 50);
}

TEST(GzipJoinTest, RefusesADictionaryLargerThanTheWindow) {
  EXPECT_THAT(
      CompressGzipPiece("data", std::string(kGzipWindowBytes + 1, 'x'), 6),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace debrepo::deb::internal
