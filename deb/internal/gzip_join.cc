// A gzip member (RFC 1952) is a 10-byte header, deflate data (RFC 1951)
// whose last block has its BFINAL bit set, and the CRC-32 and the length of
// the input, little-endian. A sync flush ends deflate data with an empty
// stored block, byte-aligned and not final, so pieces flushed that way
// concatenate into valid deflate data.
#include "deb/internal/gzip_join.h"

#include <zlib.h>

#include <limits>

#include "absl/strings/str_cat.h"

namespace debrepo::deb::internal {
namespace {

// The header zlib writes for a gzip stream with no name and no timestamp
// (deflateInit2 with windowBits 15 + 16): magic, deflate, no flags, time
// 0, no extra flags, OS 3 (Unix).
constexpr char kHeader[] = {'\x1f', '\x8b', '\x08', '\x00', '\x00',
                            '\x00', '\x00', '\x00', '\x00', '\x03'};

// An empty last block with fixed Huffman codes: BFINAL 1, BTYPE 01, and
// the end-of-block code (seven zero bits), padded to a byte.
constexpr char kEmptyLastBlock[] = {'\x03', '\x00'};

void PutLittleEndian32(uint32_t value, std::string* out) {
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

}  // namespace

absl::StatusOr<GzipPiece> CompressGzipPiece(absl::string_view data,
                                            absl::string_view dictionary,
                                            int level) {
  if (data.size() > std::numeric_limits<uInt>::max() ||
      dictionary.size() > kGzipWindowBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a gzip piece of ", data.size(),
                     " bytes with a dictionary of ", dictionary.size()));
  }
  z_stream zlib{};
  // Negative windowBits: raw deflate, no zlib or gzip wrapper.
  if (deflateInit2(&zlib, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return absl::InternalError("deflateInit2 failed");
  }
  GzipPiece piece;
  absl::Status status;
  if (!dictionary.empty() &&
      deflateSetDictionary(&zlib,
                           reinterpret_cast<const Bytef*>(dictionary.data()),
                           static_cast<uInt>(dictionary.size())) != Z_OK) {
    status = absl::InternalError("deflateSetDictionary failed");
  }
  // deflateBound covers the data and a last block; a sync flush adds at
  // most an empty stored block (5 bytes) and the bits before it.
  piece.deflated.resize(deflateBound(&zlib, data.size()) + 16);
  zlib.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zlib.avail_in = static_cast<uInt>(data.size());
  zlib.next_out = reinterpret_cast<Bytef*>(piece.deflated.data());
  zlib.avail_out = static_cast<uInt>(piece.deflated.size());
  // With room left after the flush, deflate has written everything.
  if (status.ok() &&
      (deflate(&zlib, Z_SYNC_FLUSH) != Z_OK || zlib.avail_out == 0)) {
    status = absl::InternalError("deflate of a gzip piece failed");
  }
  piece.deflated.resize(piece.deflated.size() - zlib.avail_out);
  deflateEnd(&zlib);
  if (!status.ok()) return status;
  piece.crc = static_cast<uint32_t>(
      crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
  piece.size = data.size();
  return piece;
}

void GzipJoiner::Start(std::string* out) {
  if (started_) return;
  started_ = true;
  out->append(kHeader, sizeof(kHeader));
}

void GzipJoiner::Append(const GzipPiece& piece, std::string* out) {
  Start(out);
  out->append(piece.deflated);
  crc_ = static_cast<uint32_t>(
      crc32_combine(crc_, piece.crc, static_cast<z_off_t>(piece.size)));
  size_ += piece.size;
}

void GzipJoiner::Finish(std::string* out) {
  Start(out);
  out->append(kEmptyLastBlock, sizeof(kEmptyLastBlock));
  PutLittleEndian32(crc_, out);
  PutLittleEndian32(static_cast<uint32_t>(size_), out);
}

}  // namespace debrepo::deb::internal
