// Package identity and placement: aptly-compatible package keys and Debian
// pool paths.
//
// A package key is "P<arch> <name> <version> <files-hash>", e.g.
// "Pamd64 hello 2.10-3 c5e944dbf7f10f76" (source packages use the
// architecture "source"). The files hash tells apart packages with the same
// name, version and architecture but different contents, and is computed as
// aptly computes it, so keys carry over from aptly databases: 64-bit FNV-1a
// over the package's files sorted by name, feeding for each file its name,
// its size as 8 big-endian bytes, and its MD5, SHA-1 and SHA-256 as
// lowercase hex text; printed as lowercase hex, at least 8 digits.
#ifndef DEBREPO_DEB_PACKAGE_KEY_H_
#define DEBREPO_DEB_PACKAGE_KEY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/checksums.h"
#include "deb/control.h"

namespace debrepo::deb {

// PackageFile is one file of a package: a .deb, or a .dsc and its sources.
struct PackageFile {
  std::string name;  // The base name, e.g. "hello_2.10-3_amd64.deb".
  Checksums checksums;
};

// FilesHash returns the hash described above; file order does not matter.
std::string FilesHash(std::vector<PackageFile> files);

// ValidatePackageName accepts a package name by Debian Policy §5.6.1:
// at least two characters, lower-case ASCII letters, digits and "+-.",
// starting with a letter or digit. Anything else is INVALID_ARGUMENT.
absl::Status ValidatePackageName(absl::string_view name);

// kMaxArchitectureLength bounds an architecture name (real ones have at
// most 15 characters), so that no message echoes a huge one.
inline constexpr size_t kMaxArchitectureLength = 64;

// ValidateArchitecture accepts one architecture name ([a-z0-9-]+, at most
// kMaxArchitectureLength characters, e.g. "amd64", "all", "source",
// "kfreebsd-i386"); anything else, e.g. a list "amd64 i386", is
// INVALID_ARGUMENT.
absl::Status ValidateArchitecture(absl::string_view architecture);

// PackageKey returns "P<architecture> <name> <version> <files_hash>". The
// architecture and name must pass the checks above and the version must be
// a valid Debian version (so no part holds a space and keys are
// unambiguous), and the hash must be lower-case hex; else INVALID_ARGUMENT.
absl::StatusOr<std::string> PackageKey(absl::string_view architecture,
                                       absl::string_view name,
                                       absl::string_view version,
                                       absl::string_view files_hash);

// StripSourceVersion returns a Source field's package name: the field without
// the "(version)" suffix binary stanzas and binNMU .changes carry when the
// source version differs ("glibc (2.36-9)" -> "glibc"), and without blanks.
absl::string_view StripSourceVersion(absl::string_view source_field);

// ValidateSourceField accepts a Source field as binary stanzas, .dsc and
// .changes files carry it: a package name (ValidatePackageName), optionally
// followed by a valid Debian version in parentheses ("glibc (2.36-9)").
// Anything else is INVALID_ARGUMENT: the name becomes a pool directory.
absl::Status ValidateSourceField(absl::string_view source_field);

// SourceName returns the source package of a binary package stanza: its
// Source field without a "(version)" suffix, or its Package name.
absl::string_view SourceName(const Paragraph& binary);
absl::string_view SourceName(const ParagraphView& binary);

// PackageFileName returns the name Debian gives a package's file,
// "<name>_<version>_<architecture>.<extension>" with the version's epoch
// left out (hello 1:2.10-3 amd64 deb -> "hello_2.10-3_amd64.deb"); for a
// source package's .dsc, "<name>_<version>.dsc" (architecture "source").
// A stored package is named by its control data, not by the name it was
// uploaded under.
std::string PackageFileName(absl::string_view name, absl::string_view version,
                            absl::string_view architecture,
                            absl::string_view extension);

// PoolPrefix returns the pool directory for a source package: the first
// four letters for names starting with "lib" (libfoo -> "libf"), else the
// first letter (Debian's archive layout).
absl::string_view PoolPrefix(absl::string_view source);

// PoolDirectory returns "pool/<component>/<prefix>/<source>", the directory,
// relative to a publication's prefix, holding source package `source`'s
// files in `component`. Both must be plain names (non-empty single path
// components, not "." or "..", without control characters or blanks), else
// INVALID_ARGUMENT: they come from uploaded control data, and must not take
// a file out of the pool or break the index stanza naming it.
absl::StatusOr<std::string> PoolDirectory(absl::string_view component,
                                          absl::string_view source);

// PoolPath returns PoolDirectory(component, source) + "/" + `file`, where
// `file` must be a plain name too (else INVALID_ARGUMENT).
absl::StatusOr<std::string> PoolPath(absl::string_view component,
                                     absl::string_view source,
                                     absl::string_view file);

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_PACKAGE_KEY_H_
