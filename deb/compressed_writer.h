// Writing an index file (Packages, Sources, Contents, ...) uncompressed and
// compressed with gzip, xz and bzip2 at once, streaming, with the checksums
// of every variant a Release file needs; the variants of many files can be
// compressed in parallel on a CompressionPool.
#ifndef DEBREPO_DEB_COMPRESSED_WRITER_H_
#define DEBREPO_DEB_COMPRESSED_WRITER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/checksums.h"
#include "deb/compression_pool.h"

namespace debrepo::deb {

// Compression is one variant of an index file.
enum class Compression { kNone, kGzip, kXz, kBzip2 };

// CompressionSuffix returns "", ".gz", ".xz" or ".bz2".
absl::string_view CompressionSuffix(Compression compression);

// WrittenFile is one variant written: path = base path + suffix.
struct WrittenFile {
  std::string path;
  Compression compression;
  Checksums checksums;
};

// CompressedWriter writes the same byte stream to each requested variant.
// Memory use is bounded by the compressors' state, whatever the file size.
// Without a pool, Write compresses every variant before it returns. With
// one, Write buffers up to a chunk (1 MiB) and hands full chunks to the
// pool, where each variant is compressed in order on whichever thread is
// free -- gzip, and bzip2 when the pool names no lbzip2, in pieces on
// every thread at once, joined into one stream (so a pooled .gz is not
// byte for byte gzip(1)'s, though it decompresses to the same); bzip2
// through one lbzip2 process per variant when it does and has a place for
// one more (CompressionPool) -- while the caller goes on; the pool's
// budget bounds the chunks in flight (Write waits for it). One thread uses
// a writer at a time.
class CompressedWriter {
 public:
  // Create opens `base_path` + suffix for every compression in `variants`;
  // `pool`, when given, must outlive the writer.
  static absl::StatusOr<std::unique_ptr<CompressedWriter>> Create(
      const std::string& base_path, const std::vector<Compression>& variants,
      CompressionPool* pool = nullptr);

  ~CompressedWriter();

  // Write appends `data` to every variant.
  absl::Status Write(absl::string_view data);

  // Finish flushes and closes every variant (waiting for the pool's work)
  // and returns what was written.
  absl::StatusOr<std::vector<WrittenFile>> Finish();

 private:
  // Output is one variant's sink; defined in the .cc file.
  class Output;

  CompressedWriter() = default;

  // Dispatch hands pending_ to every output through the pool.
  absl::Status Dispatch();

  std::vector<std::unique_ptr<Output>> outputs_;
  CompressionPool* pool_ = nullptr;
  // Written data not yet handed to the pool.
  std::string pending_;
};

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_COMPRESSED_WRITER_H_
