// Importing package files from an upload directory into a repo: shared by
// the jobs that add uploads and include .changes files.
#ifndef DEBREPO_WORKER_PACKAGE_IMPORT_H_
#define DEBREPO_WORKER_PACKAGE_IMPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "blobstore/blob_store.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/package_store.h"
#include "storage/transaction.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

// PreparedImport is what a job's long phase read from an upload directory.
struct PreparedImport {
  struct Entry {
    v1::UploadFile file;
    storage::NewPackage package;
  };
  // Packages to add, with the files they came from.
  std::vector<Entry> packages;
  // Other files consumed with them (e.g. a .changes and its .buildinfo),
  // removed from the directory together unless no_remove_files.
  std::vector<v1::UploadFile> companions;
  // Files left alone, and why.
  std::vector<v1::FailedFile> failed;

  // SetAside records that `filename` is not imported, and why.
  void SetAside(absl::string_view filename, absl::string_view reason);
};

// ListUploadDirectory reads a directory's files for a job's long phase;
// NOT_FOUND when it has none.
absl::StatusOr<std::vector<v1::UploadFile>> ListUploadDirectory(
    JobContext& context, absl::string_view directory);

// ReadPackage reads a .deb or .udeb from the blob store into a package
// (INVALID_ARGUMENT naming the problem for a file that is not one).
absl::StatusOr<storage::NewPackage> ReadPackage(blobstore::BlobStore& blobs,
                                                const v1::UploadFile& file);

// IsBinaryPackageFile is true for names ending in .deb or .udeb.
bool IsBinaryPackageFile(absl::string_view filename);

// ConflictError is the FAILED_PRECONDITION for packages that would sit in
// `repo` beside different packages of the same name, version and
// architecture (already there, or added together), naming both of each
// pair and ending with `remedy`.
absl::Status ConflictError(absl::string_view repo,
                           const std::vector<storage::KeyConflict>& conflicts,
                           absl::string_view remedy);

// ImportPrepared adds the prepared packages (context.prepared(), a
// PreparedImport) to repo `repo` inside a job's transaction (NOT_FOUND when
// the repo is gone), keeping the invariant that a repo never holds two different
// packages with the same name, version and architecture: a conflict is
// FAILED_PRECONDITION naming both unless `force_replace`, which removes the
// old one. Files whose bytes changed since the long phase are skipped.
// Unless `no_remove_files`, imported files leave the directory.
absl::StatusOr<v1::JobResult> ImportPrepared(storage::Transaction& tx,
                                             absl::string_view repo,
                                             absl::string_view directory,
                                             JobContext& context,
                                             bool force_replace,
                                             bool no_remove_files);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PACKAGE_IMPORT_H_
