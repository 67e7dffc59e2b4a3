// Runs gpgv and reads its machine-readable status lines (doc/DETAILS in
// GnuPG); its exit code alone cannot tell an unknown key from a bad
// signature.
#include "deb/gpgv_verifier.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "deb/subprocess.h"

namespace debrepo::deb {

absl::StatusOr<Signer> GpgvVerifier::VerifyClearSigned(
    absl::string_view message) const {
  std::vector<std::string> argv = {"gpgv", "--status-fd", "1"};
  for (const std::string& keyring : keyrings_) {
    argv.push_back("--keyring");
    argv.push_back(keyring);
  }
  argv.push_back("-");
  absl::StatusOr<CommandResult> result = RunCommand(argv, message);
  if (!result.ok()) return result.status();
  if (result->exit_code == 127) {
    return absl::InternalError("cannot run gpgv: " + result->stderr_data);
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
  return signer;
}

}  // namespace debrepo::deb
