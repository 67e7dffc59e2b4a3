// Packages from a remote archive's index stanzas, in the form an upload of
// the same .deb or .dsc is stored in, with where their files are in the
// archive.
//
// Keys: a package's key is computed as for an upload (deb/package_key.h),
// from the digests the stanza lists. An uploaded file's key includes its
// SHA-1; Debian's own indices list no SHA-1 since 2017 (MD5sum and SHA256
// only), so a package mirrored from them gets a different key than the same
// .deb uploaded (as in aptly, whose mirrored packages hash the stanza's
// digests too). Archives made with apt-ftparchive or debrepo list SHA-1,
// and their packages key as uploads do.
#ifndef DEBREPO_MIRROR_INDEX_PACKAGE_H_
#define DEBREPO_MIRROR_INDEX_PACKAGE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/checksums.h"
#include "deb/control.h"
#include "deb/query.h"
#include "mirror/index_plan.h"
#include "storage/package_spool.h"

namespace debrepo::mirror {

// MirroredPackage is a package read from an index stanza.
struct MirroredPackage {
  // package is as an upload of the same file would store it: the control
  // data without the archive's fields (Filename, Size and digests of a
  // Packages stanza; for a Sources stanza, "Package" is "Source" again,
  // Directory is dropped and the file lists are the .dsc's own), files named
  // as Debian names them. It has no paths: mirrored .debs are never opened,
  // so they have no Contents.
  storage::NewPackage package;
  // archive_paths holds, parallel to package.files, each file's path in the
  // archive (relative to the archive's URL; see ArchiveFileUrl).
  std::vector<std::string> archive_paths;
};

// IndexedBinary is what choosing among a Packages index's stanzas needs of
// one, read without copying it: views into the stanza, which must outlive
// it, and the package's key.
struct IndexedBinary {
  absl::string_view name;
  absl::string_view version;
  absl::string_view architecture;
  // package_type is "deb", or "udeb" in an installer index.
  absl::string_view package_type;
  // provides holds the names the Provides field lists.
  std::vector<std::string> provides;
  // checksums and archive_path describe the package's one file.
  deb::Checksums checksums;
  absl::string_view archive_path;
  // key is the package's key (deb/package_key.h), as an upload's.
  std::string key;
};

// ReadPackagesStanza checks a stanza of a Packages index as
// PackageFromPackagesStanza does, with the same errors, and reads what a
// choice needs of it: a sync with dependencies converts only the stanzas
// it keeps, a few hundred of 63,000.
absl::StatusOr<IndexedBinary> ReadPackagesStanza(const deb::Paragraph& stanza,
                                                 IndexKind kind);
// ReadPackagesStanza reads a stanza read as a view, as of its Paragraph.
absl::StatusOr<IndexedBinary> ReadPackagesStanza(
    const deb::ParagraphView& stanza, IndexKind kind);

// ReadsArchiveFields is whether `filter` reads a field of a Packages
// stanza that describes the archive's file (Filename, Size, the digests),
// which a converted package's control data no longer has: matched against
// the stanza ReadPackagesStanza read, it could choose differently.
bool ReadsArchiveFields(const deb::Query& filter);

// PackageFromPackagesStanza converts a stanza of a Packages index of `kind`
// (kPackages: a .deb; kInstallerPackages: a .udeb). Errors are
// FAILED_PRECONDITION naming the stanza (the archive is at fault): a
// missing or invalid Package, Version, Architecture, Source, Provides,
// Size or SHA256; a malformed MD5sum, SHA1 or SHA512; a Filename that is
// absolute, holds "..", an empty segment or a control character; control
// data that is not UTF-8.
absl::StatusOr<MirroredPackage> PackageFromPackagesStanza(
    const deb::Paragraph& stanza, IndexKind kind);

// PackageFromSourcesStanza converts a stanza of a Sources index, whose
// files are its .dsc (first in package.files) and those the .dsc lists.
// Errors as PackageFromPackagesStanza's, for the fields a .dsc requires,
// a file list without exactly one .dsc or without SHA-256 for every file,
// and an unsafe Directory or file name.
absl::StatusOr<MirroredPackage> PackageFromSourcesStanza(
    const deb::Paragraph& stanza);

}  // namespace debrepo::mirror

#endif  // DEBREPO_MIRROR_INDEX_PACKAGE_H_
