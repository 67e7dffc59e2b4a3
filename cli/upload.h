// Sending local files into upload directories (Files.Upload), shared by
// `file upload`, `repo add` and `repo include`.
#ifndef DEBREPO_CLI_UPLOAD_H_
#define DEBREPO_CLI_UPLOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "cli/client.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::cli {

// LocalFile is a file to upload, as the first pass over it found it.
struct LocalFile {
  // The path as given on the command line.
  std::string path;
  // The name it gets in the upload directory: its Basename made safe (see
  // StoredFileName).
  std::string stored_name;
  int64_t size = 0;
  // Lowercase hex.
  std::string sha256;
};

// HashFile reads `path` once and returns its size and SHA-256; a missing or
// unreadable file is "cannot read PATH: <reason>".
absl::StatusOr<LocalFile> HashFile(const std::string& path);

// HashFiles hashes every file of `paths` (see HashFile), several at once,
// so that a missing or unreadable one stops the command before anything is
// sent (the error names the first such path in `paths`' order). Two files
// with the same stored name, which would share a name in the upload
// directory, are an error.
absl::StatusOr<std::vector<LocalFile>> HashFiles(
    absl::Span<const std::string> paths);

// ReadWholeFile returns the contents of `path`; a missing or unreadable
// file is "cannot read PATH: <reason>", as for HashFile.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// Basename returns the last component of `path`, the name a file gets in
// an upload directory.
absl::string_view Basename(absl::string_view path);

// StoredFileName returns the name a local file called `basename` gets in an
// upload directory: `basename` with every character other than ASCII
// letters, digits and "._+~-" replaced by '_' (and a leading '.' too), so
// "hello (1).deb" is stored as "hello__1_.deb". The names Debian tools give
// package files stay as they are, so a .dsc or .changes still finds the
// files it lists; a package's pool name comes from its control data.
std::string StoredFileName(absl::string_view basename);

// kMaxUploadBytes bounds the bytes of one upload (unless one file alone is
// larger): an upload is all or nothing, so a failure near its end costs at
// most this much to send again.
inline constexpr int64_t kMaxUploadBytes = int64_t{256} << 20;

// UploadBatches splits `files` into consecutive runs, each sent as one
// upload: at most jobs::kMaxUploadFilesPerJob files and kMaxUploadBytes.
std::vector<absl::Span<const LocalFile>> UploadBatches(
    absl::Span<const LocalFile> files);

// kUploadStreams is how many uploads `repo add` and `repo include` send at
// once: the server stores the bytes of concurrent uploads in parallel
// (only their short recording jobs take turns on the directory), so
// many small packages go in several times faster than one stream at a
// time carries them (measured in docs/benchmarks.md).
inline constexpr int kUploadStreams = 8;

// UploadedFunction handles one upload's job, as submitted, and the files it
// records. With several streams it runs on several threads at once.
using UploadedFunction = absl::FunctionRef<absl::Status(
    const debrepo::v1::Job& job, absl::Span<const LocalFile> files)>;

// SendFiles streams `files` into upload directory `directory` under their
// stored names, in uploads of UploadBatches (each file's header with its
// SHA-256, then its bytes in 1 MiB pieces; a fresh request_id per upload),
// up to `streams` uploads at once, showing one progress line for all. After
// each upload, on its stream, it calls `uploaded` before that stream sends
// its next upload: with one stream, uploads are sent and handled in order.
// Once an upload or `uploaded` fails, no further upload starts; those in
// flight finish, and it returns the first failure as "cannot upload PATH
// (and N more): <reason>", PATH being that upload's first file.
absl::Status SendFiles(Client& client, const std::string& directory,
                       absl::Span<const LocalFile> files, int streams,
                       UploadedFunction uploaded);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_UPLOAD_H_
