// Importing package files from an upload directory into a repo: shared by
// the jobs that add uploads and include .changes files.
#ifndef DEBREPO_WORKER_REPO_PACKAGE_IMPORT_H_
#define DEBREPO_WORKER_REPO_PACKAGE_IMPORT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "blobstore/blob_store.h"
#include "deb/upload_control.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/package_spool.h"
#include "storage/package_store.h"
#include "storage/transaction.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

// UploadedPackage is a package read from an upload directory, with the
// files it is made of: a .deb or .udeb, or a .dsc and the files it lists.
struct UploadedPackage {
  std::vector<v1::UploadFile> files;
  storage::NewPackage package;
};

// PreparedImport is what a job's long phase read from an upload directory.
// The packages wait in a spool on disk, so a job adding tens of thousands
// holds one at a time in memory.
struct PreparedImport {
  struct Entry {
    std::vector<v1::UploadFile> files;
    std::string key;
  };

  static absl::StatusOr<PreparedImport> Create();

  // Add spools `uploaded` for adding.
  absl::Status Add(const UploadedPackage& uploaded);
  // SetAside records that `filename` is not imported, and why.
  void SetAside(absl::string_view filename, absl::string_view reason);

  // Packages to add, in spool order.
  std::vector<Entry> packages;
  // Read again by each run of the job's transaction.
  std::unique_ptr<storage::PackageSpool> spool;
  // Other files consumed with them (e.g. a .changes and its .buildinfo),
  // removed from the directory together unless no_remove_files.
  std::vector<v1::UploadFile> companions;
  // Files left alone, and why.
  std::vector<v1::FailedFile> failed;
};

// ListUploadDirectory reads a directory's files for a job's long phase;
// NOT_FOUND when it has none.
absl::StatusOr<std::vector<v1::UploadFile>> ListUploadDirectory(
    JobContext& context, absl::string_view directory);

// UploadFilesByName indexes a directory's files by file name.
using UploadFilesByName =
    absl::flat_hash_map<std::string, const v1::UploadFile*>;
UploadFilesByName IndexByName(const std::vector<v1::UploadFile>& files);

// FindListedFile returns the file of `directory` that a .dsc or .changes
// lists as `listed`: FAILED_PRECONDITION when there is none, and
// INVALID_ARGUMENT when its size or SHA-256 differ from the listing.
absl::StatusOr<const v1::UploadFile*> FindListedFile(
    const UploadFilesByName& directory, const deb::ListedFile& listed);

// ReadControlFile reads a small text file (a .dsc or .changes) from the
// blob store; INVALID_ARGUMENT when it is too large to be one.
absl::StatusOr<std::string> ReadControlFile(blobstore::BlobStore& blobs,
                                            const v1::UploadFile& file);

// ReadBinaryPackage reads a .deb or .udeb from the blob store
// (INVALID_ARGUMENT naming the problem for a file that is not one).
absl::StatusOr<UploadedPackage> ReadBinaryPackage(blobstore::BlobStore& blobs,
                                                  const v1::UploadFile& file);

// ReadSourcePackage reads the source package that `dsc` describes. Every
// file it lists must be in `directory` with the size and digests it gives
// (FAILED_PRECONDITION for a missing file, INVALID_ARGUMENT for a
// mismatch). A clear-signed .dsc is unwrapped without checking the
// signature, as aptly's repo add does: IncludeChanges checks the .changes'
// signature, which vouches for the .dsc's own checksums.
absl::StatusOr<UploadedPackage> ReadSourcePackage(
    blobstore::BlobStore& blobs, const v1::UploadFile& dsc,
    const UploadFilesByName& directory);

// IsBinaryPackageFile is true for names ending in .deb or .udeb.
bool IsBinaryPackageFile(absl::string_view filename);

// IsSourcePackageFile is true for names ending in .dsc.
bool IsSourcePackageFile(absl::string_view filename);

// ImportPrepared adds the `prepared` packages to repo `repo` inside a job's
// transaction (NOT_FOUND when the repo is gone), keeping the invariant that a
// repo never holds two different packages with the same name, version and
// architecture: a conflict is FAILED_PRECONDITION naming both unless
// `force_replace`, which removes the old one. Unless `no_remove_files`,
// imported files leave the directory.
absl::StatusOr<v1::JobResult> ImportPrepared(storage::Transaction& tx,
                                             const PreparedImport& prepared,
                                             absl::string_view repo,
                                             absl::string_view directory,
                                             bool force_replace,
                                             bool no_remove_files);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_PACKAGE_IMPORT_H_
