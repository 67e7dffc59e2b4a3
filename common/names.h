// Validation of the names callers give to resources.
#ifndef DEBREPO_COMMON_NAMES_H_
#define DEBREPO_COMMON_NAMES_H_

#include "absl/status/status.h"
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

// ValidateFileName checks the name of an uploaded file: 1 to 255
// printable ASCII characters without spaces, '/' or '\', not starting with
// '.' (so never "." or ".."). Package file names (hello_2.10-3_amd64.deb,
// foo_1.0.orig.tar.xz) fit; path tricks and control characters do not.
absl::Status ValidateFileName(absl::string_view name);

}  // namespace debrepo

#endif  // DEBREPO_COMMON_NAMES_H_
