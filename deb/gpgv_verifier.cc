// Runs gpgv and reads its machine-readable status lines (doc/DETAILS in
// GnuPG); its exit code alone cannot tell an unknown key from a bad
// signature.
#include "deb/gpgv_verifier.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <utility>

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

// IsSignatureKeyword reports whether a gpgv status keyword speaks of one
// signature (doc/DETAILS: the lines a signature's verdict starts with).
bool IsSignatureKeyword(absl::string_view keyword) {
  return keyword == "GOODSIG" || keyword == "BADSIG" || keyword == "ERRSIG" ||
         keyword == "EXPSIG" || keyword == "EXPKEYSIG" ||
         keyword == "REVKEYSIG" || keyword == "VALIDSIG" ||
         keyword == "NO_PUBKEY";
}

// SignatureCheck is what gpgv's status lines said about one signature.
struct SignatureCheck {
  // key is the long key id of the (sub)key that made the signature.
  std::string key;
  bool good = false;        // GOODSIG: checks out with a key of the keyrings.
  bool valid = false;       // VALIDSIG: the key is usable.
  bool bad = false;         // BADSIG: the key is known, the message changed.
  bool no_pubkey = false;   // NO_PUBKEY: the key is not in the keyrings.
  bool expired = false;     // EXPKEYSIG
  bool revoked = false;     // REVKEYSIG
  std::string weak_digest;  // The digest algorithm when apt refuses it.
  std::string fingerprint;  // The primary key's, from VALIDSIG.
};

// Problem says why `check` is not a good signature, or OK when it is.
absl::Status Problem(const SignatureCheck& check) {
  if (check.bad) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad signature by key ", check.key));
  }
  if (check.expired || check.revoked) {
    return absl::FailedPreconditionError(
        absl::StrCat("signed by ", check.expired ? "expired" : "revoked",
                     " key ", check.key));
  }
  if (!check.weak_digest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signature by key ", check.key, " uses weak digest algorithm ",
        check.weak_digest, " (MD5, SHA-1 and RIPEMD-160 are not accepted)"));
  }
  if (check.no_pubkey) {
    return absl::FailedPreconditionError(
        absl::StrCat("signed by unknown key ", check.key));
  }
  if (!check.good || !check.valid) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot check signature by key ", check.key));
  }
  return absl::OkStatus();
}

// GpgvRun is one gpgv run's verdict on each signature, in order.
struct GpgvRun {
  std::vector<SignatureCheck> checks;
  int exit_code = -1;
  std::string stderr_data;
};

// RunGpgv runs gpgv in an empty home with `keyrings` over `signed_data`,
// a clear-signed message without `detached_signature`, else the data that
// signature covers, and reads its status lines.
absl::StatusOr<GpgvRun> RunGpgv(
    const std::vector<std::string>& keyrings, absl::string_view signed_data,
    std::optional<absl::string_view> detached_signature) {
  ScratchDir home;
  if (home.path().empty()) {
    return absl::InternalError("cannot make a home directory for gpgv");
  }
  std::vector<std::string> argv = {"gpgv", "--homedir", home.path(),
                                   "--status-fd", "1"};
  for (const std::string& keyring : keyrings) {
    argv.push_back("--keyring");
    argv.push_back(keyring);
  }
  absl::string_view stdin_data = signed_data;
  if (detached_signature.has_value()) {
    // gpgv reads a detached signature's data from a file; both go in the
    // scratch home, which is removed afterwards.
    stdin_data = "";
    for (const auto& [name, bytes] :
         {std::pair{"signature", *detached_signature},
          std::pair{"data", signed_data}}) {
      std::string path = absl::StrCat(home.path(), "/", name);
      std::ofstream out(path, std::ios::binary);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      out.close();
      if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
      argv.push_back(std::move(path));
    }
  } else {
    argv.push_back("-");
  }
  absl::StatusOr<CommandResult> result =
      RunCommand(argv, stdin_data, {.timeout = kGpgvTimeout});
  if (!result.ok()) return result.status();
  if (result->exit_code == 127) {
    return absl::InternalError(
        absl::StrCat("cannot run gpgv (", result->stderr_data,
                     "); install the gpgv package on the workers"));
  }
  GpgvRun run;
  run.exit_code = result->exit_code;
  run.stderr_data = std::move(result->stderr_data);
  for (absl::string_view line : absl::StrSplit(result->stdout_data, '\n')) {
    if (!absl::ConsumePrefix(&line, "[GNUPG:] ")) continue;
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
    absl::string_view keyword = words[0];
    absl::string_view key = words.size() > 1 ? words[1] : "";
    // NEWSIG starts each signature's lines; older gpgv versions do not
    // write it for the first one, which then starts with its first
    // per-signature line. Other lines before it (KEY_CONSIDERED, say)
    // belong to no signature.
    if (keyword == "NEWSIG") {
      run.checks.emplace_back();
      continue;
    }
    if (run.checks.empty()) {
      if (!IsSignatureKeyword(keyword)) continue;
      run.checks.emplace_back();
    }
    SignatureCheck& check = run.checks.back();
    if (keyword == "GOODSIG") {
      check.good = true;
      check.key = std::string(key);
    } else if (keyword == "VALIDSIG") {
      // VALIDSIG <fpr> <date> <time> <expire> <version> <reserved>
      //          <pubkey-algo> <hash-algo> <class> <primary-fpr>
      if (words.size() < 11) {
        return absl::InvalidArgumentError("malformed VALIDSIG from gpgv");
      }
      check.valid = true;
      if (IsWeakDigest(words[8])) check.weak_digest = std::string(words[8]);
      check.fingerprint = std::string(words.back());
    } else if (keyword == "BADSIG") {
      check.bad = true;
      check.key = std::string(key);
    } else if (keyword == "NO_PUBKEY") {
      check.no_pubkey = true;
      check.key = std::string(key);
    } else if (keyword == "EXPKEYSIG" || keyword == "REVKEYSIG") {
      check.expired = keyword == "EXPKEYSIG";
      check.revoked = keyword == "REVKEYSIG";
      check.key = std::string(key);
    } else if (keyword == "ERRSIG") {
      check.key = std::string(key);
    }
  }
  return run;
}

// AnyGoodSigner applies the any-good-signature rule to `run`.
absl::StatusOr<Signer> AnyGoodSigner(const GpgvRun& run) {
  for (const SignatureCheck& check : run.checks) {
    if (check.bad) return Problem(check);
  }
  for (const SignatureCheck& check : run.checks) {
    if (Problem(check).ok()) {
      return Signer{check.key, check.fingerprint};
    }
  }
  if (run.checks.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no signature found: ", run.stderr_data));
  }
  return Problem(run.checks.front());
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
  absl::StatusOr<GpgvRun> run =
      RunGpgv(keyrings_, JoinClearSigned(*split), std::nullopt);
  if (!run.ok()) return run.status();
  for (const SignatureCheck& check : run->checks) {
    if (absl::Status problem = Problem(check); !problem.ok()) return problem;
  }
  if (run->exit_code != 0 || run->checks.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no valid signature: ", run->stderr_data));
  }
  const SignatureCheck& first = run->checks.front();
  return VerifiedMessage{std::move(split->text),
                         Signer{first.key, first.fingerprint}};
}

absl::StatusOr<VerifiedMessage> GpgvVerifier::VerifyClearSignedByAnyKey(
    absl::string_view message) const {
  absl::StatusOr<ClearSigned> split = SplitClearSigned(message);
  if (!split.ok()) return split.status();
  // gpgv exits non-zero when any signature is by an unknown key, so only
  // the status lines tell.
  absl::StatusOr<GpgvRun> run =
      RunGpgv(keyrings_, JoinClearSigned(*split), std::nullopt);
  if (!run.ok()) return run.status();
  absl::StatusOr<Signer> signer = AnyGoodSigner(*run);
  if (!signer.ok()) return signer.status();
  return VerifiedMessage{std::move(split->text), *std::move(signer)};
}

absl::StatusOr<Signer> GpgvVerifier::VerifyDetachedByAnyKey(
    absl::string_view data, absl::string_view signature) const {
  absl::StatusOr<GpgvRun> run = RunGpgv(keyrings_, data, signature);
  if (!run.ok()) return run.status();
  return AnyGoodSigner(*run);
}

}  // namespace debrepo::deb
