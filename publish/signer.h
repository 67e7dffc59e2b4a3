// Signer: OpenPGP signatures of Release files with gpg.
#ifndef DEBREPO_PUBLISH_SIGNER_H_
#define DEBREPO_PUBLISH_SIGNER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace debrepo::publish {

// SigningKey says which key signs: a key id or fingerprint in a GnuPG home
// directory, or an armored private key file (imported into a private home
// directory), with an optional passphrase file.
struct SigningKey {
  // GNUPGHOME to use; empty for gpg's default.
  std::string gnupg_home;
  // Key id or fingerprint; empty for the home's default key.
  std::string key_id;
  // An armored private key file, instead of gnupg_home / key_id.
  std::string key_file;
  std::string passphrase_file;
};

// Signer signs Release files. Thread-safe.
class Signer {
 public:
  // Create checks that `key` can sign now (exists, has a secret part, is
  // not expired or revoked, the passphrase works) by signing a probe:
  // FAILED_PRECONDITION saying what is wrong and what to configure.
  static absl::StatusOr<std::unique_ptr<Signer>> Create(const SigningKey& key);
  virtual ~Signer() = default;

  // ClearSign returns `text` as a clear-signed message (InRelease).
  virtual absl::StatusOr<std::string> ClearSign(
      absl::string_view text) const = 0;
  // DetachSign returns an armored detached signature of `text`
  // (Release.gpg).
  virtual absl::StatusOr<std::string> DetachSign(
      absl::string_view text) const = 0;
};

}  // namespace debrepo::publish

#endif  // DEBREPO_PUBLISH_SIGNER_H_
