// gpg runs once per signature with --batch and --pinentry-mode loopback, so a
// passphrase comes only from the configured file and gpg never prompts. A
// key file is imported into a private GNUPGHOME under /tmp (gpg-agent's
// socket lives there, and a socket path must be short), removed with the
// Signer.
#include "publish/signer.h"

#include <stdlib.h>

#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "deb/internal/subprocess.h"

namespace debrepo::publish {
namespace {

using ::debrepo::deb::internal::CommandResult;
using ::debrepo::deb::internal::RunCommand;

namespace fs = std::filesystem;

// kConfigureHint says what a person can change when the key cannot sign.
constexpr absl::string_view kConfigureHint =
    "configure a usable key (--gpg_key with --gpg_home, or --gpg_key_file, "
    "with --gpg_passphrase_file when it is protected; or the publication's "
    "gpg_key) or publish with skip_signing";

// SecretKey is what `gpg --list-secret-keys --with-colons` says of a key.
struct SecretKey {
  std::string fingerprint;
  // validity is field 2 of the "sec" record: 'e' expired, 'r' revoked.
  char validity = 0;
  absl::Time expires = absl::InfiniteFuture();
  // can_sign is an upper-case 'S' in the key's capabilities: some
  // (sub)key of it can sign now.
  bool can_sign = false;
};

// ParseSecretKeys reads the "sec" and first "fpr" records of each key.
std::vector<SecretKey> ParseSecretKeys(absl::string_view listing) {
  std::vector<SecretKey> keys;
  bool want_fingerprint = false;
  for (absl::string_view line : absl::StrSplit(listing, '\n')) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ':');
    if (fields[0] == "sec" && fields.size() > 11) {
      SecretKey key;
      key.validity = fields[1].empty() ? 0 : fields[1][0];
      int64_t expires = 0;
      if (absl::SimpleAtoi(fields[6], &expires) && expires > 0) {
        key.expires = absl::FromUnixSeconds(expires);
      }
      key.can_sign = absl::StrContains(fields[11], 'S');
      keys.push_back(key);
      want_fingerprint = true;
    } else if (fields[0] == "fpr" && want_fingerprint && fields.size() > 9) {
      keys.back().fingerprint = std::string(fields[9]);
      want_fingerprint = false;
    }
  }
  return keys;
}

// Diagnostics returns gpg's diagnostics shortened for an error message.
std::string Diagnostics(const CommandResult& result) {
  std::string text(absl::StripAsciiWhitespace(result.stderr_data));
  constexpr size_t kMaxChars = 600;
  if (text.size() > kMaxChars) text = text.substr(0, kMaxChars) + "...";
  return text.empty() ? absl::StrCat("exit code ", result.exit_code) : text;
}

class GpgSigner : public Signer {
 public:
  GpgSigner(SigningKey key, std::string private_home)
      : key_(std::move(key)), private_home_(std::move(private_home)) {
    if (!private_home_.empty()) key_.gnupg_home = private_home_;
  }

  ~GpgSigner() override {
    if (private_home_.empty()) return;
    (void)RunCommand(
        {"gpgconf", "--homedir", private_home_, "--kill", "gpg-agent"});
    std::error_code ignored;
    fs::remove_all(private_home_, ignored);
  }

  // ImportKeyFile imports key_.key_file into the private home.
  absl::Status ImportKeyFile() const {
    std::vector<std::string> argv = GpgArgv();
    argv.insert(argv.end(), {"--import", "--", key_.key_file});
    absl::StatusOr<CommandResult> result = RunCommand(argv);
    if (!result.ok()) return result.status();
    if (result->exit_code != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot import the signing key file ", key_.key_file,
                       ": ", Diagnostics(*result), "; ", kConfigureHint));
    }
    return absl::OkStatus();
  }

  // CheckKey finds the key and checks that it can sign, then signs a probe.
  absl::Status CheckKey() {
    std::vector<std::string> argv = GpgArgv();
    argv.insert(argv.end(),
                {"--with-colons", "--fingerprint", "--list-secret-keys"});
    if (!key_.key_id.empty()) argv.insert(argv.end(), {"--", key_.key_id});
    absl::StatusOr<CommandResult> result = RunCommand(argv);
    if (!result.ok()) return result.status();
    std::vector<SecretKey> keys = ParseSecretKeys(result->stdout_data);
    if (result->exit_code != 0 || keys.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no secret signing key ", Describe(), "; ", kConfigureHint));
    }
    const SecretKey& key = keys.front();
    if (key.validity == 'r') {
      return absl::FailedPreconditionError(absl::StrCat(
          "the signing key ", Describe(), " is revoked; ", kConfigureHint));
    }
    if (key.validity == 'e' || key.expires <= absl::Now()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the signing key ", Describe(), " expired on ",
          absl::FormatTime("%Y-%m-%d", key.expires, absl::UTCTimeZone()), "; ",
          kConfigureHint));
    }
    if (!key.can_sign) {
      return absl::FailedPreconditionError(
          absl::StrCat("the key ", Describe(),
                       " has no usable signing (sub)key; ", kConfigureHint));
    }
    // Sign with exactly the key checked, not whatever gpg picks later.
    key_.key_id = key.fingerprint;
    if (absl::StatusOr<std::string> probe = ClearSign("probe\n"); !probe.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the signing key ", Describe(), " cannot sign (",
                       probe.status().message(), "); ", kConfigureHint));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ClearSign(absl::string_view text) const override {
    return Sign(text, {"--clearsign"});
  }

  absl::StatusOr<std::string> DetachSign(
      absl::string_view text) const override {
    return Sign(text, {"--armor", "--detach-sign"});
  }

 private:
  // GpgArgv is gpg with the options every run shares.
  std::vector<std::string> GpgArgv() const {
    std::vector<std::string> argv = {"gpg", "--batch", "--no-tty",
                                     "--pinentry-mode", "loopback"};
    if (!key_.gnupg_home.empty()) {
      argv.insert(argv.end(), {"--homedir", key_.gnupg_home});
    }
    if (!key_.passphrase_file.empty()) {
      argv.insert(argv.end(), {"--passphrase-file", key_.passphrase_file});
    }
    return argv;
  }

  absl::StatusOr<std::string> Sign(absl::string_view text,
                                   std::vector<std::string> mode) const {
    std::vector<std::string> argv = GpgArgv();
    // apt rejects SHA-1 signatures; SHA-256 every key type supports.
    argv.insert(argv.end(), {"--digest-algo", "SHA256"});
    if (!key_.key_id.empty()) {
      argv.insert(argv.end(), {"--local-user", key_.key_id});
    }
    argv.insert(argv.end(), mode.begin(), mode.end());
    absl::StatusOr<CommandResult> result = RunCommand(argv, text);
    if (!result.ok()) return result.status();
    if (result->exit_code != 0) {
      return absl::InternalError(
          absl::StrCat("gpg failed to sign: ", Diagnostics(*result)));
    }
    return std::move(result->stdout_data);
  }

  // Describe names the key for messages.
  std::string Describe() const {
    std::string name =
        key_.key_id.empty() ? std::string("(the default key)") : key_.key_id;
    if (!key_.key_file.empty()) {
      return absl::StrCat(name, " from ", key_.key_file);
    }
    return absl::StrCat(name, " in ",
                        key_.gnupg_home.empty()
                            ? std::string("gpg's default home")
                            : key_.gnupg_home);
  }

  SigningKey key_;
  std::string private_home_;  // Empty unless a key file was imported.
};

}  // namespace

absl::StatusOr<std::unique_ptr<Signer>> Signer::Create(const SigningKey& key) {
  std::string private_home;
  if (!key.key_file.empty()) {
    char dir_template[] = "/tmp/debrepo-gnupg-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) {
      return absl::InternalError("cannot create a GnuPG home in /tmp");
    }
    private_home = dir_template;
  }
  auto signer = std::make_unique<GpgSigner>(key, private_home);
  if (!private_home.empty()) {
    if (absl::Status s = signer->ImportKeyFile(); !s.ok()) return s;
  }
  if (absl::Status s = signer->CheckKey(); !s.ok()) return s;
  return signer;
}

}  // namespace debrepo::publish
