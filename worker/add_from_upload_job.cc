#include "worker/add_from_upload_job.h"

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
#include "storage/package_store.h"
#include "storage/repo_store.h"
#include "storage/upload_store.h"

namespace debrepo::worker {
namespace {

// What Prepare read: the packages by file, and the files it set aside.
struct PreparedUpload {
  struct Entry {
    v1::UploadFile file;
    storage::NewPackage package;
  };
  std::vector<Entry> packages;
  std::vector<v1::FailedFile> failed;
};

absl::StatusOr<storage::NewPackage> ReadPackage(blobstore::BlobStore& blobs,
                                                const v1::UploadFile& file) {
  ASSIGN_OR_RETURN(std::string path, blobs.LocalPath(file.sha256()));
  ASSIGN_OR_RETURN(deb::DebFile deb, deb::ReadDebFile(path));
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

}  // namespace

absl::Status AddFromUploadJob::Prepare(const v1::JobArgs& args,
                                       JobContext& context) {
  const v1::AddFromUploadArgs& request = args.add_from_upload();
  std::vector<v1::UploadFile> files;
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(files,
                     storage::ListUploadFilesIn(tx, request.directory()));
    return absl::OkStatus();
  }));
  if (files.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "upload directory \"", request.directory(),
        "\" does not exist (it has no files); upload files first"));
  }
  PreparedUpload prepared;
  for (const v1::UploadFile& file : files) {
    if (!absl::EndsWith(file.filename(), ".deb") &&
        !absl::EndsWith(file.filename(), ".udeb")) {
      v1::FailedFile& failed = prepared.failed.emplace_back();
      failed.set_filename(file.filename());
      failed.set_reason(
          "not a binary package (.deb or .udeb); source packages (.dsc) "
          "are not supported yet");
      continue;
    }
    absl::StatusOr<storage::NewPackage> package = ReadPackage(blobs_, file);
    if (!package.ok()) {
      v1::FailedFile& failed = prepared.failed.emplace_back();
      failed.set_filename(file.filename());
      failed.set_reason(std::string(package.status().message()));
      continue;
    }
    prepared.packages.push_back({file, *std::move(package)});
  }
  context.Log(absl::StrCat("read ", prepared.packages.size(), " packages, ",
                           prepared.failed.size(), " files set aside"));
  context.prepared() = std::move(prepared);
  return absl::OkStatus();
}

absl::StatusOr<v1::JobResult> AddFromUploadJob::Apply(
    const v1::JobArgs& args, storage::Transaction& tx, JobContext& context) {
  const v1::AddFromUploadArgs& request = args.add_from_upload();
  const auto& prepared = std::any_cast<const PreparedUpload&>(context.prepared());
  ASSIGN_OR_RETURN(std::optional<v1::Repo> repo,
                   storage::FindRepo(tx, request.name()));
  if (!repo.has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "repo \"", request.name(),
        "\" does not exist (it may have been renamed or dropped meanwhile)"));
  }
  // The directory is locked, so it still holds what Prepare read; take
  // only files whose bytes are unchanged all the same.
  ASSIGN_OR_RETURN(std::vector<v1::UploadFile> current,
                   storage::ListUploadFilesIn(tx, request.directory()));
  absl::flat_hash_map<std::string, std::string> current_sha256;
  for (const v1::UploadFile& file : current) {
    current_sha256[file.filename()] = file.sha256();
  }
  std::vector<storage::NewPackage> packages;
  std::vector<std::string> keys, filenames;
  absl::flat_hash_set<std::string> seen;
  for (const PreparedUpload::Entry& entry : prepared.packages) {
    auto it = current_sha256.find(entry.file.filename());
    if (it == current_sha256.end() || it->second != entry.file.sha256()) {
      continue;
    }
    filenames.push_back(entry.file.filename());
    if (seen.insert(entry.package.key).second) {
      keys.push_back(entry.package.key);
      packages.push_back(entry.package);
    }
  }

  // Packages are immutable and shared: store the new ones (a failure below
  // rolls this back with everything else).
  RETURN_IF_ERROR(storage::InsertPackages(tx, packages));
  // Invariant: a repo never holds two different packages with the same
  // name, version and architecture.
  ASSIGN_OR_RETURN(std::vector<storage::KeyConflict> conflicts,
                   storage::FindRepoConflicts(tx, request.name(), keys));
  v1::JobResult result;
  v1::AddFromUploadResult& added = *result.mutable_add_from_upload();
  if (!conflicts.empty()) {
    if (!request.force_replace()) {
      std::vector<std::string> pairs;
      for (const storage::KeyConflict& conflict : conflicts) {
        pairs.push_back(absl::StrCat("\"", conflict.new_key,
                                     "\" conflicts with \"",
                                     conflict.existing_key, "\""));
      }
      return absl::FailedPreconditionError(absl::StrCat(
          "repo \"", request.name(), "\" already has a different package "
          "with the same name, version and architecture: ",
          absl::StrJoin(pairs, "; "),
          ". Nothing was added; use force_replace to replace them"));
    }
    std::vector<std::string> replaced;
    for (const storage::KeyConflict& conflict : conflicts) {
      replaced.push_back(conflict.existing_key);
    }
    ASSIGN_OR_RETURN(std::vector<std::string> removed,
                     storage::RemoveFromRepo(tx, request.name(), replaced,
                                             /*query=*/nullptr));
    for (std::string& key : removed) added.add_replaced(std::move(key));
  }
  RETURN_IF_ERROR(storage::AddToRepo(tx, request.name(), keys));
  if (!request.no_remove_files()) {
    RETURN_IF_ERROR(
        storage::DeleteUploadFilesNamed(tx, request.directory(), filenames));
  }
  for (const std::string& key : keys) added.add_added(key);
  for (const v1::FailedFile& failed : prepared.failed) {
    *added.add_failed() = failed;
  }
  return result;
}

}  // namespace debrepo::worker
