// Throw-away GnuPG keys for tests that sign and verify.
#ifndef DEBREPO_DEB_TESTING_GPG_KEYS_H_
#define DEBREPO_DEB_TESTING_GPG_KEYS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace debrepo::deb::testing {

// TestKey is a GnuPG home with one fresh key; `keyring` holds its exported
// public key (what apt's signed-by and gpgv take).
struct TestKey {
  std::string home;
  std::string keyring;
  std::string fingerprint;
};

// TestKeyOptions vary the key made by MakeTestKey.
struct TestKeyOptions {
  // An empty passphrase leaves the secret key unprotected.
  std::string passphrase;
  // gpg's expiry argument: "never", "1d", ...
  std::string expire = "never";
  // The primary key's usage: "sign", or "cert" for a key that signs only
  // through a subkey added later.
  std::string usage = "sign";
  // When set (gpg's --faked-system-time, e.g. "20200101T000000"), the key
  // is made as of that time: with a short expiry, an expired key.
  std::string made_at;
};

// MakeTestKey makes an ed25519 signing key for "name <name@example.org>" in
// a fresh home under /tmp (gpg-agent's socket path must be short, and
// TEST_TMPDIR is too deep). Failures are test failures.
TestKey MakeTestKey(const std::string& name,
                    const TestKeyOptions& options = {});

// RemoveTestKey stops the key's gpg-agent and deletes its directory.
void RemoveTestKey(const TestKey& key);

// TwoKeysTest is a test suite with two throw-away keys made once for the
// suite (making keys takes a while): `signer_`, the key a test trusts, and
// `stranger_`, one it does not.
class TwoKeysTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  static TestKey* signer_;
  static TestKey* stranger_;
};

// Gpg runs gpg --batch in `home` with `args` and `input`, returning its
// stdout; a failure is a test failure.
std::string Gpg(const std::string& home, std::vector<std::string> args,
                absl::string_view input = "");

}  // namespace debrepo::deb::testing

#endif  // DEBREPO_DEB_TESTING_GPG_KEYS_H_
