// The debrepo CLI against real servers and workers: aptly's grammar, exit
// statuses and the server's messages.
#include <sys/wait.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/mirror_archive.h"

namespace debrepo::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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
  // DEBREPO_SERVER, as users do); with `on_terminal` under script(1), so
  // that its output streams are a terminal.
  CliResult Cli(const std::string& args, bool on_terminal = false) {
    std::string command = absl::StrCat("DEBREPO_SERVER=", stack_.address(), " ",
                                       RunfilePath("cli/debrepo"), " ", args);
    if (on_terminal) {
      command = absl::StrCat("script -qec '", command, "' /dev/null");
    }
    absl::StrAppend(&command, " 2>&1");
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

  // Place copies `file` to `path` under TEST_TMPDIR, making its
  // directories, and returns the full path.
  static std::string Place(const std::string& file, const std::string& path) {
    const std::string to = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", path);
    std::filesystem::create_directories(
        std::filesystem::path(to).parent_path());
    std::filesystem::copy_file(
        file, to, std::filesystem::copy_options::overwrite_existing);
    return to;
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
  EXPECT_THAT(added.output, HasSubstr("[+] libfoo1_1.0_amd64 added\n"));
  EXPECT_THAT(added.output, HasSubstr("[+] bar_2.0_all added\n"));
  EXPECT_THAT(added.output,
              ::testing::Not(HasSubstr("cannot delete upload directory")));
  // The temporary upload directory is gone again.
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");

  CliResult found = Cli("repo search pkgs 'Name (~ ^lib)'");
  ASSERT_EQ(found.exit_code, 0) << found.output;
  EXPECT_EQ(found.output, "libfoo1_1.0_amd64\n");

  CliResult shown = Cli("repo show -with-packages pkgs");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output,
              HasSubstr("Number of packages: 2\nPackages:\n  bar_2.0_all\n"
                        "  libfoo1_1.0_amd64\n"));

  CliResult removed = Cli("repo remove pkgs 'Name (bar)'");
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_THAT(removed.output, HasSubstr("[-] bar_2.0_all removed"));
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
      Cli("repo include -repo=included " + BuildUpload("hello", "maintainer"));
  ASSERT_EQ(signed_include.exit_code, 0) << signed_include.output;
  EXPECT_THAT(signed_include.output, HasSubstr("[+] hello_1.0-1_source added"));
  EXPECT_THAT(signed_include.output, HasSubstr("[+] hello_1.0-1_all added"));

  // Unsigned: refused unless accepted, and nothing is left behind.
  const std::string plain = BuildUpload("plain", "");
  CliResult refused = Cli("repo include -repo included " + plain);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  // The hint names the flag.
  EXPECT_THAT(refused.output, HasSubstr("not signed; sign it (debsign) or pass "
                                        "-accept-unsigned"));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
  CliResult accepted =
      Cli("repo include -accept-unsigned -repo=included " + plain);
  ASSERT_EQ(accepted.exit_code, 0) << accepted.output;
  EXPECT_THAT(accepted.output, HasSubstr("[+] plain_1.0-1_source added"));

  // repo add takes a directory's .dsc with the files it lists, and its
  // .deb; the .changes and .buildinfo there are not packages.
  BuildUpload("other", "");
  CliResult added = Cli(
      absl::StrCat("repo add added ", std::getenv("TEST_TMPDIR"), "/other"));
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_THAT(added.output, HasSubstr("[+] other_1.0-1_source added"));
  EXPECT_THAT(added.output, HasSubstr("[+] other_1.0-1_all added"));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");

  CliResult wrong = Cli(absl::StrCat("repo include -repo=included ",
                                     std::getenv("TEST_TMPDIR"),
                                     "/other/other_1.0-1_all.deb"));
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
  EXPECT_THAT(wrong.output, HasSubstr("is not a .changes file"));
  EXPECT_THAT(wrong.output, HasSubstr("\nUsage: debrepo repo include "));
}

// aptly's form: `repo include [flags] FILE.changes|DIR...`, the repo
// named by the .changes (-repo, default {{.Distribution}}).
TEST_F(CliUploadsTest, IncludeInAptlysFormTakesTheRepoFromTheChanges) {
  ASSERT_EQ(Cli("repo create unstable").exit_code, 0);
  ASSERT_EQ(Cli("repo create hello-1.0-1").exit_code, 0);
  const std::string changes = BuildUpload("hello", "maintainer");
  const std::string directory =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/hello");

  CliResult included = Cli("repo include " + directory);
  ASSERT_EQ(included.exit_code, 0) << included.output;
  EXPECT_THAT(included.output,
              HasSubstr(absl::StrCat("Loading repository unstable for "
                                     "changes file ",
                                     changes, "...\n")));
  EXPECT_THAT(included.output, HasSubstr("[+] hello_1.0-1_all added\n"));
  EXPECT_THAT(included.output,
              ::testing::ContainsRegex("The uploaded copies were removed "
                                       "\\(upload directory cli-[0-9a-f]+\\); "
                                       "local files are kept.\n"));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
  EXPECT_EQ(ReadFile(changes).empty(), false);

  // A template over other fields; -no-remove-files keeps the uploaded
  // copies where `file list` shows them.
  CliResult kept = Cli(absl::StrCat(
      "repo include -no-remove-files -repo '{{.Source}}-{{.Version}}' ",
      changes));
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  EXPECT_THAT(kept.output, HasSubstr("Loading repository hello-1.0-1 for "));
  EXPECT_THAT(kept.output, HasSubstr("(-no-remove-files)"));
  EXPECT_NE(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
  EXPECT_THAT(Cli("file list").output, ::testing::StartsWith("cli-"));

  CliResult keyring = Cli("repo include -keyring=k.gpg " + changes);
  EXPECT_EQ(keyring.exit_code, 2) << keyring.output;
  EXPECT_THAT(keyring.output, HasSubstr("--trusted_keyrings"));
  CliResult old_form = Cli("repo include unstable " + changes);
  EXPECT_EQ(old_form.exit_code, 2) << old_form.output;
  EXPECT_THAT(old_form.output, HasSubstr("-repo=unstable"));
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

TEST_F(CliE2eTest, DbCleanupDeletesThePackagesNothingHolds) {
  ASSERT_EQ(Cli("repo create gone").exit_code, 0);
  ASSERT_EQ(Cli(absl::StrCat("repo add gone ",
                             BuildDebFile("orphan", "1.0", "amd64")))
                .exit_code,
            0);
  ASSERT_EQ(Cli("repo drop gone").exit_code, 0);

  CliResult dry = Cli("db cleanup -dry-run");
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  // The package's file was stored just now: within the workers' grace
  // period, it stays.
  EXPECT_EQ(dry.output,
            "Deleting unreferenced packages (1)...\n"
            "Skipped deletion, as -dry-run has been requested.\n"
            "Deleting unreferenced files (0)...\n");
  CliResult done = Cli("db cleanup -verbose");
  ASSERT_EQ(done.exit_code, 0) << done.output;
  EXPECT_THAT(done.output,
              ::testing::StartsWith("Deleting unreferenced packages (1)...\n"
                                    "List of package keys to delete:\n"
                                    " - Pamd64 orphan 1.0 "));
  EXPECT_THAT(done.output, HasSubstr("\nDeleting unreferenced files (0)...\n"));
  EXPECT_EQ(Cli("db cleanup").output,
            "Deleting unreferenced packages (0)...\n"
            "Deleting unreferenced files (0)...\n");
}

TEST_F(CliE2eTest, PackageSearchShowAndRepoCopyMove) {
  ASSERT_EQ(Cli("repo create from").exit_code, 0);
  ASSERT_EQ(Cli("repo create to").exit_code, 0);
  ASSERT_EQ(Cli("repo create last").exit_code, 0);
  const std::string libfoo = BuildDebFile("libfoo1", "1.0", "amd64");
  ASSERT_EQ(Cli(absl::StrCat("repo add from ", libfoo)).exit_code, 0);

  CliResult found = Cli("package search -keys 'Name (libfoo1)'");
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

  CliResult copied = Cli("repo copy from to 'Name (libfoo1)'");
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
  EXPECT_EQ(copied.output, "[o] libfoo1_1.0_amd64 copied\n");
  EXPECT_EQ(Cli("repo search from libfoo1").exit_code, 0);
  EXPECT_EQ(Cli("repo search to libfoo1").exit_code, 0);

  CliResult moved = Cli("repo move -keys to last 'Name (~ ^libfoo)'");
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
  EXPECT_THAT(with_deps.output, HasSubstr("[o] app_1.0_amd64 copied"));
  EXPECT_THAT(with_deps.output, HasSubstr("[o] libfoo1_1.0_amd64 copied"));
}

// aptly's forms, from its documentation: several queries as separate
// arguments (ORed), and a query read from a file with @file.
TEST_F(CliE2eTest, QueriesAsSeparateArgumentsAreOredAsInAptly) {
  ASSERT_EQ(Cli("repo create testing").exit_code, 0);
  ASSERT_EQ(Cli(absl::StrCat("repo add testing ",
                             BuildDebFile("nginx-common", "1.2", "all"), " ",
                             BuildDebFile("nginx-full", "1.2", "amd64"), " ",
                             BuildDebFile("nginx-light", "1.2", "amd64")))
                .exit_code,
            0);
  // `aptly repo remove testing 'myapp (=0.1.12)'`-style arguments, two of
  // them.
  CliResult removed =
      Cli("repo remove testing nginx-common 'nginx-full (>= 1.2)'");
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_EQ(removed.output,
            "Loading packages...\n[-] nginx-common_1.2_all removed\n"
            "[-] nginx-full_1.2_amd64 removed\n");

  const std::string query_file =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/light.query");
  std::ofstream(query_file) << "Name (nginx-light)\n";
  ASSERT_EQ(Cli("repo create other").exit_code, 0);
  CliResult copied = Cli(absl::StrCat("repo copy testing other @", query_file));
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
  EXPECT_EQ(copied.output, "[o] nginx-light_1.2_amd64 copied\n");

  // A bad argument is named on its own; nothing was sent.
  CliResult bad = Cli("repo remove testing nginx-light 'Name ('");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("query \"Name (\" at offset"));
  CliResult blank = Cli("repo remove testing nginx-light ' '");
  EXPECT_EQ(blank.exit_code, 2) << blank.output;
  EXPECT_THAT(blank.output,
              HasSubstr("QUERY \" \" is empty\nUsage: debrepo repo remove "));
  EXPECT_EQ(Cli("repo search testing nginx-light").exit_code, 0);
}

TEST_F(CliE2eTest, NamesAsAptlyPrintsThemAndPackagesInNoRepo) {
  ASSERT_EQ(Cli("repo create names").exit_code, 0);
  const std::string deb = BuildDebFile("nx-a", "1.0", "amd64");
  CliResult added = Cli(absl::StrCat("repo add names ", deb));
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_THAT(added.output, HasSubstr("[+] nx-a_1.0_amd64 added"));

  CliResult shown = Cli("repo show names");
  EXPECT_THAT(shown.output, HasSubstr("Number of packages: 1\n"));
  CliResult keys = Cli("repo search -keys names");
  EXPECT_THAT(keys.output, ::testing::StartsWith("Pamd64 nx-a 1.0 "));
  const std::string key(absl::StripAsciiWhitespace(keys.output));

  // package show takes a query, as aptly's does, and keys still.
  CliResult by_query = Cli("package show 'Name (nx-a)'");
  ASSERT_EQ(by_query.exit_code, 0) << by_query.output;
  EXPECT_THAT(by_query.output, ::testing::StartsWith("Package: nx-a\n"));
  EXPECT_THAT(by_query.output, HasSubstr("  local repo [names]\n"));
  EXPECT_EQ(Cli(absl::StrCat("package show '", key, "'")).output,
            by_query.output);

  // Removed from its only repo: shown as held by no repo.
  ASSERT_EQ(Cli("repo remove names nx-a").exit_code, 0);
  CliResult searched = Cli("package search nx-a");
  ASSERT_EQ(searched.exit_code, 0) << searched.output;
  EXPECT_EQ(searched.output, "nx-a_1.0_amd64 (in no repo)\n");
  CliResult orphan = Cli("package show nx-a");
  EXPECT_THAT(orphan.output,
              HasSubstr("References to package:\n  none: no repo or "
                        "snapshot holds it, so garbage collection will "
                        "delete it\n"));
}

TEST_F(CliE2eTest, SnapshotLifeCycleInAptlyGrammar) {
  ASSERT_EQ(Cli("repo create r1").exit_code, 0);
  const std::string a1 = BuildDebFile("sa", "1.0", "amd64");
  const std::string b1 = BuildDebFile("sb", "1.0", "all");
  ASSERT_EQ(Cli(absl::StrCat("repo add r1 ", a1, " ", b1)).exit_code, 0);

  CliResult created = Cli("snapshot create s1 from repo r1");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(created.output,
            "Snapshot s1 successfully created.\n"
            "You can run 'debrepo publish snapshot s1' to publish snapshot as "
            "Debian repository.\n");
  ASSERT_EQ(Cli("snapshot create e empty").exit_code, 0);
  CliResult again = Cli("snapshot create e empty");
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("already exists"));
  EXPECT_EQ(Cli("snapshot create x from r1").exit_code, 2);

  CliResult listed = Cli("snapshot list");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(listed.output,
            "List of snapshots:\n"
            " * [e]: Created as empty\n"
            " * [s1]: Snapshot from local repo [r1]\n"
            "\nTo get more information about snapshot, run `debrepo "
            "snapshot show <name>`.\n");
  EXPECT_EQ(Cli("snapshot list -raw -sort=time").output, "s1\ne\n");

  CliResult shown = Cli("snapshot show -with-packages s1");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("Name: s1\nCreated At: "));
  EXPECT_THAT(shown.output,
              HasSubstr("Description: Snapshot from local repo [r1]\n"
                        "Number of packages: 2\n"
                        "Sources:\n  r1 [local]\n"
                        "Packages:\n  sb_1.0_all\n  sa_1.0_amd64\n"));
  EXPECT_EQ(Cli("snapshot search s1 'Name (sa)'").output, "sa_1.0_amd64\n");
  EXPECT_EQ(Cli("snapshot search s1 nothing").exit_code, 1);

  // The snapshot keeps its packages when the repo changes; the repo and
  // the package say which snapshots there are.
  ASSERT_EQ(Cli("repo remove r1 sa").exit_code, 0);
  EXPECT_EQ(Cli("snapshot search s1").output, "sb_1.0_all\nsa_1.0_amd64\n");
  EXPECT_THAT(Cli("repo show r1").output,
              HasSubstr("Number of packages: 1\nSnapshots made from it:\n"
                        "  s1\n"));
  CliResult package = Cli("package show sa");
  EXPECT_THAT(package.output,
              HasSubstr("References to package:\n  snapshot [s1]\n"));
  EXPECT_EQ(Cli("package search sa").output, "sa_1.0_amd64\n");

  CliResult renamed = Cli("snapshot rename s1 s2");
  ASSERT_EQ(renamed.exit_code, 0) << renamed.output;
  EXPECT_EQ(renamed.output,
            "Snapshot s1 -> s2 has been successfully renamed.\n");
  EXPECT_EQ(Cli("snapshot rename s2 e").exit_code, 1);

  // A repo that snapshots were made from is dropped only with -force.
  CliResult refused = Cli("repo drop r1");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("s2"));
  EXPECT_THAT(refused.output, HasSubstr("-force"));
  ASSERT_EQ(Cli("repo drop -force r1").exit_code, 0);
  EXPECT_THAT(Cli("snapshot show s2").output,
              HasSubstr("Sources:\n  r1 [local, dropped]\n"));

  CliResult dropped = Cli("snapshot drop s2");
  ASSERT_EQ(dropped.exit_code, 0) << dropped.output;
  EXPECT_EQ(dropped.output, "Snapshot `s2` has been dropped.\n");
  EXPECT_EQ(Cli("snapshot list -raw").output, "e\n");
  EXPECT_EQ(Cli("snapshot show s2").exit_code, 1);
}

TEST_F(CliE2eTest, SnapshotDiffMergePullFilterVerifyAsAptlyPrints) {
  ASSERT_EQ(Cli("repo create old").exit_code, 0);
  ASSERT_EQ(Cli("repo create new").exit_code, 0);
  const std::string app1 =
      BuildDebFile("app", "1.0", "amd64", "v1", "Depends: libz (>= 2)\n");
  const std::string app2 =
      BuildDebFile("app", "2.0", "amd64", "v2", "Depends: libz (>= 2)\n");
  const std::string libz = BuildDebFile("libz", "2.0", "amd64");
  const std::string doc = BuildDebFile("doc", "1.0", "all");
  ASSERT_EQ(Cli(absl::StrCat("repo add old ", app1, " ", doc)).exit_code, 0);
  ASSERT_EQ(Cli(absl::StrCat("repo add new ", app2, " ", libz)).exit_code, 0);
  ASSERT_EQ(Cli("snapshot create a from repo old").exit_code, 0);
  ASSERT_EQ(Cli("snapshot create b from repo new").exit_code, 0);

  CliResult diff = Cli("snapshot diff a b");
  ASSERT_EQ(diff.exit_code, 0) << diff.output;
  // aptly's header and the upgrade's line, padded as aptly pads them.
  const std::string header =
      "  Arch   | Package                                  | Version in A    "
      "                         | Version in B\n";
  const std::string upgrade =
      "! amd64  | app                                      | 1.0             "
      "                         | 2.0                                     \n";
  EXPECT_EQ(
      diff.output,
      header + upgrade +
          "- all    | doc                                      | 1.0       "
          "                               | -                           "
          "            \n"
          "+ amd64  | libz                                     | -         "
          "                               | 2.0                         "
          "            \n");
  EXPECT_EQ(Cli("snapshot diff -only-matching a b").output, header + upgrade);
  EXPECT_EQ(Cli("snapshot diff a a").output, "Snapshots are identical.\n");

  CliResult verified = Cli("snapshot verify a");
  ASSERT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_EQ(verified.output,
            "Loading packages...\nVerifying...\nMissing dependencies (1):\n"
            "  libz (>= 2) [amd64]\n");
  EXPECT_THAT(Cli("snapshot verify a b").output,
              HasSubstr("All dependencies are satisfied.\n"));

  // The last source wins per name and architecture.
  ASSERT_EQ(Cli("snapshot merge m a b").exit_code, 0);
  EXPECT_EQ(Cli("snapshot search m").output,
            "doc_1.0_all\napp_2.0_amd64\nlibz_2.0_amd64\n");
  CliResult both = Cli("snapshot merge -latest -no-remove m2 a b");
  EXPECT_EQ(both.exit_code, 2) << both.output;

  CliResult pulled = Cli("snapshot pull a b p app");
  ASSERT_EQ(pulled.exit_code, 0) << pulled.output;
  EXPECT_EQ(pulled.output,
            "Dependencies would be pulled into snapshot:\n"
            "    [a]: Snapshot from local repo [old]\n"
            "from snapshot:\n"
            "    [b]: Snapshot from local repo [new]\n"
            "and result would be saved as new snapshot p.\n"
            "[-] app_1.0_amd64 removed\n"
            "[+] app_2.0_amd64 added\n"
            "[+] libz_2.0_amd64 added\n"
            "\nSnapshot p successfully created.\n"
            "You can run 'debrepo publish snapshot p' to publish snapshot as "
            "Debian repository.\n");
  CliResult dry = Cli("snapshot pull -dry-run -no-deps a b q app");
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output,
              HasSubstr("[+] app_2.0_amd64 added\n\nNot creating snapshot, "
                        "as dry run was requested.\n"));
  EXPECT_EQ(Cli("snapshot show q").exit_code, 1);

  CliResult filtered = Cli("snapshot filter -with-deps b f app");
  ASSERT_EQ(filtered.exit_code, 0) << filtered.output;
  EXPECT_EQ(filtered.output,
            "Snapshot f successfully filtered.\n"
            "You can run 'debrepo publish snapshot f' to publish snapshot as "
            "Debian repository.\n");
  EXPECT_EQ(Cli("snapshot search f").output, "app_2.0_amd64\nlibz_2.0_amd64\n");
  EXPECT_THAT(Cli("snapshot show f").output,
              HasSubstr("Description: Filtered 'b', query was: 'app'\n"));

  // A snapshot others were made from is dropped only with -force.
  CliResult refused = Cli("snapshot drop b");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("-force"));
  ASSERT_EQ(Cli("snapshot drop -force b").exit_code, 0);
  EXPECT_THAT(Cli("snapshot show m").output,
              HasSubstr("Sources:\n  a [snapshot]\n  b [snapshot, dropped]\n"));
}

TEST_F(CliE2eTest, AddScansFoldersRecursivelyAndTakesFileNamesWithSpaces) {
  ASSERT_EQ(Cli("repo create tree").exit_code, 0);
  const std::string root = absl::StrCat(std::getenv("TEST_TMPDIR"), "/tree");
  Place(BuildDebFile("deep", "1.0", "all"), "tree/pool/main/a/deep.deb");
  Place(BuildDebFile("top", "1.0", "all"), "tree/hello (1).deb");
  CliResult added = Cli(absl::StrCat("repo add tree ", root));
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_THAT(added.output,
              HasSubstr(absl::StrCat("Found 2 files (.deb, .udeb, .dsc) in ",
                                     root, " and its subdirectories.\n")));
  EXPECT_THAT(added.output, HasSubstr("[+] deep_1.0_all added"));
  EXPECT_THAT(added.output, HasSubstr("[+] top_1.0_all added"));
  // The pool name comes from the control data, not "hello (1).deb".
  CliResult shown = Cli("package show top");
  EXPECT_THAT(shown.output, HasSubstr("Files:\n  top_1.0_all.deb "));

  CliResult uploaded =
      Cli(absl::StrCat("file upload incoming '", root, "/hello (1).deb'"));
  ASSERT_EQ(uploaded.exit_code, 0) << uploaded.output;
  EXPECT_THAT(uploaded.output, HasSubstr("uploaded to incoming as "
                                         "hello__1_.deb.\n"));
}

TEST_F(CliE2eTest, MessagesInTheUsersTerms) {
  // expect_failure runs `args` and expects exit status `exit_code` and a
  // message with `says`.
  auto expect_failure = [&](const std::string& args, int exit_code,
                            const std::string& says) {
    const CliResult result = Cli(args);
    EXPECT_EQ(result.exit_code, exit_code) << args << ": " << result.output;
    EXPECT_THAT(result.output, HasSubstr(says)) << args;
    return result.output;
  };
  ASSERT_EQ(Cli("repo create msgs").exit_code, 0);
  const std::string deb = BuildDebFile("same", "1.0", "all", "one");
  ASSERT_EQ(Cli(absl::StrCat("repo add msgs ", deb)).exit_code, 0);
  const std::string conflict = expect_failure(
      absl::StrCat(
          "repo add msgs ",
          Place(BuildDebFile("same", "1.0", "all", "two"), "other/same.deb")),
      1, "use -force-replace");
  EXPECT_THAT(conflict, ::testing::Not(HasSubstr("force_replace")));

  // Arguments the wrong way round.
  expect_failure(absl::StrCat("repo add ", deb, " msgs"), 1,
                 "the repo name comes first");
  expect_failure(absl::StrCat("file upload ", deb, " incoming"), 2,
                 "the upload directory comes first\nUsage: debrepo file "
                 "upload DIR FILE...");
  expect_failure("repo create 'my repo'", 1, "contains a space");

  // Usage errors found by a command show its synopsis too.
  expect_failure("repo edit msgs", 2, "\nUsage: debrepo repo edit ");
  expect_failure("task show x", 2, "\nUsage: debrepo task show ID");
  expect_failure("-timeout 0 task wait 1", 2,
                 "leave -timeout out for no limit\nUsage: debrepo task wait "
                 "ID");
}

TEST_F(CliE2eTest, DryRunsReportWhatWouldChangeAndChangeNothing) {
  ASSERT_EQ(Cli("repo create src").exit_code, 0);
  ASSERT_EQ(Cli("repo create dst").exit_code, 0);
  ASSERT_EQ(
      Cli(absl::StrCat("repo add src ", BuildDebFile("nx-a", "1.0", "all"), " ",
                       BuildDebFile("nx-b", "1.0", "all")))
          .exit_code,
      0);
  const std::string members =
      "SELECT string_agg(r.name || ':' || p.name, ',' ORDER BY r.name, "
      "p.name) FROM repo_packages rp JOIN repos r ON r.id = rp.repo_id "
      "JOIN packages p ON p.id = rp.package_id";
  const std::string before = db_.QueryValue(members);
  ASSERT_EQ(before, "src:nx-a,src:nx-b");

  CliResult removed = Cli("repo remove -dry-run src nx-a nx-b");
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_EQ(removed.output,
            "Loading packages...\n[-] nx-a_1.0_all removed\n"
            "[-] nx-b_1.0_all removed\n\n"
            "Changes not saved, as dry run has been requested.\n");
  CliResult copied = Cli("repo copy -dry-run src dst nx-a");
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
  EXPECT_EQ(copied.output,
            "[o] nx-a_1.0_all copied\n\n"
            "Changes not saved, as dry run has been requested.\n");
  CliResult moved = Cli("repo move -dry-run src dst nx-b");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_EQ(moved.output,
            "[o] nx-b_1.0_all moved\n\n"
            "Changes not saved, as dry run has been requested.\n");
  EXPECT_EQ(db_.QueryValue(members), before);

  // The result says it was a dry run.
  CliResult json = Cli("-json repo remove -dry-run src nx-a");
  EXPECT_THAT(json.output, HasSubstr("\"dry_run\":true"));
  // A conflict a real copy would hit is reported by the dry run too.
  ASSERT_EQ(Cli(absl::StrCat("repo add dst ",
                             BuildDebFile("nx-a", "1.0", "all", "other")))
                .exit_code,
            0);
  CliResult conflict = Cli("repo copy -dry-run src dst nx-a");
  EXPECT_EQ(conflict.exit_code, 1) << conflict.output;
  EXPECT_THAT(conflict.output, HasSubstr("Nothing was copied"));
  // And the real thing still works afterwards.
  CliResult real = Cli("repo remove src nx-b");
  EXPECT_EQ(real.output, "Loading packages...\n[-] nx-b_1.0_all removed\n");
  EXPECT_EQ(db_.QueryValue(members), "dst:nx-a,src:nx-a");
}

TEST_F(CliE2eTest, TwoBuildsInOneRequestSayThatAndPoolNamesComeFromControl) {
  ASSERT_EQ(Cli("repo create builds").exit_code, 0);
  const std::string root = absl::StrCat(std::getenv("TEST_TMPDIR"), "/builds");
  Place(BuildDebFile("twin", "1.0", "all", "one"), "builds/one/first.deb");
  Place(BuildDebFile("twin", "1.0", "all", "two"), "builds/two/second.deb");
  CliResult both = Cli(absl::StrCat("repo add builds ", root));
  EXPECT_EQ(both.exit_code, 1) << both.output;
  EXPECT_THAT(both.output, HasSubstr("two different builds of twin 1.0 all"));
  EXPECT_THAT(both.output, ::testing::Not(HasSubstr("already has")));

  // The pool name comes from the control data, not the local name.
  CliResult one = Cli(absl::StrCat("repo add builds ", root, "/one"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  CliResult shown = Cli("package show twin");
  EXPECT_THAT(shown.output, HasSubstr("Files:\n  twin_1.0_all.deb "));
}

// The workers hold each job for a while, so that a test can act while a
// job is queued or running.
// CliPublishTest runs a worker that publishes into a publish root of the
// test's, signing with a key of the test's.
class CliPublishTest : public CliE2eTest {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root_);
    keyring_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/publisher.gpg");
    signers_.ExportKeyring("publisher", keyring_);
    stack_.StartServer();
    stack_.StartWorker({absl::StrCat("--publish_root=", root_),
                        absl::StrCat("--gpg_home=", signers_.home()),
                        "--gpg_key=publisher@example.org"});
  }

  // AddPackage adds a package built from the arguments (see BuildDebFile)
  // to `repo` and returns the .deb's path.
  std::string AddPackage(const std::string& repo, const std::string& name,
                         const std::string& version,
                         const std::string& architecture) {
    const std::string deb = BuildDebFile(name, version, architecture);
    CliResult added = Cli(absl::StrCat("repo add ", repo, " ", deb));
    EXPECT_EQ(added.exit_code, 0) << added.output;
    return deb;
  }

  // Published returns the file at `path` under the publish root.
  std::string Published(const std::string& path) {
    return ReadFile(absl::StrCat(root_, "/", path));
  }

  // Verified reports whether gpgv accepts the signature of the file at
  // `path` under the publish root (InRelease) or, with `detached_from`, of
  // that file (Release) by `path` (Release.gpg), with the publisher's key.
  bool Verified(const std::string& path,
                const std::string& detached_from = "") {
    return RunQuietly(absl::StrCat(
               "gpgv --keyring ", keyring_, " ", root_, "/", path,
               detached_from.empty()
                   ? ""
                   : absl::StrCat(" ", root_, "/", detached_from))) == 0;
  }

  TestSigners signers_{{"publisher"}};
  std::string keyring_;
  const std::string root_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/public");
};

TEST_F(CliPublishTest, PublishSnapshotsSwitchAndDropInAptlyGrammar) {
  ASSERT_EQ(Cli("repo create r1").exit_code, 0);
  const std::string deb = AddPackage("r1", "pa", "1.0", "amd64");
  ASSERT_EQ(Cli("snapshot create s1 from repo r1").exit_code, 0);

  CliResult published = Cli("publish snapshot -distribution=stable s1");
  ASSERT_EQ(published.exit_code, 0) << published.output;
  EXPECT_THAT(published.output,
              HasSubstr("Snapshot s1 has been successfully published.\n"));
  EXPECT_THAT(published.output,
              HasSubstr("  deb http://your-server/ stable main\n"));
  EXPECT_THAT(Published("dists/stable/main/binary-amd64/Packages"),
              HasSubstr("Package: pa\n"));
  EXPECT_TRUE(Verified("dists/stable/InRelease"));
  EXPECT_TRUE(Verified("dists/stable/Release.gpg", "dists/stable/Release"));
  EXPECT_EQ(Published("pool/main/p/pa/pa_1.0_amd64.deb"), ReadFile(deb));

  CliResult again = Cli("publish snapshot -distribution=stable s1");
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("ALREADY_EXISTS"));

  CliResult listed = Cli("publish list");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(listed.output,
            "Published repositories:\n"
            "  * ./stable [amd64] publishes {main: [s1]: Snapshot from local "
            "repo [r1]}\n");
  CliResult shown = Cli("publish show stable");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_EQ(shown.output,
            "Prefix: .\nDistribution: stable\nArchitectures: amd64\n"
            "Sources:\n  main: s1 [snapshot]\n");

  // A published snapshot stays, even with -force.
  CliResult refused = Cli("snapshot drop -force s1");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("stable"));

  AddPackage("r1", "pa", "2.0", "amd64");
  ASSERT_EQ(Cli("snapshot create s2 from repo r1").exit_code, 0);
  CliResult switched = Cli("publish switch stable s2");
  ASSERT_EQ(switched.exit_code, 0) << switched.output;
  EXPECT_EQ(switched.output,
            "Publish for snapshot ./stable [amd64] publishes {main: [s2]: "
            "Snapshot from local repo [r1]} has been successfully switched "
            "to new snapshot.\n");
  EXPECT_THAT(Published("dists/stable/main/binary-amd64/Packages"),
              HasSubstr("Version: 2.0\n"));
  EXPECT_TRUE(Verified("dists/stable/InRelease"));
  ASSERT_EQ(Cli("snapshot drop s1").exit_code, 0);

  CliResult dropped = Cli("publish drop stable");
  ASSERT_EQ(dropped.exit_code, 0) << dropped.output;
  EXPECT_EQ(dropped.output,
            "Published repository has been removed successfully.\n");
  EXPECT_FALSE(std::filesystem::exists(absl::StrCat(root_, "/dists/stable")));
  EXPECT_FALSE(std::filesystem::exists(
      absl::StrCat(root_, "/pool/main/p/pa/pa_2.0_amd64.deb")));
  EXPECT_EQ(Cli("publish list -raw").output, "");
  EXPECT_EQ(Cli("publish show stable").exit_code, 1);
}

TEST_F(CliPublishTest, PublishReposUnsignedAtAPrefixAndUpdate) {
  ASSERT_EQ(Cli("repo create -distribution=edge -component=extra r1").exit_code,
            0);
  ASSERT_EQ(Cli("repo create r2").exit_code, 0);
  AddPackage("r1", "ua", "1.0", "amd64");
  AddPackage("r2", "ub", "1.0", "all");
  // Components must match the sources: a usage error, nothing sent.
  EXPECT_EQ(Cli("publish repo -component=a,b,c r1 ppa").exit_code, 2);

  CliResult published =
      Cli("publish repo -skip-signing -component=,contrib -architectures=amd64 "
          "r1 r2 ppa/x");
  ASSERT_EQ(published.exit_code, 0) << published.output;
  EXPECT_THAT(
      published.output,
      HasSubstr("Local repos r1, r2 have been successfully published."));
  EXPECT_THAT(
      published.output,
      HasSubstr("  deb http://your-server/ppa/x/ edge contrib extra\n"));
  EXPECT_THAT(published.output, HasSubstr("[trusted=yes]"));
  EXPECT_FALSE(std::filesystem::exists(
      absl::StrCat(root_, "/ppa/x/dists/edge/InRelease")));
  EXPECT_THAT(Published("ppa/x/dists/edge/contrib/binary-amd64/Packages"),
              HasSubstr("Package: ub\n"));
  EXPECT_EQ(Cli("publish list -raw").output, "ppa/x edge\n");

  // A published repo cannot be dropped.
  EXPECT_EQ(Cli("repo drop -force r2").exit_code, 1);

  AddPackage("r1", "uc", "1.0", "amd64");
  EXPECT_THAT(Published("ppa/x/dists/edge/extra/binary-amd64/Packages"),
              Not(HasSubstr("Package: uc\n")));
  CliResult updated = Cli("publish update edge ppa/x");
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  EXPECT_EQ(updated.output,
            "Publish for local repo ppa/x/edge [amd64] publishes {contrib: "
            "[r2]}, {extra: [r1]} has been successfully updated.\n");
  EXPECT_THAT(Published("ppa/x/dists/edge/extra/binary-amd64/Packages"),
              HasSubstr("Package: uc\n"));
  // Turning signing on: the workers' key signs.
  ASSERT_EQ(Cli("publish update -skip-signing=false edge ppa/x").exit_code, 0);
  EXPECT_TRUE(Verified("ppa/x/dists/edge/InRelease"));
}

class CliSlowJobsTest : public CliE2eTest {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartWorker({"--test_stall=3s"});
  }

  // WaitForValue waits until `sql` gives `value` (up to 30 s).
  bool WaitForValue(const std::string& sql, const std::string& value) {
    for (int i = 0; i < 300; ++i) {
      if (db_.QueryValue(sql) == value) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }

  // StartCli starts `debrepo ARGS` in the background, its output going to
  // a file of the test's.
  std::unique_ptr<Process> StartCli(const std::vector<std::string>& args) {
    std::vector<std::string> all = {absl::StrCat("-server=", stack_.address())};
    all.insert(all.end(), args.begin(), args.end());
    log_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/cli-", ++runs_, ".log");
    return std::make_unique<Process>(RunfilePath("cli/debrepo"), all, log_);
  }

  // Interrupted is how an interrupted CLI ended.
  struct Interrupted {
    int exit_code = -1;
    std::string output;
  };

  // InterruptAddWhileRunning creates repo "held", runs `repo add held` of
  // a package, sends `signal` once a job of `kind` runs, and waits for the
  // CLI to exit.
  Interrupted InterruptAddWhileRunning(const std::string& kind, int signal) {
    EXPECT_EQ(Cli("repo create held").exit_code, 0);
    std::unique_ptr<Process> cli =
        StartCli({"repo", "add", "held", BuildDebFile("nx-a", "1.0", "all")});
    EXPECT_TRUE(
        WaitForValue(absl::StrCat("SELECT count(*) FROM jobs WHERE kind = '",
                                  kind, "' AND state = 'running'"),
                     "1"));
    cli->Signal(signal);
    const int status = cli->Wait();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadFile(log_)};
  }

  std::string log_;
  int runs_ = 0;
};

TEST_F(CliSlowJobsTest, InterruptDuringTheUploadDeletesTheUploadDirectory) {
  const Interrupted interrupted =
      InterruptAddWhileRunning("upload.add_file", SIGINT);
  EXPECT_EQ(interrupted.exit_code, 128 + SIGINT) << interrupted.output;
  EXPECT_THAT(interrupted.output,
              HasSubstr("interrupted before the task was submitted; nothing "
                        "was added, and upload directory cli-"));
  EXPECT_THAT(interrupted.output, HasSubstr(" was deleted\n"));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
  EXPECT_EQ(
      db_.QueryValue(
          "SELECT count(*) FROM jobs WHERE kind = 'repo.add_from_upload'"),
      "0");
}

TEST_F(CliSlowJobsTest, InterruptAfterTheAddWasSubmittedLeavesItToTheTask) {
  const Interrupted interrupted =
      InterruptAddWhileRunning("repo.add_from_upload", SIGTERM);
  EXPECT_EQ(interrupted.exit_code, 128 + SIGTERM) << interrupted.output;
  const std::string id =
      db_.QueryValue("SELECT id FROM jobs WHERE kind = 'repo.add_from_upload'");
  EXPECT_THAT(interrupted.output,
              HasSubstr(absl::StrCat("interrupted while waiting for task ", id,
                                     ", which goes on")));
  EXPECT_THAT(interrupted.output,
              HasSubstr(absl::StrCat("\nTask ", id,
                                     " was already submitted and goes on: "
                                     "it takes the files it adds out of "
                                     "upload directory cli-")));
  // The task goes on and empties the directory.
  EXPECT_EQ(stack_.WaitJob(std::stoll(id)).state(), v1::SUCCEEDED);
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
  EXPECT_EQ(Cli("repo search held nx-a").exit_code, 0);
}

TEST_F(CliSlowJobsTest, TimeoutSaysWhoCleansTheUploadDirectory) {
  ASSERT_EQ(Cli("repo create held").exit_code, 0);
  CliResult gave_up = Cli(absl::StrCat("-timeout 1s repo add held ",
                                       BuildDebFile("nx-a", "1.0", "all")));
  EXPECT_EQ(gave_up.exit_code, 1) << gave_up.output;
  EXPECT_THAT(gave_up.output, HasSubstr("gave up waiting for task "));
  // The hint follows the error it belongs to.
  EXPECT_THAT(gave_up.output,
              ::testing::ContainsRegex(
                  "goes on\\); run 'debrepo task wait [0-9]+' to wait again\n"
                  "No task will take the files of upload directory cli-"
                  "[0-9a-f]+: once task [0-9]+ has ended, run 'debrepo file "
                  "delete cli-[0-9a-f]+'.\n"));
}

TEST_F(CliSlowJobsTest, TaskShowKnowsNoTimesItLacksAndPendingCancels) {
  CliResult first = Cli("-async admin noop -resource=r");
  CliResult second = Cli("-async admin noop -resource=r");
  const std::string running(absl::StripAsciiWhitespace(first.output));
  const std::string queued(absl::StripAsciiWhitespace(second.output));
  ASSERT_TRUE(WaitForValue(
      absl::StrCat("SELECT state FROM jobs WHERE id = ", running), "running"));

  CliResult waiting = Cli(absl::StrCat("task show ", queued));
  ASSERT_EQ(waiting.exit_code, 0) << waiting.output;
  EXPECT_THAT(waiting.output, HasSubstr("State: QUEUED\n"));
  EXPECT_THAT(waiting.output, HasSubstr("Created: "));
  EXPECT_THAT(waiting.output, ::testing::Not(HasSubstr("1970")));
  EXPECT_THAT(waiting.output, ::testing::Not(HasSubstr("Started:")));
  EXPECT_THAT(waiting.output, ::testing::Not(HasSubstr("Ended:")));

  ASSERT_EQ(Cli(absl::StrCat("-async task cancel ", running)).exit_code, 0);
  CliResult pending = Cli(absl::StrCat("task show ", running));
  EXPECT_THAT(pending.output, HasSubstr("State: RUNNING\n"));
  EXPECT_THAT(pending.output, HasSubstr("Cancel requested: yes\n"));
}

// CliMirrorsTest runs the mirror commands against an archive served on
// loopback (tests/mirror_archive), signed by the key of `keyring_`.
class CliMirrorsTest : public CliE2eTest {
 protected:
  void SetUp() override {
    CliE2eTest::SetUp();
    keyring_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/trusted.gpg");
    std::ofstream(keyring_, std::ios::binary)
        << archive_.Keyring(ArchiveSigner::kTrusted);
  }

  // Create runs `mirror create` of a mirror `name` of the archive with the
  // trusted keyring and `flags`, and checks that it succeeded.
  void Create(const std::string& name, const std::string& flags,
              const std::string& components) {
    CliResult created = Cli(absl::StrCat(
        "mirror create -keyring ", keyring_, " ", flags, " ", name, " ",
        archive_.url(), " ", archive_.distribution(), " ", components));
    ASSERT_EQ(created.exit_code, 0) << created.output;
  }

  MirrorArchive archive_;
  std::string keyring_;
};

TEST_F(CliMirrorsTest, MirrorSettingsInAptlyGrammar) {
  CliResult created =
      Cli(absl::StrCat("mirror create -keyring ", keyring_, " m ",
                       archive_.url(), " stable main contrib"));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(created.output,
            absl::StrCat("Mirror [m]: ", archive_.url(),
                         " stable successfully added.\n"
                         "You can run 'debrepo mirror update m' to download "
                         "repository contents.\n"));
  // Neither a keyring nor -ignore-signatures: a usage error; a taken name
  // or a bad URL: the server's error.
  EXPECT_EQ(Cli(absl::StrCat("mirror create n ", archive_.url(), " stable"))
                .exit_code,
            2);
  CliResult taken = Cli(absl::StrCat("mirror create -keyring ", keyring_, " m ",
                                     archive_.url(), " stable"));
  EXPECT_EQ(taken.exit_code, 1) << taken.output;
  EXPECT_THAT(taken.output, HasSubstr("already exists"));
  CliResult ftp =
      Cli("mirror create -ignore-signatures n ftp://x/debian stable");
  EXPECT_EQ(ftp.exit_code, 1) << ftp.output;
  EXPECT_THAT(ftp.output, HasSubstr("INVALID_ARGUMENT"));

  CliResult shown = Cli("mirror show m");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_EQ(shown.output,
            absl::StrCat("Name: m\n"
                         "Archive Root URL: ",
                         archive_.url(),
                         "\n"
                         "Distribution: stable\n"
                         "Components: main, contrib\n"
                         "Architectures: all the Release lists\n"
                         "Download Sources: no\n"
                         "Download .udebs: no\n"
                         "Keyring: ",
                         archive_.Fingerprint(ArchiveSigner::kTrusted),
                         "\n"
                         "Last update: never\n"));

  CliResult edited =
      Cli("mirror edit -with-sources -architectures=amd64 -download-limit=64 "
          "m");
  ASSERT_EQ(edited.exit_code, 0) << edited.output;
  EXPECT_EQ(edited.output, absl::StrCat("Mirror [m]: ", archive_.url(),
                                        " stable [src] successfully "
                                        "updated.\n"));
  EXPECT_THAT(Cli("mirror show m").output,
              HasSubstr("Architectures: amd64\nDownload Sources: yes\n"));
  EXPECT_THAT(Cli("mirror show m").output,
              HasSubstr("Download Limit: 64 KiB/s\n"));

  CliResult renamed = Cli("mirror rename m m2");
  ASSERT_EQ(renamed.exit_code, 0) << renamed.output;
  EXPECT_EQ(renamed.output, "Mirror m -> m2 has been successfully renamed.\n");
  CliResult listed = Cli("mirror list");
  EXPECT_EQ(listed.output,
            absl::StrCat("List of mirrors:\n * [m2]: ", archive_.url(),
                         " stable [src]\n\nTo get more information about "
                         "mirror, run `debrepo mirror show <name>`.\n"));

  // Nothing to snapshot before the first update.
  CliResult early = Cli("snapshot create s from mirror m2");
  EXPECT_EQ(early.exit_code, 1) << early.output;
  EXPECT_THAT(early.output, HasSubstr("never been synced"));
  EXPECT_EQ(Cli("snapshot create s from mirror nope").exit_code, 1);

  CliResult dropped = Cli("mirror drop m2");
  ASSERT_EQ(dropped.exit_code, 0) << dropped.output;
  EXPECT_EQ(dropped.output, "Mirror `m2` has been removed.\n");
  EXPECT_EQ(Cli("mirror list").output,
            "No mirrors found, create one with `debrepo mirror create ...`.\n");
}

TEST_F(CliMirrorsTest, UpdateShowSnapshotAndImportFromAMirror) {
  archive_.AddStandardPackages();
  archive_.Publish();
  Create("m", "-architectures=amd64", "main");

  CliResult updated = Cli("mirror update m");
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  // amd64 of main: hello, libhello, orphan, and hello-doc (all).
  EXPECT_THAT(updated.output,
              HasSubstr("Number of packages: 4 (4 added, 0 removed).\n\n"
                        "Mirror `m` has been successfully updated.\n"));
  EXPECT_THAT(updated.output, HasSubstr("Files: 4 downloaded ("));

  CliResult shown = Cli("mirror show m");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("Number of packages: 4\n"));
  EXPECT_THAT(shown.output, HasSubstr("\nInformation from release file:\n"
                                      "Codename: bookworm\nDate: "));
  EXPECT_THAT(shown.output, HasSubstr("\nSuite: stable\n"));
  EXPECT_EQ(Cli("mirror search m 'Name (~ hello)'").output,
            "hello-doc_1.0_all\nhello_1.0_amd64\nlibhello_1.0_amd64\n");

  CliResult snapshot = Cli("snapshot create s from mirror m");
  ASSERT_EQ(snapshot.exit_code, 0) << snapshot.output;
  CliResult snapshot_shown = Cli("snapshot show s");
  EXPECT_THAT(snapshot_shown.output,
              HasSubstr(absl::StrCat(
                  "Description: Snapshot from mirror [m]: ", archive_.url(),
                  " stable\nNumber of packages: 4\n"
                  "Sources:\n  m [mirror]\n")));

  // repo import takes the dependencies unless -no-deps.
  ASSERT_EQ(Cli("repo create r").exit_code, 0);
  CliResult dry = Cli("repo import -dry-run m r hello");
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("Changes not saved"));
  EXPECT_THAT(Cli("repo show r").output, HasSubstr("Number of packages: 0\n"));
  CliResult imported = Cli("repo import m r hello");
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_THAT(imported.output, HasSubstr("[o] hello_1.0_amd64 imported\n"));
  EXPECT_THAT(imported.output, HasSubstr("[o] libhello_1.0_amd64 imported\n"));
  ASSERT_EQ(Cli("repo create bare").exit_code, 0);
  CliResult alone = Cli("repo import -no-deps m bare hello");
  ASSERT_EQ(alone.exit_code, 0) << alone.output;
  EXPECT_EQ(alone.output, "[o] hello_1.0_amd64 imported\n");

  // A second update, submitted with -async: nothing new to fetch, and the
  // task keeps its progress.
  CliResult submitted = Cli("-async mirror update m");
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  const std::string id(absl::StripAsciiWhitespace(submitted.output));
  CliResult waited = Cli(absl::StrCat("task wait ", id));
  ASSERT_EQ(waited.exit_code, 0) << waited.output;
  CliResult task = Cli(absl::StrCat("task show ", id));
  EXPECT_THAT(task.output, HasSubstr("Kind: mirror.sync\n"));
  EXPECT_THAT(task.output, HasSubstr("\nProgress: "));
  // Every file was stored by the first update (JSON leaves out the 0
  // downloaded_files).
  const std::string json = Cli("-json task show " + id).output;
  EXPECT_THAT(json, HasSubstr("\"reused_files\":\"4\""));
  EXPECT_THAT(json, Not(HasSubstr("\"downloaded_files\"")));

  // Snapshots made from it keep it until -force.
  CliResult refused = Cli("mirror drop m");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("-force"));
  ASSERT_EQ(Cli("mirror drop -force m").exit_code, 0);
  EXPECT_THAT(Cli("snapshot show s").output,
              HasSubstr("Sources:\n  m [mirror, dropped]\n"));
}

TEST_F(CliMirrorsTest, AnUntrustedReleaseFailsTheUpdateUntilTheMirrorIsEdited) {
  archive_.AddStandardPackages();
  archive_.Publish({ArchiveSigner::kUntrusted});
  Create("m", "-architectures=amd64", "main");

  CliResult refused = Cli("mirror update m");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output,
              HasSubstr("does not verify with the mirror's keyring"));
  EXPECT_THAT(refused.output, HasSubstr("-ignore-signatures"));
  EXPECT_THAT(Cli("mirror show m").output, HasSubstr("Last update: never\n"));

  // The edit applies to the next update.
  ASSERT_EQ(Cli("mirror edit -ignore-signatures m").exit_code, 0);
  CliResult updated = Cli("mirror update m");
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  EXPECT_THAT(Cli("mirror show m").output,
              HasSubstr("Signatures: not checked (-ignore-signatures)\n"));
  EXPECT_THAT(Cli("mirror show m").output,
              HasSubstr("Number of packages: 4\n"));
}

TEST_F(CliMirrorsTest, UpdateShowsProgressAsLinesOrAsABarOnATerminal) {
  archive_.AddStandardPackages();
  archive_.Publish();
  // Package files of about 600 bytes at 200 bytes a second: a download
  // phase of seconds, which the client sees at its polls every second.
  ServerRule slow;
  slow.path = "*/pool/*";
  slow.action = ServerRule::Action::kSlow;
  slow.bytes_per_second = 200;
  archive_.SetRules({slow});

  Create("m", "-architectures=amd64", "main");
  CliResult plain = Cli("mirror update m");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_THAT(plain.output, HasSubstr("(mirror.sync): downloading: files "));
  EXPECT_THAT(plain.output, Not(HasSubstr("\r")));

  // arm64 brings files the blob store lacks (hello-doc, of "all", it has).
  Create("m2", "-architectures=arm64", "main");
  CliResult terminal = Cli("mirror update m2", /*on_terminal=*/true);
  ASSERT_EQ(terminal.exit_code, 0) << terminal.output;
  EXPECT_THAT(terminal.output, HasSubstr("% downloading: files "));
  EXPECT_THAT(terminal.output, HasSubstr("\r\033[K"));
  EXPECT_THAT(terminal.output, Not(HasSubstr("(mirror.sync): ")));
  EXPECT_THAT(terminal.output, HasSubstr("Mirror `m2` has been successfully "
                                         "updated."));
}

}  // namespace
}  // namespace debrepo::testing
