// Runs gpgv and reads its machine-readable status lines (doc/DETAILS in
// GnuPG); its exit code alone cannot tell an unknown key from a bad
// signature.
#include "deb/gpgv_verifier.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "deb/clearsign.h"
#include "deb/internal/scratch_dir.h"
#include "deb/internal/subprocess.h"

namespace debrepo::deb {
namespace {

using ::debrepo::deb::internal::CommandResult;
using ::debrepo::deb::internal::RunCommand;
using ::debrepo::deb::internal::ScratchDir;

// kGpgvTimeout bounds one gpgv run; it normally takes milliseconds.
constexpr absl::Duration kGpgvTimeout = absl::Seconds(60);

// IsWeakDigest reports whether an OpenPGP hash algorithm number is one apt
// no longer trusts: 1 MD5, 2 SHA-1, 3 RIPEMD-160.
bool IsWeakDigest(absl::string_view algorithm) {
  return algorithm == "1" || algorithm == "2" || algorithm == "3";
}

}  // namespace

absl::StatusOr<GpgvVerifier> GpgvVerifier::Create(
    std::vector<std::string> keyrings) {
  if (keyrings.empty()) {
    return absl::InvalidArgumentError(
        "no keyrings given: every signature would be unverifiable");
  }
  for (const std::string& keyring : keyrings) {
    if (keyring.empty() || keyring[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat(
          "keyring path \"", keyring,
          "\" is not absolute (gpgv would look it up in its home directory)"));
    }
  }
  for (const std::string& keyring : keyrings) {
    // A typo here would otherwise show only as "unknown key" on every
    // signed upload.
    if (access(keyring.c_str(), R_OK) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot read keyring ", keyring, ": ", std::strerror(errno),
          "; give the path of a keyring made with `gpg --export`"));
    }
  }
  return GpgvVerifier(std::move(keyrings));
}

absl::StatusOr<VerifiedMessage> GpgvVerifier::VerifyClearSigned(
    absl::string_view message) const {
  // gpgv checks our serialisation of our own split, so the text returned is
  // exactly what the signature covers, however the input was laid out.
  absl::StatusOr<ClearSigned> split = SplitClearSigned(message);
  if (!split.ok()) return split.status();
  if (keyrings_.empty()) return absl::InvalidArgumentError("no keyrings");
  ScratchDir home;
  if (home.path().empty()) {
    return absl::InternalError("cannot make a home directory for gpgv");
  }
  std::vector<std::string> argv = {"gpgv", "--homedir", home.path(),
                                   "--status-fd", "1"};
  for (const std::string& keyring : keyrings_) {
    argv.push_back("--keyring");
    argv.push_back(keyring);
  }
  argv.push_back("-");
  absl::StatusOr<CommandResult> result =
      RunCommand(argv, JoinClearSigned(*split), {.timeout = kGpgvTimeout});
  if (!result.ok()) return result.status();
  if (result->exit_code == 127) {
    return absl::InternalError(
        absl::StrCat("cannot run gpgv (", result->stderr_data,
                     "); install the gpgv package on the workers"));
  }
  Signer signer;
  bool good = false, valid = false;
  // gpgv reports an unknown key as ERRSIG followed by NO_PUBKEY; the more
  // specific problem wins.
  absl::Status problem;
  for (absl::string_view line : absl::StrSplit(result->stdout_data, '\n')) {
    if (!absl::ConsumePrefix(&line, "[GNUPG:] ")) continue;
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
    absl::string_view keyword = words[0];
    absl::string_view key = words.size() > 1 ? words[1] : "";
    if (keyword == "GOODSIG") {
      good = true;
      signer.key_id = std::string(key);
    } else if (keyword == "VALIDSIG") {
      // VALIDSIG <fpr> <date> <time> <expire> <version> <reserved>
      //          <pubkey-algo> <hash-algo> <class> <primary-fpr>
      if (words.size() < 11) {
        return absl::InvalidArgumentError("malformed VALIDSIG from gpgv");
      }
      if (IsWeakDigest(words[8])) {
        return absl::InvalidArgumentError(absl::StrCat(
            "signature by key ", key, " uses weak digest algorithm ", words[8],
            " (MD5, SHA-1 and RIPEMD-160 are not accepted)"));
      }
      valid = true;
      signer.fingerprint = std::string(words.back());
    } else if (keyword == "BADSIG") {
      return absl::InvalidArgumentError(
          absl::StrCat("bad signature by key ", key));
    } else if (keyword == "NO_PUBKEY") {
      problem = absl::FailedPreconditionError(
          absl::StrCat("signed by unknown key ", key));
    } else if (keyword == "EXPKEYSIG" || keyword == "REVKEYSIG") {
      return absl::FailedPreconditionError(absl::StrCat(
          "signed by ", keyword == "EXPKEYSIG" ? "expired" : "revoked", " key ",
          key));
    } else if (keyword == "ERRSIG" && problem.ok()) {
      problem = absl::InvalidArgumentError(
          absl::StrCat("cannot check signature by key ", key));
    }
  }
  if (!problem.ok()) return problem;
  if (result->exit_code != 0 || !good || !valid) {
    return absl::InvalidArgumentError(
        absl::StrCat("no valid signature: ", result->stderr_data));
  }
  return VerifiedMessage{std::move(split->text), std::move(signer)};
}

}  // namespace debrepo::deb
