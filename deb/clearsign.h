// OpenPGP clear-signed messages (RFC 4880 §7), the form of InRelease,
// signed .dsc and signed .changes files.
#ifndef DEBREPO_DEB_CLEARSIGN_H_
#define DEBREPO_DEB_CLEARSIGN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace debrepo::deb {

// ClearSigned is a clear-signed message taken apart.
struct ClearSigned {
  // text is the signed text with dash-escaping undone and, as the signature
  // covers it (RFC 4880 §7.1), without trailing spaces, tabs or carriage
  // returns on any line; it ends in '\n'.
  std::string text;
  // signature is the ASCII-armoured signature block, BEGIN to END lines.
  std::string signature;
  // armor_headers are the header lines after the BEGIN line ("Hash: SHA256"),
  // each ending in '\n'.
  std::string armor_headers;
};

// IsClearSigned reports whether `message` starts (after whitespace) with the
// clear-signed message header.
bool IsClearSigned(absl::string_view message);

// SplitClearSigned separates text from signature. Like apt, it rejects
// anything but whitespace before the header or after the signature, so no
// unsigned text can ride along with a signed message; INVALID_ARGUMENT then.
absl::StatusOr<ClearSigned> SplitClearSigned(absl::string_view message);

// JoinClearSigned writes `message` back as a clear-signed message (with
// '\n' line ends and dash-escaping), so that a signature checked over the
// result covers exactly `message.text`.
std::string JoinClearSigned(const ClearSigned& message);

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_CLEARSIGN_H_
