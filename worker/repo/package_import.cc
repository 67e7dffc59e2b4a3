#include "worker/repo/package_import.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/storable_text.h"
#include "deb/checksums.h"
#include "deb/deb_file.h"
#include "deb/package_key.h"
#include "deb/relation.h"
#include "deb/upload_control.h"
#include "storage/repo_store.h"
#include "storage/upload_store.h"
#include "worker/repo/bounded_lists.h"
#include "worker/repo/conflict_error.h"

namespace debrepo::worker {

absl::StatusOr<PreparedImport> PreparedImport::Create() {
  PreparedImport prepared;
  ASSIGN_OR_RETURN(prepared.spool, storage::PackageSpool::Create());
  return prepared;
}

absl::Status PreparedImport::Add(const UploadedPackage& uploaded) {
  RETURN_IF_ERROR(spool->Append(uploaded.package));
  packages.push_back({uploaded.files, uploaded.package.key});
  return absl::OkStatus();
}

void PreparedImport::SetAside(absl::string_view filename,
                              absl::string_view reason) {
  v1::FailedFile& failed_file = failed.emplace_back();
  failed_file.set_filename(std::string(filename));
  failed_file.set_reason(std::string(reason));
}

absl::StatusOr<std::vector<v1::UploadFile>> ListUploadDirectory(
    JobContext& context, absl::string_view directory) {
  std::vector<v1::UploadFile> files;
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(files, storage::ListUploadFilesIn(tx, directory));
    return absl::OkStatus();
  }));
  if (files.empty()) return storage::UploadNotFound(directory);
  return files;
}

UploadFilesByName IndexByName(const std::vector<v1::UploadFile>& files) {
  UploadFilesByName by_name;
  for (const v1::UploadFile& file : files) by_name[file.filename()] = &file;
  return by_name;
}

bool IsBinaryPackageFile(absl::string_view filename) {
  return absl::EndsWith(filename, ".deb") || absl::EndsWith(filename, ".udeb");
}

bool IsSourcePackageFile(absl::string_view filename) {
  return absl::EndsWith(filename, ".dsc");
}

namespace {

// A .dsc or .changes names a handful of files; a huge one is neither.
constexpr int64_t kMaxControlFileBytes = 1 << 20;

// CheckBlobAddress fails when a blob's bytes no longer hash to the address
// they were stored under.
absl::Status CheckBlobAddress(const v1::UploadFile& file,
                              const deb::Checksums& checksums) {
  if (checksums.sha256 == file.sha256()) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat("the blob store's copy of ", file.filename(),
                   " is damaged (SHA-256 ", checksums.sha256, ", expected ",
                   file.sha256(), "); upload the file again"));
}

// ChecksumBlob hashes a file's blob, checking it against its address.
absl::StatusOr<deb::Checksums> ChecksumBlob(blobstore::BlobStore& blobs,
                                            const v1::UploadFile& file) {
  ASSIGN_OR_RETURN(std::string path, blobs.LocalPath(file.sha256()));
  ASSIGN_OR_RETURN(deb::Checksums checksums, deb::ChecksumFile(path));
  RETURN_IF_ERROR(CheckBlobAddress(file, checksums));
  return checksums;
}

// Keyed fills in a package's key from its files and checks that its
// control data can be stored.
absl::Status Keyed(storage::NewPackage& package,
                   const std::vector<deb::PackageFile>& files) {
  if (!IsStorableText(package.control.ToString())) {
    return absl::InvalidArgumentError(
        "its control data is not UTF-8 text (or holds a NUL byte); rebuild "
        "the package with UTF-8 control data");
  }
  ASSIGN_OR_RETURN(package.key,
                   deb::PackageKey(package.architecture, package.name,
                                   package.version, deb::FilesHash(files)));
  return absl::OkStatus();
}

// ListedDigestMismatch names the first digest a .dsc lists for a file that
// differs from the file's, or is empty.
std::string ListedDigestMismatch(const deb::Checksums& listed,
                                 const deb::Checksums& actual) {
  if (listed.size != actual.size) return "size";
  if (!listed.md5.empty() && listed.md5 != actual.md5) return "MD5";
  if (!listed.sha1.empty() && listed.sha1 != actual.sha1) return "SHA-1";
  if (listed.sha256 != actual.sha256) return "SHA-256";
  if (!listed.sha512.empty() && listed.sha512 != actual.sha512) {
    return "SHA-512";
  }
  return "";
}

}  // namespace

absl::StatusOr<const v1::UploadFile*> FindListedFile(
    const UploadFilesByName& directory, const deb::ListedFile& listed) {
  auto it = directory.find(listed.name);
  if (it == directory.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("lists ", listed.name,
                     ", which is not in the upload directory; upload it too"));
  }
  const v1::UploadFile& file = *it->second;
  if (static_cast<uint64_t>(file.size()) != listed.checksums.size ||
      file.sha256() != listed.checksums.sha256) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lists ", listed.name, " with size ", listed.checksums.size,
        " and SHA-256 ", listed.checksums.sha256, ", but the uploaded ",
        listed.name, " has size ", file.size(), " and SHA-256 ", file.sha256(),
        "; upload the files it was made with"));
  }
  return &file;
}

absl::StatusOr<std::string> ReadControlFile(blobstore::BlobStore& blobs,
                                            const v1::UploadFile& file) {
  if (file.size() > kMaxControlFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "is ", file.size(), " bytes; a .dsc or .changes file is at most ",
        kMaxControlFileBytes));
  }
  ASSIGN_OR_RETURN(std::string path, blobs.LocalPath(file.sha256()));
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::InternalError(absl::StrCat("cannot read blob ", path));
  }
  return text.str();
}

absl::StatusOr<UploadedPackage> ReadBinaryPackage(blobstore::BlobStore& blobs,
                                                  const v1::UploadFile& file) {
  ASSIGN_OR_RETURN(std::string path, blobs.LocalPath(file.sha256()));
  ASSIGN_OR_RETURN(deb::DebFile deb, deb::ReadDebFile(path));
  // Reading hashed the bytes anyway: check them against their address.
  RETURN_IF_ERROR(CheckBlobAddress(file, deb.checksums));
  UploadedPackage uploaded;
  uploaded.files.push_back(file);
  storage::NewPackage& package = uploaded.package;
  package.name = std::string(deb.control.GetOrEmpty("Package"));
  package.version = std::string(deb.control.GetOrEmpty("Version"));
  package.architecture = std::string(deb.control.GetOrEmpty("Architecture"));
  package.source = std::string(deb::SourceName(deb.control));
  package.package_type =
      absl::EndsWith(file.filename(), ".udeb") ? "udeb" : "deb";
  if (std::optional<absl::string_view> provides = deb.control.Get("Provides")) {
    ASSIGN_OR_RETURN(package.provides, deb::RelationNames(*provides));
  }
  // Stored under Debian's name for it, whatever it was uploaded as.
  const std::string filename =
      deb::PackageFileName(package.name, package.version, package.architecture,
                           package.package_type);
  package.files.push_back(storage::PackageFileOf(filename, deb.checksums));
  package.control = std::move(deb.control);
  package.paths = std::move(deb.paths);
  // PostgreSQL's text holds UTF-8 only: a path in another encoding (rare,
  // in old packages) is left out of the package's Contents entries rather
  // than refusing a package dpkg installs.
  std::erase_if(package.paths,
                [](const std::string& path) { return !IsStorableText(path); });
  std::sort(package.paths.begin(), package.paths.end());
  RETURN_IF_ERROR(Keyed(package, {{filename, deb.checksums}}));
  return uploaded;
}

absl::StatusOr<UploadedPackage> ReadSourcePackage(
    blobstore::BlobStore& blobs, const v1::UploadFile& dsc,
    const UploadFilesByName& directory) {
  ASSIGN_OR_RETURN(std::string text, ReadControlFile(blobs, dsc));
  ASSIGN_OR_RETURN(deb::UploadControl parsed, deb::ParseDsc(text));
  ASSIGN_OR_RETURN(deb::Checksums dsc_checksums, ChecksumBlob(blobs, dsc));
  UploadedPackage uploaded;
  uploaded.files.push_back(dsc);
  // The .dsc is stored under Debian's name for it; the files it lists
  // under the names it gives them.
  std::vector<deb::PackageFile> files = {
      {deb::PackageFileName(parsed.source,
                            parsed.paragraph.GetOrEmpty("Version"), "source",
                            "dsc"),
       dsc_checksums}};
  for (const deb::ListedFile& listed : parsed.files) {
    ASSIGN_OR_RETURN(const v1::UploadFile* found,
                     FindListedFile(directory, listed));
    const v1::UploadFile& file = *found;
    // Size and SHA-256 match: the other digests the .dsc lists must too.
    ASSIGN_OR_RETURN(deb::Checksums actual, ChecksumBlob(blobs, file));
    if (std::string mismatch = ListedDigestMismatch(listed.checksums, actual);
        !mismatch.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "lists ", listed.name, " with a different ", mismatch,
          " than the uploaded file has; upload the files the .dsc was made "
          "with"));
    }
    uploaded.files.push_back(file);
    files.push_back({listed.name, actual});
  }
  storage::NewPackage& package = uploaded.package;
  package.name = parsed.source;
  package.version = std::string(parsed.paragraph.GetOrEmpty("Version"));
  package.architecture = "source";
  package.source = parsed.source;
  package.package_type = "source";
  for (const deb::PackageFile& file : files) {
    package.files.push_back(storage::PackageFileOf(file.name, file.checksums));
  }
  package.control = std::move(parsed.paragraph);
  RETURN_IF_ERROR(Keyed(package, files));
  return uploaded;
}

absl::StatusOr<v1::JobResult> ImportPrepared(storage::Transaction& tx,
                                             const PreparedImport& prepared,
                                             absl::string_view repo,
                                             absl::string_view directory,
                                             bool force_replace,
                                             bool no_remove_files) {
  RETURN_IF_ERROR(storage::LoadRepo(tx, repo).status());
  // Every writer of the directory holds its lock, which this job has held
  // since before Prepare read it: the files are still those it read.
  std::vector<std::string> keys, filenames;
  std::vector<bool> take(prepared.packages.size());
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < prepared.packages.size(); ++i) {
    const PreparedImport::Entry& entry = prepared.packages[i];
    for (const v1::UploadFile& file : entry.files) {
      filenames.push_back(file.filename());
    }
    if (seen.insert(entry.key).second) {
      keys.push_back(entry.key);
      take[i] = true;
    }
  }

  // Packages are immutable and shared: store the new ones (a failure below
  // rolls this back with everything else).
  RETURN_IF_ERROR(storage::InsertPackages(tx, *prepared.spool, take));
  // Invariant: a repo never holds two different packages with the same
  // name, version and architecture.
  ASSIGN_OR_RETURN(std::vector<storage::KeyConflict> conflicts,
                   storage::FindRepoConflicts(tx, repo, keys));
  v1::JobResult result;
  v1::AddFromUploadResult& added = *result.mutable_add_from_upload();
  if (!conflicts.empty()) {
    // Two different builds added together: no flag chooses between them
    // (force_replace swaps out what the repo holds).
    const absl::flat_hash_set<std::string> adding(keys.begin(), keys.end());
    std::vector<storage::KeyConflict> added_together;
    for (const storage::KeyConflict& conflict : conflicts) {
      if (adding.contains(conflict.existing_key)) {
        added_together.push_back(conflict);
      }
    }
    if (!added_together.empty()) {
      return BuildsAddedTogetherError(added_together);
    }
    if (!force_replace) {
      return ConflictError(
          repo, conflicts,
          "Nothing was added; use force_replace to replace them");
    }
    std::vector<std::string> replaced;
    for (const storage::KeyConflict& conflict : conflicts) {
      replaced.push_back(conflict.existing_key);
    }
    ASSIGN_OR_RETURN(std::vector<std::string> removed,
                     storage::RemoveFromRepo(tx, repo, replaced,
                                             /*query=*/nullptr));
    added.set_replaced_count(
        ListAtMost(removed, kMaxKeysInResult, *added.mutable_replaced()));
  }
  RETURN_IF_ERROR(storage::AddToRepo(tx, repo, keys));
  if (!no_remove_files) {
    for (const v1::UploadFile& companion : prepared.companions) {
      filenames.push_back(companion.filename());
    }
    RETURN_IF_ERROR(storage::DeleteUploadFilesNamed(tx, directory, filenames));
  }
  added.set_added_count(
      ListAtMost(keys, kMaxKeysInResult, *added.mutable_added()));
  added.set_failed_count(
      ListAtMost(prepared.failed, kMaxFailedInResult, *added.mutable_failed()));
  return result;
}

}  // namespace debrepo::worker
