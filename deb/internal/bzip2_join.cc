// A bzip2 stream is "BZh" and the block size digit, then blocks, each
// starting with the 48-bit magic 0x314159265359 and its 32-bit CRC, then
// the 48-bit end magic 0x177245385090, the combined CRC (each block's CRC
// folded in as crc = rotl(crc, 1) ^ block_crc) and zero bits to a byte.
#include "deb/internal/bzip2_join.h"

#include <bzlib.h>

#include <vector>

#include "absl/strings/str_cat.h"

namespace debrepo::deb::internal {
namespace {

constexpr uint64_t kBlockMagic = 0x314159265359;
constexpr uint64_t kEndMagic = 0x177245385090;
constexpr absl::string_view kHeader = "BZh9";
constexpr int kBlockSize100k = 9;

// BitsAt reads `count` (<= 64) bits of `data` starting at bit `offset`,
// most significant bit first.
uint64_t BitsAt(absl::string_view data, size_t offset, int count) {
  uint64_t value = 0;
  for (int i = 0; i < count; ++i) {
    size_t bit = offset + i;
    value = (value << 1) |
            ((static_cast<unsigned char>(data[bit / 8]) >> (7 - bit % 8)) & 1);
  }
  return value;
}

}  // namespace

absl::StatusOr<std::string> CompressBzip2Piece(absl::string_view data) {
  if (data.empty() || data.size() > kMaxBzip2PieceBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a bzip2 piece must hold 1 to ", kMaxBzip2PieceBytes,
                     " bytes, not ", data.size()));
  }
  // bzip2's documented bound: 1% more than the input plus 600 bytes.
  std::string out(data.size() + data.size() / 100 + 600, '\0');
  unsigned int out_size = static_cast<unsigned int>(out.size());
  int result = BZ2_bzBuffToBuffCompress(
      out.data(), &out_size, const_cast<char*>(data.data()),
      static_cast<unsigned int>(data.size()), kBlockSize100k, 0, 0);
  if (result != BZ_OK) {
    return absl::InternalError(
        absl::StrCat("bzip2 compression failed: ", result));
  }
  out.resize(out_size);
  return out;
}

void Bzip2Joiner::PutBits(uint64_t bits, int count, std::string* out) {
  pending_ = (pending_ << count) | (bits & ((uint64_t{1} << count) - 1));
  pending_bits_ += count;
  while (pending_bits_ >= 8) {
    out->push_back(static_cast<char>(pending_ >> (pending_bits_ - 8)));
    pending_bits_ -= 8;
  }
  pending_ &= (uint64_t{1} << pending_bits_) - 1;
}

void Bzip2Joiner::Start(std::string* out) {
  if (started_) return;
  started_ = true;
  out->append(kHeader.data(), kHeader.size());
}

absl::Status Bzip2Joiner::Append(absl::string_view stream, std::string* out) {
  const size_t header_bits = kHeader.size() * 8;
  // Header, block magic and CRC, end magic and combined CRC.
  if (stream.size() * 8 < header_bits + 80 + 80 ||
      stream.substr(0, kHeader.size()) != kHeader ||
      BitsAt(stream, header_bits, 48) != kBlockMagic) {
    return absl::InvalidArgumentError("not a bzip2 -9 stream with a block");
  }
  // The end magic sits 80 bits before the end, less 0 to 7 padding bits.
  size_t end = 0;
  for (size_t padding = 0; padding < 8; ++padding) {
    size_t at = stream.size() * 8 - padding - 80;
    if (BitsAt(stream, at, 48) == kEndMagic) {
      end = at;
      break;
    }
  }
  if (end == 0) {
    return absl::InvalidArgumentError("bzip2 stream without its end marker");
  }
  auto block_crc = static_cast<uint32_t>(BitsAt(stream, header_bits + 48, 32));
  auto stream_crc = static_cast<uint32_t>(BitsAt(stream, end + 48, 32));
  // One block: the stream's combined CRC is the block's own.
  if (block_crc != stream_crc) {
    return absl::InvalidArgumentError("bzip2 stream of more than one block");
  }
  combined_crc_ = ((combined_crc_ << 1) | (combined_crc_ >> 31)) ^ block_crc;
  Start(out);
  // The block's bits, [header_bits, end): whole bytes while the output is
  // byte-aligned or not, eight bits at a time, then the remainder.
  size_t bit = header_bits;
  for (; bit + 8 <= end; bit += 8) {
    PutBits(static_cast<unsigned char>(stream[bit / 8]), 8, out);
  }
  if (bit < end) {
    PutBits(BitsAt(stream, bit, static_cast<int>(end - bit)),
            static_cast<int>(end - bit), out);
  }
  return absl::OkStatus();
}

void Bzip2Joiner::Finish(std::string* out) {
  Start(out);
  PutBits(kEndMagic >> 24, 24, out);
  PutBits(kEndMagic & 0xffffff, 24, out);
  PutBits(combined_crc_, 32, out);
  if (pending_bits_ > 0) PutBits(0, 8 - pending_bits_, out);
}

}  // namespace debrepo::deb::internal
