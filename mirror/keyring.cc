// Both functions run gpg on the keyring in a fresh empty home, so that they
// neither read nor change any keyring of the user's: --show-keys only lists,
// and --import-options import-export writes the imported keys to stdout
// instead of a keyring (and, unlike a real import, starts no gpg-agent).
#include "mirror/keyring.h"

#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "deb/internal/scratch_dir.h"
#include "deb/internal/subprocess.h"

namespace debrepo::mirror {
namespace {

using ::debrepo::deb::internal::CommandResult;
using ::debrepo::deb::internal::RunCommand;
using ::debrepo::deb::internal::ScratchDir;

// kGpgTimeout bounds one gpg run over a keyring; Debian's whole archive
// keyring takes milliseconds.
constexpr absl::Duration kGpgTimeout = absl::Seconds(60);

// RunGpg runs `gpg --batch` in an empty home with `args`, `keyring` on its
// stdin, and returns its stdout when it succeeded.
absl::StatusOr<std::string> RunGpg(const std::vector<std::string>& args,
                                   absl::string_view keyring) {
  ScratchDir home;
  if (home.path().empty()) {
    return absl::InternalError("cannot make a home directory for gpg");
  }
  std::vector<std::string> argv = {"gpg",     "--homedir", home.path(),
                                   "--batch", "--quiet",   "--no-tty"};
  argv.insert(argv.end(), args.begin(), args.end());
  ASSIGN_OR_RETURN(CommandResult result,
                   RunCommand(argv, keyring, {.timeout = kGpgTimeout}));
  if (result.exit_code == 127) {
    return absl::InternalError(
        absl::StrCat("cannot run gpg (", result.stderr_data,
                     "); install the gpg package on servers and workers"));
  }
  if (result.exit_code != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the keyring holds no public key that gpg can read: ",
        result.stderr_data,
        "; give a keyring made with `gpg --export` (binary or armoured)"));
  }
  return std::move(result.stdout_data);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> KeyringFingerprints(
    absl::string_view keyring) {
  ASSIGN_OR_RETURN(std::string listing,
                   RunGpg({"--with-colons", "--show-keys"}, keyring));
  // Each public key is a "pub" record followed by its "fpr"; subkeys ("sub")
  // have fpr records too, which are not the key's fingerprint.
  std::vector<std::string> fingerprints;
  bool after_pub = false;
  for (absl::string_view line : absl::StrSplit(listing, '\n')) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ':');
    if (fields[0] == "pub") {
      after_pub = true;
    } else if (fields[0] == "fpr" && after_pub && fields.size() > 9) {
      fingerprints.emplace_back(fields[9]);
      after_pub = false;
    } else if (fields[0] == "sub" || fields[0] == "sec") {
      after_pub = false;
    }
  }
  if (fingerprints.empty()) {
    return absl::InvalidArgumentError(
        "the keyring holds no public key; give a keyring made with "
        "`gpg --export` (binary or armoured)");
  }
  return fingerprints;
}

absl::StatusOr<std::string> WriteBinaryKeyring(absl::string_view keyring,
                                               const std::string& dir) {
  // Listing first rejects secret-only and empty keyrings, which an
  // import-export would turn into an empty file that verifies nothing.
  RETURN_IF_ERROR(KeyringFingerprints(keyring).status());
  ASSIGN_OR_RETURN(
      std::string binary,
      RunGpg({"--import-options", "import-export", "--import"}, keyring));
  std::string path = absl::StrCat(dir, "/keyring.gpg");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(binary.data(), static_cast<std::streamsize>(binary.size()));
  out.close();
  if (!out) {
    return absl::InternalError(absl::StrCat("cannot write keyring ", path));
  }
  return path;
}

}  // namespace debrepo::mirror
