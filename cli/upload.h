// Sending local files into upload directories (Files.Upload), shared by
// `file upload`, `repo add` and `repo include`.
#ifndef DEBREPO_CLI_UPLOAD_H_
#define DEBREPO_CLI_UPLOAD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/client.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::cli {

// LocalFile is a file to upload, as the first pass over it found it.
struct LocalFile {
  // The path as given on the command line.
  std::string path;
  int64_t size = 0;
  // Lowercase hex.
  std::string sha256;
};

// HashFile reads `path` once and returns its size and SHA-256; a missing or
// unreadable file is "cannot read PATH: <reason>".
absl::StatusOr<LocalFile> HashFile(const std::string& path);

// ReadWholeFile returns the contents of `path`; a missing or unreadable
// file is "cannot read PATH: <reason>", as for HashFile.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// Basename returns the last component of `path`, the name a file gets in
// an upload directory.
absl::string_view Basename(absl::string_view path);

// SendFile streams `file` into upload directory `directory` under its
// Basename (the header with its SHA-256 and a fresh request_id, then its
// bytes in 1 MiB pieces), showing a progress line, and returns the job
// that records it, as submitted.
absl::StatusOr<debrepo::v1::Job> SendFile(Client& client,
                                          const std::string& directory,
                                          const LocalFile& file);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_UPLOAD_H_
