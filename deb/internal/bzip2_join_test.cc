#include "deb/internal/bzip2_join.h"

#include <bzlib.h>

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

// Decompress reads the first (and, it must be, only) stream of `data`.
std::string Decompress(const std::string& data, size_t size) {
  std::string out(size + 1, '\0');
  unsigned int out_size = static_cast<unsigned int>(out.size());
  int result = BZ2_bzBuffToBuffDecompress(
      out.data(), &out_size, const_cast<char*>(data.data()),
      static_cast<unsigned int>(data.size()), 0, 0);
  EXPECT_EQ(result, BZ_OK);
  out.resize(out_size);
  return out;
}

// Join compresses `pieces` and splices them.
std::string Join(const std::vector<std::string>& pieces) {
  Bzip2Joiner joiner;
  std::string out;
  for (const std::string& piece : pieces) {
    absl::StatusOr<std::string> stream = CompressBzip2Piece(piece);
    EXPECT_THAT(stream, IsOk());
    EXPECT_THAT(joiner.Append(*stream, &out), IsOk());
  }
  joiner.Finish(&out);
  return out;
}

// Pieces of different sizes, so blocks end at every bit offset; one of
// the largest size, all one byte (the run-length stage's worst case), and
// one of runs of four (its largest expansion).
std::vector<std::string> VariedPieces() {
  std::vector<std::string> pieces;
  for (int p = 0; p < 12; ++p) {
    std::string piece;
    for (int i = 0; piece.size() < 1000 + p * 7919; ++i) {
      absl::StrAppend(&piece, "Package: p", p, "-", i * 7919 % 10007, "\n");
    }
    pieces.push_back(piece);
  }
  pieces.push_back(std::string(kMaxBzip2PieceBytes, 'a'));
  std::string runs_of_four;
  for (int i = 0; runs_of_four.size() < kMaxBzip2PieceBytes; ++i) {
    runs_of_four.append(4, static_cast<char>(i % 251));
  }
  runs_of_four.resize(kMaxBzip2PieceBytes);
  pieces.push_back(runs_of_four);
  pieces.push_back("x");
  return pieces;
}

TEST(Bzip2JoinTest, JoinedPiecesAreOneStreamOfTheWholeInput) {
  std::vector<std::string> pieces = VariedPieces();
  std::string whole;
  for (const std::string& piece : pieces) whole += piece;
  std::string joined = Join(pieces);
  EXPECT_EQ(Decompress(joined, whole.size()), whole);
}

TEST(Bzip2JoinTest, NoPiecesIsTheEmptyStream) {
  std::string joined = Join({});
  std::string empty(64, '\0');
  unsigned int size = static_cast<unsigned int>(empty.size());
  char nothing = 0;
  ASSERT_EQ(BZ2_bzBuffToBuffCompress(empty.data(), &size, &nothing, 0, 9, 0, 0),
            BZ_OK);
  empty.resize(size);
  EXPECT_EQ(joined, empty);
}

TEST(Bzip2JoinTest, RefusesWhatIsNotOneBlock) {
  EXPECT_THAT(CompressBzip2Piece(""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CompressBzip2Piece(std::string(kMaxBzip2PieceBytes + 1, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  Bzip2Joiner joiner;
  std::string out;
  EXPECT_THAT(joiner.Append("BZh9garbage-garbage-garbage", &out),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // 2 MB of varied text makes a stream of three blocks at -9.
  std::string big;
  for (int i = 0; big.size() < (size_t{2} << 20); ++i) {
    absl::StrAppend(&big, i * 2654435761u, "\n");
  }
  std::string two(big.size() + big.size() / 100 + 600, '\0');
  unsigned int size = static_cast<unsigned int>(two.size());
  ASSERT_EQ(
      BZ2_bzBuffToBuffCompress(two.data(), &size, big.data(),
                               static_cast<unsigned int>(big.size()), 9, 0, 0),
      BZ_OK);
  two.resize(size);
  EXPECT_THAT(joiner.Append(two, &out),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace debrepo::deb::internal
