// Verifying OpenPGP signatures against given keyrings with gpgv(1), the
// verifier apt itself uses: no trust database and no keyring of the user's.
#ifndef DEBREPO_DEB_GPGV_VERIFIER_H_
#define DEBREPO_DEB_GPGV_VERIFIER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace debrepo::deb {

// Signer identifies the key that made a good signature.
struct Signer {
  // key_id is the 16-hex-digit long key id of the signing (sub)key.
  std::string key_id;
  // fingerprint is the primary key's fingerprint.
  std::string fingerprint;
};

// GpgvVerifier checks signatures with `gpgv --status-fd` against keyrings
// in OpenPGP binary format (`gpg --export` output, or .gpg keyring files).
class GpgvVerifier {
 public:
  explicit GpgvVerifier(std::vector<std::string> keyrings)
      : keyrings_(std::move(keyrings)) {}

  // VerifyClearSigned checks a clear-signed message. Every signature on it
  // must be good. Errors: FAILED_PRECONDITION when the key is not in the
  // keyrings or is expired or revoked, INVALID_ARGUMENT for a bad or missing
  // signature, INTERNAL when gpgv cannot be run.
  absl::StatusOr<Signer> VerifyClearSigned(absl::string_view message) const;

 private:
  std::vector<std::string> keyrings_;
};

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_GPGV_VERIFIER_H_
