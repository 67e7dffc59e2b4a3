#include "worker/package_import.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "deb/deb_file.h"
#include "deb/package_key.h"
#include "deb/relation.h"
#include "storage/repo_store.h"
#include "storage/upload_store.h"

namespace debrepo::worker {

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
  if (files.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "upload directory \"", directory,
        "\" does not exist (it has no files); upload files first"));
  }
  return files;
}

bool IsBinaryPackageFile(absl::string_view filename) {
  return absl::EndsWith(filename, ".deb") || absl::EndsWith(filename, ".udeb");
}

namespace {

// IsStorableText is true for UTF-8 without NUL bytes: what PostgreSQL's
// text and jsonb accept.
bool IsStorableText(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2
                                   : (c >> 4) == 0xe  ? 3
                                   : (c >> 3) == 0x1e ? 4
                                                      : 0;
    if (c == 0 || length == 0 || i + length > text.size()) return false;
    for (size_t j = 1; j < length; ++j) {
      if ((static_cast<unsigned char>(text[i + j]) >> 6) != 0x2) return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

absl::StatusOr<storage::NewPackage> ReadPackage(blobstore::BlobStore& blobs,
                                                const v1::UploadFile& file) {
  ASSIGN_OR_RETURN(std::string path, blobs.LocalPath(file.sha256()));
  ASSIGN_OR_RETURN(deb::DebFile deb, deb::ReadDebFile(path));
  // Reading hashed the bytes anyway: check them against their address.
  if (deb.checksums.sha256 != file.sha256()) {
    return absl::DataLossError(absl::StrCat(
        "the blob store's copy of ", file.filename(), " is damaged (SHA-256 ",
        deb.checksums.sha256, ", expected ", file.sha256(),
        "); upload the file again"));
  }
  if (!IsStorableText(deb.control.ToString())) {
    return absl::InvalidArgumentError(
        "its control file is not UTF-8 text (or holds a NUL byte); rebuild "
        "the package with a UTF-8 control file");
  }
  storage::NewPackage package;
  package.name = std::string(deb.control.GetOrEmpty("Package"));
  package.version = std::string(deb.control.GetOrEmpty("Version"));
  package.architecture = std::string(deb.control.GetOrEmpty("Architecture"));
  package.source = std::string(deb::SourceName(deb.control));
  package.package_type =
      absl::EndsWith(file.filename(), ".udeb") ? "udeb" : "deb";
  if (std::optional<absl::string_view> provides =
          deb.control.Get("Provides")) {
    ASSIGN_OR_RETURN(deb::RelationList relations,
                     deb::ParseRelations(*provides));
    for (const deb::Alternatives& group : relations) {
      for (const deb::Relation& relation : group) {
        package.provides.push_back(relation.name);
      }
    }
  }
  ASSIGN_OR_RETURN(
      package.key,
      deb::PackageKey(package.architecture, package.name, package.version,
                      deb::FilesHash({{file.filename(), deb.checksums}})));
  v1::PackageFile& stored = package.files.emplace_back();
  stored.set_name(file.filename());
  stored.set_size(static_cast<int64_t>(deb.checksums.size));
  stored.set_md5(deb.checksums.md5);
  stored.set_sha1(deb.checksums.sha1);
  stored.set_sha256(deb.checksums.sha256);
  stored.set_sha512(deb.checksums.sha512);
  package.control = std::move(deb.control);
  return package;
}

absl::Status ConflictError(absl::string_view repo,
                           const std::vector<storage::KeyConflict>& conflicts,
                           absl::string_view remedy) {
  std::vector<std::string> pairs;
  for (const storage::KeyConflict& conflict : conflicts) {
    pairs.push_back(absl::StrCat("\"", conflict.new_key, "\" conflicts with \"",
                                 conflict.existing_key, "\""));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "repo \"", repo,
      "\" already has a different package with the same name, version and "
      "architecture: ",
      absl::StrJoin(pairs, "; "), ". ", remedy));
}

absl::StatusOr<v1::JobResult> ImportPrepared(storage::Transaction& tx,
                                             absl::string_view repo,
                                             absl::string_view directory,
                                             JobContext& context,
                                             bool force_replace,
                                             bool no_remove_files) {
  const auto* prepared_import =
      std::any_cast<PreparedImport>(&context.prepared());
  if (prepared_import == nullptr) {
    return absl::InternalError("the job's long phase prepared no import");
  }
  const PreparedImport& prepared = *prepared_import;
  RETURN_IF_ERROR(storage::LoadRepo(tx, repo).status());
  // The directory is locked, so it still holds what Prepare read; take
  // only files whose bytes are unchanged all the same.
  ASSIGN_OR_RETURN(std::vector<v1::UploadFile> current,
                   storage::ListUploadFilesIn(tx, directory));
  absl::flat_hash_map<std::string, std::string> current_sha256;
  for (const v1::UploadFile& file : current) {
    current_sha256[file.filename()] = file.sha256();
  }
  std::vector<const storage::NewPackage*> packages;
  std::vector<std::string> keys, filenames;
  absl::flat_hash_set<std::string> seen;
  for (const PreparedImport::Entry& entry : prepared.packages) {
    auto it = current_sha256.find(entry.file.filename());
    if (it == current_sha256.end() || it->second != entry.file.sha256()) {
      continue;
    }
    filenames.push_back(entry.file.filename());
    if (seen.insert(entry.package.key).second) {
      keys.push_back(entry.package.key);
      packages.push_back(&entry.package);
    }
  }

  // Packages are immutable and shared: store the new ones (a failure below
  // rolls this back with everything else).
  RETURN_IF_ERROR(storage::InsertPackages(tx, packages));
  // Invariant: a repo never holds two different packages with the same
  // name, version and architecture.
  ASSIGN_OR_RETURN(std::vector<storage::KeyConflict> conflicts,
                   storage::FindRepoConflicts(tx, repo, keys));
  v1::JobResult result;
  v1::AddFromUploadResult& added = *result.mutable_add_from_upload();
  if (!conflicts.empty()) {
    if (!force_replace) {
      return ConflictError(
          repo, conflicts,
          "Nothing was added; use force_replace to replace them");
    }
    // force_replace swaps out what the repo holds; it cannot choose
    // between two different builds added together.
    const absl::flat_hash_set<std::string> adding(keys.begin(), keys.end());
    std::vector<std::string> replaced;
    for (const storage::KeyConflict& conflict : conflicts) {
      if (adding.contains(conflict.existing_key)) {
        return ConflictError(repo, {conflict},
                             "Both are in this request; add one of them");
      }
      replaced.push_back(conflict.existing_key);
    }
    ASSIGN_OR_RETURN(std::vector<std::string> removed,
                     storage::RemoveFromRepo(tx, repo, replaced,
                                             /*query=*/nullptr));
    for (std::string& key : removed) added.add_replaced(std::move(key));
  }
  RETURN_IF_ERROR(storage::AddToRepo(tx, repo, keys));
  if (!no_remove_files) {
    for (const v1::UploadFile& companion : prepared.companions) {
      filenames.push_back(companion.filename());
    }
    RETURN_IF_ERROR(
        storage::DeleteUploadFilesNamed(tx, directory, filenames));
  }
  for (const std::string& key : keys) added.add_added(key);
  for (const v1::FailedFile& failed : prepared.failed) {
    *added.add_failed() = failed;
  }
  return result;
}

}  // namespace debrepo::worker
