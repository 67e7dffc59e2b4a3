// The Release file of a remote archive (Debian's wiki "DebianRepository/
// Format"): what it says about the distribution and the checksums of its
// indices, and the check of its OpenPGP signature (InRelease, or Release
// with Release.gpg), by apt's rule.
#ifndef DEBREPO_MIRROR_RELEASE_H_
#define DEBREPO_MIRROR_RELEASE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace debrepo::mirror {

// kMaxReleaseBytes bounds each of InRelease, Release and Release.gpg: a
// Release of Debian's main archive is well under 1 MiB.
inline constexpr int64_t kMaxReleaseBytes = int64_t{16} << 20;

// kMaxReleaseComponents bounds the components a Release may list (Debian
// has four); more fails the sync.
inline constexpr int kMaxReleaseComponents = 1000;

// kMaxReleaseArchitectures bounds the architectures a Release may list
// (Debian has about ten), as a mirror's own architectures are bounded.
inline constexpr int kMaxReleaseArchitectures = 64;

// kMaxReleaseFieldBytes bounds the Date, Suite and Codename a sync records.
inline constexpr size_t kMaxReleaseFieldBytes = 200;

// kMaxReleaseFiles bounds the files a Release may list (Debian's main
// archive lists about 5,000).
inline constexpr int kMaxReleaseFiles = 200000;

// ReleaseIndexFile is one line of the Release's SHA256 field: an index
// (Packages, Sources, ...) by its path relative to the Release.
struct ReleaseIndexFile {
  std::string path;
  int64_t size = 0;
  // sha256 is 64 lower-case hex digits.
  std::string sha256;
};

// Release is what a sync reads from a Release file.
struct Release {
  // The Date, Suite and Codename fields as written ("" when absent):
  // storable text of at most kMaxReleaseFieldBytes, no control characters.
  std::string date, suite, codename;
  // The Date and Valid-Until fields as times, when present.
  std::optional<absl::Time> date_time, valid_until;
  // The Components and Architectures fields, in order; a flat repository
  // has none. Architectures may include "all".
  std::vector<std::string> components, architectures;
  // Acquire-By-Hash: yes — indices can also be fetched by their SHA-256
  // (<dir>/by-hash/SHA256/<hash>), which never changes under a reader.
  bool acquire_by_hash = false;
  // No-Support-for-Architecture-all: Packages — packages of architecture
  // "all" are listed in every binary-<arch>/Packages, so binary-all/Packages
  // adds nothing (Debian since bookworm).
  bool all_in_architecture_indices = false;
  // The SHA256 field's files, in order; add to it only with AddFile.
  std::vector<ReleaseIndexFile> files;

  // AddFile appends `file` to `files`; FindFile finds the first line of a
  // path listed twice.
  void AddFile(ReleaseIndexFile file);

  // FindFile returns the file listed with `path`, or null, in constant
  // time: planning looks up three forms of up to 64,000 indices.
  const ReleaseIndexFile* FindFile(absl::string_view path) const;

 private:
  // The index in `files` of each path.
  absl::flat_hash_map<std::string, size_t> file_by_path_;
};

// ParseRelease parses the text of a Release file (for InRelease, the signed
// text VerifyInRelease returns). Errors, all FAILED_PRECONDITION since the
// archive is at fault: not one deb822 paragraph, more than kMaxReleaseBytes,
// no SHA256 field (apt accepts no weaker checksum), a malformed SHA256 line
// or a path in it that is absolute or holds "..", an empty segment or a
// control character, more than kMaxReleaseComponents components,
// kMaxReleaseArchitectures architectures or kMaxReleaseFiles files, an
// architecture that is not one (deb::ValidateArchitecture), a Date, Suite
// or Codename that is not storable text, holds a control character or is
// longer than kMaxReleaseFieldBytes, a Date or Valid-Until that is not a
// date.
absl::StatusOr<Release> ParseRelease(absl::string_view text);

// ParseReleaseTime parses a Release's Date or Valid-Until as apt does
// (RFC 1123: "Sat, 10 Jun 2023 08:52:07 UTC", the day name optional, the
// zone UTC, GMT, Z or +hhmm). INVALID_ARGUMENT when it is not such a date.
absl::StatusOr<absl::Time> ParseReleaseTime(absl::string_view text);

// CheckReleaseFreshness refuses, as apt does, a Release that is stale at
// `now`: its Valid-Until has passed, or its Date is older than
// `recorded_date`, the Date of the Release the mirror last synced from the
// same archive and distribution ("" when there is none; a recorded date
// that does not parse is ignored). A man in the middle could otherwise hold
// a mirror on an old, validly signed Release. FAILED_PRECONDITION saying
// which.
absl::Status CheckReleaseFreshness(const Release& release,
                                   absl::string_view recorded_date,
                                   absl::Time now);

// VerifyInRelease checks the signature of `in_release`, a clear-signed
// Release, against `keyring` (OpenPGP public keys, binary or armoured, as
// KeyringFingerprints takes) by apt's rule: good when at least one of its
// signatures is a good one by a key of the keyring, whatever others it
// carries; a BAD signature by a key of the keyring fails. Returns the signed
// text. Errors: FAILED_PRECONDITION when the signature does not verify (the
// message says why and what to do), INTERNAL or DEADLINE_EXCEEDED when gpgv
// cannot be run.
absl::StatusOr<std::string> VerifyInRelease(absl::string_view in_release,
                                            absl::string_view keyring);

// VerifyDetachedRelease checks `signature` (Release.gpg) over the exact
// bytes of `release` like VerifyInRelease, and returns `release`.
absl::StatusOr<std::string> VerifyDetachedRelease(absl::string_view release,
                                                  absl::string_view signature,
                                                  absl::string_view keyring);

// UnverifiedInReleaseText returns the signed text of `in_release` without
// checking its signature (for mirrors made with ignore_signatures), with
// the same checks of its layout as VerifyInRelease: FAILED_PRECONDITION
// when it is not a clear-signed message or holds unsigned text.
absl::StatusOr<std::string> UnverifiedInReleaseText(
    absl::string_view in_release);

// IsSafeArchivePath reports whether `path` may be used relative to an
// archive or Release: not empty, not absolute, no empty or ".." segment, no
// control character. "." segments are allowed: apt-ftparchive writes
// "Filename: ./foo.deb" in flat repositories.
bool IsSafeArchivePath(absl::string_view path);

}  // namespace debrepo::mirror

#endif  // DEBREPO_MIRROR_RELEASE_H_
