// Compressing one gzip member on several threads, as pigz does: each piece
// of the input is deflated on its own, primed with the 32 KiB of input
// before it as the dictionary (so it loses almost nothing to the split) and
// ended with a sync flush (so it ends on a byte boundary, not as the last
// block); the pieces' deflate data are concatenated in order behind one
// gzip header, closed with an empty last block, and the CRC-32 is combined
// from the pieces'. The result is one ordinary gzip member that gzip(1),
// zlib's gzread (apt) and Python's gzip read whole; it is not byte for byte
// what gzip(1) writes.
#ifndef DEBREPO_DEB_INTERNAL_GZIP_JOIN_H_
#define DEBREPO_DEB_INTERNAL_GZIP_JOIN_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace debrepo::deb::internal {

// kGzipWindowBytes is deflate's window: the most input before a piece that
// its deflate data can refer to.
inline constexpr size_t kGzipWindowBytes = 32768;

// GzipPiece is one piece deflated by CompressGzipPiece.
struct GzipPiece {
  // Raw deflate blocks, ending with a sync flush (no last block).
  std::string deflated;
  // The CRC-32 and length of the piece's input.
  uint32_t crc = 0;
  size_t size = 0;
};

// CompressGzipPiece deflates `data` at zlib level `level`, primed with
// `dictionary` (the up to kGzipWindowBytes of input just before `data`;
// empty for the first piece).
absl::StatusOr<GzipPiece> CompressGzipPiece(absl::string_view data,
                                            absl::string_view dictionary,
                                            int level);

// GzipJoiner joins pieces into one gzip member, in the order they are
// appended.
class GzipJoiner {
 public:
  // Append appends the output bytes of `piece` (after the gzip header, on
  // the first call) to `out`.
  void Append(const GzipPiece& piece, std::string* out);

  // Finish appends the end of the member (an empty last block, the CRC-32
  // and the length) to `out`. Call it once, after the last Append.
  void Finish(std::string* out);

 private:
  void Start(std::string* out);

  bool started_ = false;
  uint32_t crc_ = 0;
  // The input's length; gzip keeps it modulo 2^32.
  uint64_t size_ = 0;
};

}  // namespace debrepo::deb::internal

#endif  // DEBREPO_DEB_INTERNAL_GZIP_JOIN_H_
