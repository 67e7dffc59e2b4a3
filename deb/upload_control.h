// Control files that list other files: source package descriptions (.dsc)
// and upload descriptions (.changes), signed or not (Debian Policy §5.4,
// §5.5). Signatures are checked separately, with GpgvVerifier.
#ifndef DEBREPO_DEB_UPLOAD_CONTROL_H_
#define DEBREPO_DEB_UPLOAD_CONTROL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/checksums.h"
#include "deb/control.h"
#include "deb/version.h"

namespace debrepo::deb {

// ListedFile is one file named by the Files and Checksums-* fields, merged
// by name. Digests the control file did not list are empty.
struct ListedFile {
  std::string name;
  Checksums checksums;
  // section and priority come from a .changes Files line; a .dsc has none.
  std::string section;
  std::string priority;
};

// UploadControl is a parsed .dsc or .changes.
struct UploadControl {
  // paragraph is the (signed) text's only paragraph.
  Paragraph paragraph;
  std::string source;  // The Source field without a "(version)" suffix.
  Version version;
  // files lists the Files field's entries in order.
  std::vector<ListedFile> files;
};

// ParseDsc parses a .dsc, requiring Format, Source, Version and Files.
// Clear-signed input is unwrapped (not verified). Source must be a valid
// package name with an optional valid "(version)" (ValidateSourceField).
// Each file name must be a plain name (no '/'), digests must be hex of the
// right length, and every Checksums-Sha1/Sha256/Sha512 entry must name a
// file from Files with the same size, at most once per field, and
// Checksums-Sha256 must list every file; otherwise INVALID_ARGUMENT.
absl::StatusOr<UploadControl> ParseDsc(absl::string_view text);

// ParseChanges parses a .changes like ParseDsc, additionally requiring
// Architecture and Distribution, with "md5 size section priority name"
// Files lines.
absl::StatusOr<UploadControl> ParseChanges(absl::string_view text);

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_UPLOAD_CONTROL_H_
