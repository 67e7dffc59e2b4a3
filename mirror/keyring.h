// The OpenPGP keyring a mirror trusts: what it holds, and the binary form
// gpgv reads. A keyring may come armoured (`gpg --export --armor`, .asc
// files) or binary (`gpg --export`, /usr/share/keyrings/*.gpg).
#ifndef DEBREPO_MIRROR_KEYRING_H_
#define DEBREPO_MIRROR_KEYRING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace debrepo::mirror {

// KeyringFingerprints returns the primary key fingerprints (40 upper-case
// hex digits for v4 keys) of the public keys in `keyring`, in keyring order.
// Errors: INVALID_ARGUMENT when it holds no public key (empty, garbage, or
// only secret keys), INTERNAL when gpg cannot be run.
absl::StatusOr<std::vector<std::string>> KeyringFingerprints(
    absl::string_view keyring);

// WriteBinaryKeyring writes the public keys of `keyring` in OpenPGP binary
// form to a file in the existing directory `dir` and returns the file's
// path, which gpgv's --keyring accepts (gpgv cannot read armour). Errors as
// KeyringFingerprints, and INTERNAL when the file cannot be written.
absl::StatusOr<std::string> WriteBinaryKeyring(absl::string_view keyring,
                                               const std::string& dir);

}  // namespace debrepo::mirror

#endif  // DEBREPO_MIRROR_KEYRING_H_
