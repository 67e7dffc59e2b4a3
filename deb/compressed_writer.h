// Writing an index file (Packages, Sources, Contents, ...) uncompressed and
// compressed with gzip and xz at once, streaming, with the checksums of
// every variant a Release file needs.
#ifndef DEBREPO_DEB_COMPRESSED_WRITER_H_
#define DEBREPO_DEB_COMPRESSED_WRITER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/checksums.h"

namespace debrepo::deb {

// Compression is one variant of an index file.
enum class Compression { kNone, kGzip, kXz };

// CompressionSuffix returns "", ".gz" or ".xz".
absl::string_view CompressionSuffix(Compression compression);

// WrittenFile is one variant written: path = base path + suffix.
struct WrittenFile {
  std::string path;
  Compression compression;
  Checksums checksums;
};

// CompressedWriter writes the same byte stream to each requested variant.
// Memory use is bounded by the compressors' state, whatever the file size.
class CompressedWriter {
 public:
  // Create opens `base_path` + suffix for every compression in `variants`.
  static absl::StatusOr<std::unique_ptr<CompressedWriter>> Create(
      const std::string& base_path, const std::vector<Compression>& variants);

  ~CompressedWriter();

  // Write appends `data` to every variant.
  absl::Status Write(absl::string_view data);

  // Finish flushes and closes every variant and returns what was written.
  absl::StatusOr<std::vector<WrittenFile>> Finish();

 private:
  // Output is one variant's sink; defined in the .cc file.
  class Output;

  CompressedWriter() = default;

  std::vector<std::unique_ptr<Output>> outputs_;
};

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_COMPRESSED_WRITER_H_
