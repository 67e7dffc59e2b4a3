#include "deb/testing/gpg_keys.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_split.h"
#include "deb/internal/subprocess.h"
#include "deb/testing/commands.h"
#include "gtest/gtest.h"

namespace debrepo::deb::testing {

namespace fs = std::filesystem;

std::string Gpg(const std::string& home, std::vector<std::string> args,
                absl::string_view input) {
  std::vector<std::string> argv = {"gpg", "--homedir", home, "--batch",
                                   "--quiet"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunOk(argv, input);
}

TestKey MakeTestKey(const std::string& name, const TestKeyOptions& options) {
  TestKey key;
  char dir_template[] = "/tmp/debrepo-gpg-XXXXXX";
  fs::path dir = mkdtemp(dir_template);
  fs::create_directories(dir / "home");
  fs::permissions(dir / "home", fs::perms::owner_all);
  key.home = (dir / "home").string();
  std::vector<std::string> args = {"--pinentry-mode", "loopback",
                                   "--passphrase", options.passphrase};
  if (!options.made_at.empty()) {
    args.insert(args.end(), {"--faked-system-time", options.made_at + "!"});
  }
  args.insert(args.end(),
              {"--quick-gen-key", name + " <" + name + "@example.org>",
               "ed25519", options.usage, options.expire});
  Gpg(key.home, args);
  key.keyring = (dir / "keyring.gpg").string();
  std::ofstream(key.keyring, std::ios::binary) << Gpg(key.home, {"--export"});
  // "fpr:::::::::FINGERPRINT:" is the first fpr record, the primary key's.
  std::string listing =
      Gpg(key.home, {"--with-colons", "--fingerprint", "--list-keys"});
  size_t fpr = listing.find("\nfpr:");
  EXPECT_NE(fpr, std::string::npos) << listing;
  if (fpr == std::string::npos) return key;
  std::vector<std::string> fields = absl::StrSplit(
      listing.substr(fpr + 1, listing.find('\n', fpr + 1) - fpr - 1), ':');
  key.fingerprint = fields[9];
  return key;
}

void RemoveTestKey(const TestKey& key) {
  (void)internal::RunCommand(
      {"gpgconf", "--homedir", key.home, "--kill", "gpg-agent"});
  fs::remove_all(fs::path(key.home).parent_path());
}

TestKey* TwoKeysTest::signer_ = nullptr;
TestKey* TwoKeysTest::stranger_ = nullptr;

void TwoKeysTest::SetUpTestSuite() {
  signer_ = new TestKey(MakeTestKey("signer"));
  stranger_ = new TestKey(MakeTestKey("stranger"));
}

void TwoKeysTest::TearDownTestSuite() {
  for (TestKey** key : {&signer_, &stranger_}) {
    RemoveTestKey(**key);
    delete *key;
    *key = nullptr;
  }
}

}  // namespace debrepo::deb::testing
