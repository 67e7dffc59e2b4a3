// Which indices of a remote archive a mirror reads, in which order, and
// where they and the archive's files are.
#ifndef DEBREPO_MIRROR_INDEX_PLAN_H_
#define DEBREPO_MIRROR_INDEX_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mirror/release.h"
#include "proto/debrepo/v1/mirrors_types.pb.h"

namespace debrepo::mirror {

// IndexKind is what an index lists.
enum class IndexKind {
  kPackages,           // binary-<arch>/Packages: .deb packages.
  kInstallerPackages,  // debian-installer/binary-<arch>/Packages: .udebs.
  kSources,            // source/Sources: source packages.
};

// PlannedIndex is one index a sync reads.
struct PlannedIndex {
  // The component ("" in a flat repository) and architecture ("all" for
  // binary-all, "" for Sources and in a flat repository).
  std::string component, architecture;
  IndexKind kind = IndexKind::kPackages;
  // The forms of the index the Release lists, best first: .gz, .xz, plain
  // (the cheapest sync on fast links; see kCompressions).
  // A sync tries the next when the archive does not have one (apt's
  // fallback: Debian lists the plain Packages but does not serve it).
  std::vector<ReleaseIndexFile> candidates;

  // name is how messages name the index: its path without compression
  // suffix, e.g. "main/binary-amd64/Packages".
  std::string name;
};

// PlanIndices returns the indices a sync of `mirror` reads from the archive
// whose Release is `release`, in the order that decides which of two
// duplicate stanzas wins: components in the mirror's (else the Release's)
// order; for each, binary-<arch>/Packages for each architecture in order
// (the mirror's, else the Release's without "all"), then binary-all/
// Packages when the Release has it and does not list architecture "all"
// packages in the others, then debian-installer/binary-<arch>/Packages
// when with_udebs (indices the Release does not list are skipped: many
// archives have no installer), then source/Sources when with_sources. A
// flat repository (distribution ending in '/') has only Packages and
// Sources. Errors, FAILED_PRECONDITION naming what the Release offers: a
// component or architecture the Release does not list; a Packages or
// Sources index it does not list.
absl::StatusOr<std::vector<PlannedIndex>> PlanIndices(const Release& release,
                                                      const v1::Mirror& mirror);

// DistributionUrl is the URL of the directory holding `mirror`'s InRelease,
// Release and Release.gpg, ending in '/': <archive_url>/dists/<dist>/, or
// for a flat repository <archive_url>/<dist> ("./" adds nothing).
std::string DistributionUrl(const v1::Mirror& mirror);

// IndexUrl is the URL of `file`, an index listed in the Release. With
// `by_hash` (for a Release with Acquire-By-Hash), the by-hash URL, which
// keeps the content it was first published with while the archive updates:
// <dir of the index>/by-hash/SHA256/<sha256>.
std::string IndexUrl(const v1::Mirror& mirror, const ReleaseIndexFile& file,
                     bool by_hash);

// ArchiveFileUrl is the URL of a file by its path in the archive (a
// Packages stanza's Filename, a Sources stanza's Directory/name), relative
// to archive_url in every kind of repository. Each path segment is
// percent-escaped except for unreserved characters (RFC 3986), so '+' and
// '~' survive servers and proxies that read them otherwise.
std::string ArchiveFileUrl(const v1::Mirror& mirror,
                           absl::string_view archive_path);

}  // namespace debrepo::mirror

#endif  // DEBREPO_MIRROR_INDEX_PLAN_H_
