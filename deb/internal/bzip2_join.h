// Compressing one bzip2 stream on several threads: pieces of the input are
// compressed independently, each into a stream of exactly one block, and
// the blocks are spliced (at bit offsets, as bzip2 does not align blocks to
// bytes) into a single stream with the combined CRC. Unlike concatenated
// streams (pbzip2), the result is one stream, which every reader reads
// whole (BZ2_bzRead and Python's bz2 stop at the end of the first stream).
#ifndef DEBREPO_DEB_INTERNAL_BZIP2_JOIN_H_
#define DEBREPO_DEB_INTERNAL_BZIP2_JOIN_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace debrepo::deb::internal {

// kMaxBzip2PieceBytes is the most input CompressBzip2Piece takes: bzip2's
// first run-length stage can grow input by a quarter, and a block at -9
// holds 900,000 bytes less a few after that stage, so a piece this size
// always fits in one block.
inline constexpr size_t kMaxBzip2PieceBytes = 700000;

// CompressBzip2Piece compresses `data` (1 to kMaxBzip2PieceBytes bytes)
// with libbz2 at block size 9 into a complete bzip2 stream of one block.
absl::StatusOr<std::string> CompressBzip2Piece(absl::string_view data);

// Bzip2Joiner splices the blocks of pieces' streams into one stream, in
// the order they are appended.
class Bzip2Joiner {
 public:
  // Append adds the block of `stream` (from CompressBzip2Piece) and appends
  // the output bytes completed by it to `out`. INVALID_ARGUMENT when
  // `stream` is not a one-block bzip2 stream at block size 9.
  absl::Status Append(absl::string_view stream, std::string* out);

  // Finish appends the end of the stream (its marker, the combined CRC and
  // the padding to a byte) to `out`. Call it once, after the last Append.
  void Finish(std::string* out);

 private:
  void Start(std::string* out);
  // PutBits appends the low `count` bits of `bits` (count <= 32).
  void PutBits(uint64_t bits, int count, std::string* out);

  bool started_ = false;
  uint32_t combined_crc_ = 0;
  uint64_t pending_ = 0;  // Bits not yet forming a whole output byte.
  int pending_bits_ = 0;
};

}  // namespace debrepo::deb::internal

#endif  // DEBREPO_DEB_INTERNAL_BZIP2_JOIN_H_
