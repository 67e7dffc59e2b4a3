// Validation of the names callers give to resources.
#ifndef DEBREPO_COMMON_NAMES_H_
#define DEBREPO_COMMON_NAMES_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace debrepo {

// ValidateResourceName checks the name of a repo, snapshot, mirror or
// upload directory: 1 to 100 characters from ASCII letters, digits and
// `.` `_` `-` `+` `~`, starting with a letter or digit. Such names are safe
// in file paths, URLs and resource keys. `what` ("repo", "snapshot", ...)
// names the resource in the INVALID_ARGUMENT message.
absl::Status ValidateResourceName(absl::string_view what,
                                  absl::string_view name);

// ValidateDistribution checks a distribution name: like a resource name,
// but `/` may separate parts (e.g. "bookworm/updates"). Empty is allowed
// (no default).
absl::Status ValidateDistribution(absl::string_view distribution);

// ValidateComponent checks a component name: like a resource name. Empty
// is allowed (no default).
absl::Status ValidateComponent(absl::string_view component);

// ValidatePublishPrefix checks where under a publish root a publication
// goes: "." (the root itself) or 1 to 10 '/'-separated segments, each like
// a resource name (so none is "." or ".." or starts with '.': dot-paths are
// the workers' staging area and the web server denies them) and none
// "dists" or "pool" (the layout's own directories), at most 200 characters
// in all.
absl::Status ValidatePublishPrefix(absl::string_view prefix);

// ValidatePublishedDistribution checks a published distribution's name:
// one segment, like a resource name (it names one dists/ directory).
absl::Status ValidatePublishedDistribution(absl::string_view distribution);

// ValidatePublishStorage checks a publish storage's name,
// "filesystem:<name>" with a resource name after the colon.
absl::Status ValidatePublishStorage(absl::string_view storage);

// ValidatePackageKey checks that `key` can be a package key, "P<arch>
// <name> <version> <hash>": 1 to 600 characters starting with 'P'. (Whether
// a package has it is for the database to say.)
absl::Status ValidatePackageKey(absl::string_view key);

// kMaxPackageKeysPerRequest bounds the keys one request names, so that its
// job's arguments stay well under gRPC's 4 MiB message limit; larger sets
// are named by a query.
inline constexpr int kMaxPackageKeysPerRequest = 10000;

// ValidatePackageKeys checks each key and that there are at most
// kMaxPackageKeysPerRequest.
template <typename Keys>
absl::Status ValidatePackageKeys(const Keys& keys) {
  if (keys.size() > kMaxPackageKeysPerRequest) {
    return absl::InvalidArgumentError(absl::StrCat(
        keys.size(), " package keys in one request; name at most ",
        kMaxPackageKeysPerRequest,
        " and send the rest in further requests, or select them by query"));
  }
  for (const auto& key : keys) {
    if (absl::Status valid = ValidatePackageKey(key); !valid.ok()) return valid;
  }
  return absl::OkStatus();
}

// ValidateFileName checks the name of an uploaded file: 1 to 255
// printable ASCII characters without spaces, '/' or '\', not starting with
// '.' (so never "." or ".."). Package file names (hello_2.10-3_amd64.deb,
// foo_1.0.orig.tar.xz) fit; path tricks and control characters do not.
absl::Status ValidateFileName(absl::string_view name);

}  // namespace debrepo

#endif  // DEBREPO_COMMON_NAMES_H_
