#include "worker/repo/include_changes_job.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "deb/clearsign.h"
#include "deb/upload_control.h"
#include "worker/repo/package_import.h"

namespace debrepo::worker {
namespace {

// The text a .changes vouches for, after the signature policy of `request`.
absl::StatusOr<std::string> SignedText(
    const std::optional<deb::GpgvVerifier>& verifier,
    const v1::IncludeChangesArgs& request, const std::string& message) {
  if (!deb::IsClearSigned(message)) {
    if (request.accept_unsigned() || request.ignore_signature()) {
      return message;
    }
    return absl::FailedPreconditionError(
        "is not signed; sign it (debsign) or pass accept_unsigned");
  }
  if (request.ignore_signature()) {
    ASSIGN_OR_RETURN(deb::ClearSigned split, deb::SplitClearSigned(message));
    return split.text;
  }
  if (!verifier.has_value()) {
    return absl::FailedPreconditionError(
        "cannot be verified: the workers have no trusted keyring "
        "(--trusted_keyrings); configure one or pass ignore_signature");
  }
  ASSIGN_OR_RETURN(deb::VerifiedMessage verified,
                   verifier->VerifyClearSigned(message));
  return verified.text;
}

}  // namespace

absl::StatusOr<PreparedImport> IncludeChangesJob::Prepare(
    const v1::IncludeChangesArgs& request, JobContext& context) const {
  ASSIGN_OR_RETURN(std::vector<v1::UploadFile> files,
                   ListUploadDirectory(context, request.directory()));
  const UploadFilesByName by_name = IndexByName(files);

  ASSIGN_OR_RETURN(PreparedImport prepared, PreparedImport::Create());
  int changes_files = 0;
  for (const v1::UploadFile& changes_file : files) {
    if (!absl::EndsWith(changes_file.filename(), ".changes")) continue;
    ++changes_files;
    // Everything a .changes lists is taken, or none of it.
    struct Upload {
      std::vector<UploadedPackage> packages;
      std::vector<v1::UploadFile> companions;
    };
    auto check = [&]() -> absl::StatusOr<Upload> {
      ASSIGN_OR_RETURN(std::string message,
                       ReadControlFile(blobs_, changes_file));
      ASSIGN_OR_RETURN(std::string text,
                       SignedText(verifier_, request, message));
      ASSIGN_OR_RETURN(deb::UploadControl changes, deb::ParseChanges(text));
      Upload one;
      one.companions.push_back(changes_file);
      // Files that are neither packages nor .buildinfo must belong to a
      // listed source package.
      std::vector<std::string> others;
      absl::flat_hash_set<std::string> of_sources;
      for (const deb::ListedFile& listed : changes.files) {
        ASSIGN_OR_RETURN(const v1::UploadFile* found,
                         FindListedFile(by_name, listed));
        const v1::UploadFile& file = *found;
        if (IsBinaryPackageFile(listed.name)) {
          ASSIGN_OR_RETURN(UploadedPackage binary,
                           ReadBinaryPackage(blobs_, file));
          one.packages.push_back(std::move(binary));
        } else if (IsSourcePackageFile(listed.name)) {
          ASSIGN_OR_RETURN(UploadedPackage source,
                           ReadSourcePackage(blobs_, file, by_name));
          for (const v1::UploadFile& part : source.files) {
            of_sources.insert(part.filename());
          }
          one.packages.push_back(std::move(source));
        } else if (absl::EndsWith(listed.name, ".buildinfo")) {
          one.companions.push_back(file);
        } else {
          others.push_back(listed.name);
        }
      }
      for (const std::string& name : others) {
        if (!of_sources.contains(name)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "lists ", name,
              ", which is neither a package (.deb, .udeb, .dsc), a file of "
              "a listed .dsc, nor a .buildinfo"));
        }
      }
      return one;
    };
    absl::StatusOr<Upload> one = check();
    if (!one.ok()) {
      prepared.SetAside(changes_file.filename(), one.status().message());
      continue;
    }
    for (const UploadedPackage& package : one->packages) {
      RETURN_IF_ERROR(prepared.Add(package));
    }
    for (v1::UploadFile& companion : one->companions) {
      prepared.companions.push_back(std::move(companion));
    }
  }
  if (changes_files == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "upload directory \"", request.directory(),
        "\" has no .changes file; upload one with the files it lists"));
  }
  context.Log(absl::StrCat("read ", prepared.packages.size(), " packages from ",
                           changes_files, " .changes files; ",
                           prepared.failed.size(), " set aside"));
  return prepared;
}

absl::StatusOr<v1::JobResult> IncludeChangesJob::Apply(
    const v1::IncludeChangesArgs& request, const PreparedImport& prepared,
    storage::Transaction& tx, JobContext& /*context*/) const {
  return ImportPrepared(tx, prepared, request.name(), request.directory(),
                        request.force_replace(), request.no_remove_files());
}

}  // namespace debrepo::worker
