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

// VerifiedMessage is a clear-signed message whose signature checked out.
struct VerifiedMessage {
  // text is the signed text (dash-escaping undone), exactly what the
  // signature covers: use it, never a fresh split of the message.
  std::string text;
  Signer signer;
};

// GpgvVerifier checks signatures with `gpgv --status-fd` against keyrings
// in OpenPGP binary format (`gpg --export` output, or .gpg keyring files).
// gpgv runs with --homedir set to a fresh empty directory, so no keyring of
// the user's (~/.gnupg/trustedkeys.kbx) is ever consulted.
class GpgvVerifier {
 public:
  // Create returns a verifier for `keyrings`, which must be a non-empty list
  // of absolute paths (else INVALID_ARGUMENT) of readable files (else
  // FAILED_PRECONDITION).
  static absl::StatusOr<GpgvVerifier> Create(std::vector<std::string> keyrings);

  // VerifyClearSigned checks a clear-signed message and returns its text.
  // Every signature on it must be good and use a digest apt accepts (not
  // MD5, SHA-1 or RIPEMD-160). Errors: FAILED_PRECONDITION when the key is
  // not in the keyrings or is expired or revoked, INVALID_ARGUMENT for a bad,
  // weak or missing signature, INTERNAL when gpgv cannot be run,
  // DEADLINE_EXCEEDED when it runs over a minute.
  absl::StatusOr<VerifiedMessage> VerifyClearSigned(
      absl::string_view message) const;

  // VerifyClearSignedByAnyKey checks a clear-signed message, such as an
  // InRelease file, by apt's rule for archives: it is good when at least one
  // of its signatures is a good one (a key of the keyrings, not expired or
  // revoked, a digest apt accepts), whatever its other signatures are,
  // except that a BAD signature by a key of the keyrings (a tampered
  // message) fails. The signer is that of the first good signature. Errors
  // when no signature is good are those of VerifyClearSigned for the first
  // signature.
  absl::StatusOr<VerifiedMessage> VerifyClearSignedByAnyKey(
      absl::string_view message) const;

  // VerifyDetachedByAnyKey checks `signature`, a detached signature
  // (armoured or binary, such as Release.gpg) over exactly the bytes of
  // `data`, by the rule of VerifyClearSignedByAnyKey, and returns the signer.
  absl::StatusOr<Signer> VerifyDetachedByAnyKey(
      absl::string_view data, absl::string_view signature) const;

 private:
  explicit GpgvVerifier(std::vector<std::string> keyrings)
      : keyrings_(std::move(keyrings)) {}

  std::vector<std::string> keyrings_;
};

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_GPGV_VERIFIER_H_
