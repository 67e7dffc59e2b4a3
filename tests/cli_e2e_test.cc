// The debrepo CLI against real servers and workers: aptly's grammar, exit
// statuses and the server's messages.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace debrepo::testing {
namespace {

using ::testing::HasSubstr;

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

class CliE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartWorker();
  }

  // Runs `debrepo ARGS` against the stack's server (set through
  // DEBREPO_SERVER, as users do).
  CliResult Cli(const std::string& args) {
    const std::string command =
        absl::StrCat("DEBREPO_SERVER=", stack_.address(), " ",
                     RunfilePath("cli/debrepo"), " ", args, " 2>&1");
    CliResult result;
    FILE* pipe = popen(command.c_str(), "r");
    std::array<char, 4096> buffer;
    size_t n;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
      result.output.append(buffer.data(), n);
    }
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  }

  TestDatabase db_;
  Stack stack_{db_.url()};
};

TEST_F(CliE2eTest, RepoLifeCycleInAptlyGrammar) {
  CliResult created =
      Cli("repo create -comment='team packages' -distribution=bookworm "
          "--component main team");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_THAT(created.output,
              HasSubstr("Local repo [team] successfully added."));

  CliResult shown = Cli("repo show team");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("Name: team"));
  EXPECT_THAT(shown.output, HasSubstr("Comment: team packages"));
  EXPECT_THAT(shown.output, HasSubstr("Default Distribution: bookworm"));
  EXPECT_THAT(shown.output, HasSubstr("Default Component: main"));

  ASSERT_EQ(Cli("repo edit -comment=changed team").exit_code, 0);
  EXPECT_EQ(db_.QueryValue("SELECT comment FROM repos WHERE name = 'team'"),
            "changed");
  EXPECT_EQ(db_.QueryValue(
                "SELECT default_distribution FROM repos WHERE name = 'team'"),
            "bookworm");

  CliResult renamed = Cli("repo rename team crew");
  ASSERT_EQ(renamed.exit_code, 0) << renamed.output;
  EXPECT_THAT(
      renamed.output,
      HasSubstr("Local repo team -> crew has been successfully renamed."));

  CliResult listed = Cli("repo list -raw");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(listed.output, "crew\n");

  CliResult dropped = Cli("repo drop crew");
  ASSERT_EQ(dropped.exit_code, 0) << dropped.output;
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM repos"), "0");
}

TEST_F(CliE2eTest, FailuresExitNonZeroWithTheServersMessage) {
  ASSERT_EQ(Cli("repo create dup").exit_code, 0);
  CliResult again = Cli("repo create dup");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.output, HasSubstr("\"dup\" already exists"));

  CliResult missing = Cli("repo show nope");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("NOT_FOUND"));

  CliResult invalid = Cli("repo create ../etc");
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_THAT(invalid.output, HasSubstr("INVALID_ARGUMENT"));

  CliResult usage = Cli("repo create");
  EXPECT_EQ(usage.exit_code, 2) << usage.output;

  CliResult unreachable = Cli("-server=127.0.0.1:1 repo list");
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_THAT(unreachable.output, HasSubstr("DEBREPO_SERVER"));
}

TEST_F(CliE2eTest, AddSearchAndRemovePackages) {
  ASSERT_EQ(Cli("repo create pkgs").exit_code, 0);
  const std::string libfoo = BuildDebFile("libfoo1", "1.0", "amd64");
  const std::string bar = BuildDebFile("bar", "2.0", "all");
  CliResult added = Cli(absl::StrCat("repo add pkgs ", libfoo, " ", bar));
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_THAT(added.output, HasSubstr("[+] Pamd64 libfoo1 1.0 "));
  EXPECT_THAT(added.output, HasSubstr("[+] Pall bar 2.0 "));
  EXPECT_THAT(added.output,
              ::testing::Not(HasSubstr("cannot delete upload directory")));
  // The temporary upload directory is gone again.
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");

  CliResult found = Cli("repo search pkgs 'Name (~ ^lib)'");
  ASSERT_EQ(found.exit_code, 0) << found.output;
  EXPECT_THAT(found.output, HasSubstr("Pamd64 libfoo1 1.0 "));
  EXPECT_THAT(found.output, ::testing::Not(HasSubstr("bar")));

  CliResult shown = Cli("repo show -with-packages pkgs");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("Packages:"));
  EXPECT_THAT(shown.output, HasSubstr("Pall bar 2.0 "));

  CliResult removed = Cli("repo remove pkgs Name '(bar)'");
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_THAT(removed.output, HasSubstr("[-] Pall bar 2.0 "));
  EXPECT_EQ(Cli("repo search pkgs 'Name (bar)'").exit_code, 1);

  // A file that is not a package: reported, exit status 1.
  const std::string junk =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/junk.deb");
  std::ofstream(junk) << "not a package";
  CliResult failed = Cli(absl::StrCat("repo add pkgs ", junk));
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_THAT(failed.output, HasSubstr("[!] "));
}

// The workers trust one maintainer's key, as a team's would.
class CliUploadsTest : public CliE2eTest {
 protected:
  void SetUp() override {
    keyring_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/trusted.gpg");
    signers_.ExportKeyring("maintainer", keyring_);
    stack_.StartServer();
    stack_.StartWorker({absl::StrCat("--trusted_keyrings=", keyring_)});
  }

  // Builds source package `name` and its binary with the dpkg tools into
  // TEST_TMPDIR/name, the .changes signed by `signer` ("" for none); returns
  // the .changes' path.
  std::string BuildUpload(const std::string& name, const std::string& signer) {
    const std::string changes = BuildSourceUpload(
        absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name), name);
    signers_.ClearSign(changes, signer);
    return changes;
  }

  TestSigners signers_{{"maintainer"}};
  std::string keyring_;
};

TEST_F(CliUploadsTest, IncludeSignedAndUnsignedChangesAndAddSourcePackages) {
  ASSERT_EQ(Cli("repo create included").exit_code, 0);
  ASSERT_EQ(Cli("repo create added").exit_code, 0);

  // Signed by the trusted key: included, source and binary.
  CliResult signed_include =
      Cli("repo include included " + BuildUpload("hello", "maintainer"));
  ASSERT_EQ(signed_include.exit_code, 0) << signed_include.output;
  EXPECT_THAT(signed_include.output, HasSubstr("[+] Psource hello 1.0-1 "));
  EXPECT_THAT(signed_include.output, HasSubstr("[+] Pall hello 1.0-1 "));

  // Unsigned: refused unless accepted, and nothing is left behind.
  const std::string plain = BuildUpload("plain", "");
  CliResult refused = Cli("repo include included " + plain);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("not signed"));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
  CliResult accepted = Cli("repo include -accept-unsigned included " + plain);
  ASSERT_EQ(accepted.exit_code, 0) << accepted.output;
  EXPECT_THAT(accepted.output, HasSubstr("[+] Psource plain 1.0-1 "));

  // repo add takes a directory's .dsc with the files it lists, and its
  // .deb; the .changes and .buildinfo there are not packages.
  BuildUpload("other", "");
  CliResult added = Cli(
      absl::StrCat("repo add added ", std::getenv("TEST_TMPDIR"), "/other"));
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_THAT(added.output, HasSubstr("[+] Psource other 1.0-1 "));
  EXPECT_THAT(added.output, HasSubstr("[+] Pall other 1.0-1 "));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");

  CliResult wrong =
      Cli(absl::StrCat("repo include included ", std::getenv("TEST_TMPDIR"),
                       "/other/other_1.0-1_all.deb"));
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
  EXPECT_THAT(wrong.output, HasSubstr("is not a .changes file"));
}

TEST_F(CliE2eTest, AsyncJsonAndTasks) {
  CliResult submitted = Cli("-async repo create later");
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  const std::string id(absl::StripAsciiWhitespace(submitted.output));
  ASSERT_FALSE(id.empty());

  CliResult waited = Cli(absl::StrCat("task wait ", id));
  ASSERT_EQ(waited.exit_code, 0) << waited.output;
  EXPECT_THAT(waited.output, HasSubstr("succeeded"));

  CliResult shown = Cli(absl::StrCat("task show ", id));
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("repo.create"));
  EXPECT_THAT(shown.output, HasSubstr("attempt 1 on worker"));

  CliResult json = Cli("-json repo show later");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  EXPECT_THAT(json.output, HasSubstr("\"name\":\"later\""));

  CliResult tasks = Cli("task list -state=succeeded");
  ASSERT_EQ(tasks.exit_code, 0) << tasks.output;
  EXPECT_THAT(tasks.output, HasSubstr(absl::StrCat("[", id, "] repo.create")));

  CliResult noop = Cli("admin noop");
  EXPECT_EQ(noop.exit_code, 0) << noop.output;
}

TEST_F(CliE2eTest, PackageSearchShowAndRepoCopyMove) {
  ASSERT_EQ(Cli("repo create from").exit_code, 0);
  ASSERT_EQ(Cli("repo create to").exit_code, 0);
  ASSERT_EQ(Cli("repo create last").exit_code, 0);
  const std::string libfoo = BuildDebFile("libfoo1", "1.0", "amd64");
  ASSERT_EQ(Cli(absl::StrCat("repo add from ", libfoo)).exit_code, 0);

  CliResult found = Cli("package search 'Name (libfoo1)'");
  ASSERT_EQ(found.exit_code, 0) << found.output;
  EXPECT_THAT(found.output, ::testing::StartsWith("Pamd64 libfoo1 1.0 "));
  const std::string key(absl::StripAsciiWhitespace(found.output));
  ASSERT_EQ(key.find('\n'), std::string::npos) << found.output;

  CliResult none = Cli("package search 'Name (no-such-package)'");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.output, HasSubstr("no packages found"));

  CliResult shown = Cli(absl::StrCat("package show '", key, "'"));
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, ::testing::StartsWith("Package: libfoo1\n"));
  EXPECT_THAT(shown.output, HasSubstr("Version: 1.0\n"));
  EXPECT_THAT(shown.output,
              HasSubstr(absl::StrCat("Files:\n  libfoo1_1.0_amd64.deb ")));
  EXPECT_THAT(shown.output,
              HasSubstr("References to package:\n  local repo [from]\n"));

  CliResult json = Cli(absl::StrCat("-json package show '", key, "'"));
  ASSERT_EQ(json.exit_code, 0) << json.output;
  EXPECT_THAT(json.output, HasSubstr(absl::StrCat("\"key\":\"", key, "\"")));

  CliResult copied = Cli("repo copy from to Name '(libfoo1)'");
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
  EXPECT_EQ(copied.output, absl::StrCat("[o] ", key, " copied\n"));
  EXPECT_EQ(Cli("repo search from libfoo1").exit_code, 0);
  EXPECT_EQ(Cli("repo search to libfoo1").exit_code, 0);

  CliResult moved = Cli("repo move to last 'Name (~ ^libfoo)'");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_EQ(moved.output, absl::StrCat("[o] ", key, " moved\n"));
  EXPECT_EQ(Cli("repo search to libfoo1").exit_code, 1);
  EXPECT_EQ(Cli("repo search last libfoo1").exit_code, 0);

  CliResult references = Cli(absl::StrCat("package show '", key, "'"));
  ASSERT_EQ(references.exit_code, 0) << references.output;
  EXPECT_THAT(references.output, HasSubstr("  local repo [from]\n"));
  EXPECT_THAT(references.output, HasSubstr("  local repo [last]\n"));
  EXPECT_THAT(references.output, ::testing::Not(HasSubstr("[to]")));

  CliResult same = Cli("repo copy from from libfoo1");
  EXPECT_EQ(same.exit_code, 1) << same.output;
  EXPECT_THAT(same.output, HasSubstr("INVALID_ARGUMENT"));

  // -with-deps brings what the matches depend on in SRC.
  ASSERT_EQ(Cli("repo create deps").exit_code, 0);
  const std::string app = BuildDebFile("app", "1.0", "amd64", "hello",
                                       "Depends: libfoo1 (>= 1.0)\n");
  ASSERT_EQ(Cli(absl::StrCat("repo add from ", app)).exit_code, 0);
  CliResult with_deps = Cli("repo copy -with-deps from deps 'Name (app)'");
  ASSERT_EQ(with_deps.exit_code, 0) << with_deps.output;
  EXPECT_THAT(with_deps.output, HasSubstr("[o] Pamd64 app 1.0 "));
  EXPECT_THAT(with_deps.output,
              HasSubstr(absl::StrCat("[o] ", key, " copied")));
}

}  // namespace
}  // namespace debrepo::testing
