// Repository index contents: Packages and Sources stanzas in apt-ftparchive's
// field order, Contents files in apt-ftparchive's layout and Release files
// in the Debian archive's (dak's) layout.
#ifndef DEBREPO_DEB_INDEX_WRITER_H_
#define DEBREPO_DEB_INDEX_WRITER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "deb/checksums.h"
#include "deb/compressed_writer.h"
#include "deb/control.h"
#include "deb/upload_control.h"

namespace debrepo::deb {

// PackagesStanza returns the Packages index entry for a binary package with
// control data `control`, stored at `filename` (relative to the repository
// root) with `checksums`: the control fields plus Filename, Size, MD5sum,
// SHA1, SHA256 and SHA512 (any such fields in `control` are replaced; an
// empty digest, as mirrored packages may have, is left out), in
// apt's canonical order (apt-pkg/tagfile-order.c); fields apt does not know
// follow in their original order. A `filename` that holds a newline (and
// so would inject fields) is INVALID_ARGUMENT.
absl::StatusOr<Paragraph> PackagesStanza(const Paragraph& control,
                                         absl::string_view filename,
                                         const Checksums& checksums);

// AppendPackagesStanza appends PackagesStanza(control, filename,
// checksums) to `out` as Paragraph::AppendTo writes it (no blank line
// after it), without building the Paragraph: what a publish does for
// every package. Errors as PackagesStanza's, `out` then unchanged.
absl::Status AppendPackagesStanza(const Paragraph& control,
                                  absl::string_view filename,
                                  const Checksums& checksums, std::string* out);

// SourcesStanza returns the Sources index entry for the source package
// described by `dsc`, whose .dsc file is `dsc_name` with `dsc_checksums`,
// all files living in `directory`: Source becomes Package, Directory is
// added, and Files / Checksums-* list the .dsc first and then its files.
// Checksums-Sha1 and Checksums-Sha512 are written when every file has that
// digest: a .dsc usually lists no SHA-512, which the caller fills in from
// the files (as apt-ftparchive does) to get a Checksums-Sha512 field.
// Checksums-Sha256 is required: a file without a SHA-256 (the .dsc's own
// included) is INVALID_ARGUMENT. A name or
// directory holding a newline is INVALID_ARGUMENT.
absl::StatusOr<Paragraph> SourcesStanza(const UploadControl& dsc,
                                        absl::string_view dsc_name,
                                        const Checksums& dsc_checksums,
                                        absl::string_view directory);

// ContentsWriter writes a Contents file as a stream, holding one path's
// packages at a time: the caller feeds (path, package) pairs already sorted
// by path in byte order -- the database query does this with
// "ORDER BY path COLLATE \"C\", package" -- and consecutive pairs with the
// same path become one line, packages joined by ',' (duplicates dropped).
// Lines are laid out as apt-ftparchive lays them out (path, then tabs and
// spaces to column 60, then packages).
class ContentsWriter {
 public:
  // ContentsWriter writes to `writer`, which must outlive it.
  explicit ContentsWriter(CompressedWriter& writer) : writer_(writer) {}

  // Add records that `package` (a name, or "section/name" as Debian's
  // Contents files qualify them) installs `path`. A path that sorts before
  // the previous one is INVALID_ARGUMENT (the input was not sorted).
  absl::Status Add(absl::string_view path, absl::string_view package);

  // Finish writes the last line; call it once, after the last Add.
  absl::Status Finish();

 private:
  absl::Status Flush();

  CompressedWriter& writer_;
  std::string path_;
  std::vector<std::string> packages_;
  bool started_ = false;
};

// ContentsIndex collects paths in memory, sorts them and writes them with a
// ContentsWriter. It is a convenience for tests and small indices; a
// repository's Contents files stream from the database into ContentsWriter.
class ContentsIndex {
 public:
  // Add records that `package` installs `paths`.
  void Add(absl::string_view package, const std::vector<std::string>& paths);

  // WriteTo writes the index as ContentsWriter does.
  absl::Status WriteTo(CompressedWriter& writer) const;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>>
      packages_by_path_;
};

// ReleaseInfo is the descriptive part of a Release file.
struct ReleaseInfo {
  std::string origin;
  std::string label;
  std::string suite;
  std::string version;
  std::string codename;
  absl::Time date;
  std::optional<absl::Time> valid_until;
  // NotAutomatic: yes makes apt install from the archive only when asked
  // (experimental, backports); ButAutomaticUpgrades: yes (with it) lets apt
  // upgrade what was installed from it.
  bool not_automatic = false;
  bool but_automatic_upgrades = false;
  bool acquire_by_hash = false;
  std::vector<std::string> architectures;
  std::vector<std::string> components;
  std::string description;
};

// ReleaseFileEntry is one index file listed in a Release file.
struct ReleaseFileEntry {
  std::string path;  // Relative to the directory of the Release file.
  Checksums checksums;
};

// ReleaseParagraph builds a Release file's paragraph. Empty fields are left
// out; dates are RFC 2822 in UTC; the MD5Sum, SHA1, SHA256 and SHA512
// sections list `files` sorted by path as " digest size path" with the
// size right-aligned in 8 columns (as in Debian's archive) and are left out
// when some file lacks that digest. Values that would inject fields or
// paragraphs (a newline in Origin, Label, Suite, Version, Codename or a
// path, a Description line that is not a continuation line, an
// architecture or component that is not one word) are INVALID_ARGUMENT;
// write a multi-line description with EncodeMultiline.
absl::StatusOr<Paragraph> ReleaseParagraph(const ReleaseInfo& info,
                                           std::vector<ReleaseFileEntry> files);

// FormatReleaseDate formats a time as Release files write it:
// "Sat, 11 Jul 2026 10:16:37 UTC".
std::string FormatReleaseDate(absl::Time time);

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_INDEX_WRITER_H_
