#include "cli/args.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

const std::vector<FlagSpec> kGlobalFlags = {
    {"server", false, "HOST:PORT", "server address"},
    {"json", true, "", "print JSON"},
};

const std::vector<CommandSpec> kCommands = {
    {"repo",
     "create",
     {"NAME"},
     {{"comment", false, "TEXT", "comment"},
      {"distribution", false, "DIST", "default distribution"}},
     "Create a local repo."},
    {"repo", "rename", {"OLD", "NEW"}, {}, "Rename a local repo."},
    {"repo",
     "drop",
     {"NAME"},
     {{"force", true, "", "drop even if in use"}},
     "Delete a local repo."},
    {"task", "list", {}, {}, "List tasks."},
    {"file", "upload", {"DIR", "FILE..."}, {}, "Upload files."},
    {"file", "delete", {"DIR", "[FILE]"}, {}, "Delete files."},
    {"snapshot", "verify", {"NAME", "[SOURCE]..."}, {}, "Verify."},
    {"snapshot",
     "create",
     {"NAME", "SOURCE..."},
     {},
     "Create a snapshot.",
     "NAME from repo REPO | empty"},
};

absl::StatusOr<ParsedArgs> Parse(const std::vector<std::string>& args) {
  return ParseArgs(args, kGlobalFlags, kCommands);
}

// UsageErrorWith matches a usage error whose message has `text`.
MATCHER_P(UsageErrorWith, text,
          std::string("is a usage error mentioning ") + text) {
  const absl::Status& status = arg.status();
  return IsUsageError(status) &&
         ::testing::ExplainMatchResult(
             HasSubstr(text), std::string(status.message()), result_listener);
}

TEST(ParseArgsTest, FlagsBeforeAndAfterArguments) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"repo", "create", "-distribution=bookworm", "-comment=hi", "r"},
           {"repo", "create", "r", "-distribution=bookworm", "-comment=hi"},
           {"repo", "create", "-distribution", "bookworm", "r", "--comment",
            "hi"},
           {"repo", "create", "--distribution=bookworm", "r", "-comment", "hi"},
       }) {
    absl::StatusOr<ParsedArgs> parsed = Parse(args);
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(parsed->command, 0);
    EXPECT_FALSE(parsed->help);
    EXPECT_THAT(parsed->arguments, ElementsAre("r"));
    EXPECT_THAT(parsed->flags,
                UnorderedElementsAre(Pair("distribution", "bookworm"),
                                     Pair("comment", "hi")));
  }
}

TEST(ParseArgsTest, GlobalFlagsAnywhere) {
  absl::StatusOr<ParsedArgs> parsed = Parse(
      {"--server", "h:1", "repo", "-json", "rename", "a", "b", "-server=h:2"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->command, 1);
  EXPECT_THAT(parsed->arguments, ElementsAre("a", "b"));
  // The last occurrence wins.
  EXPECT_EQ(parsed->Get("server"), "h:2");
  EXPECT_TRUE(parsed->GetBool("json"));
}

TEST(ParseArgsTest, BooleanFlags) {
  absl::StatusOr<ParsedArgs> parsed = Parse({"repo", "drop", "-force", "r"});
  ASSERT_THAT(parsed, IsOk());
  // A bare boolean does not take the next word as its value.
  EXPECT_THAT(parsed->arguments, ElementsAre("r"));
  EXPECT_TRUE(parsed->GetBool("force"));

  parsed = Parse({"repo", "drop", "--force=false", "r"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_TRUE(parsed->Has("force"));
  EXPECT_FALSE(parsed->GetBool("force"));

  parsed = Parse({"repo", "drop", "r"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_FALSE(parsed->Has("force"));
  EXPECT_FALSE(parsed->GetBool("json"));

  EXPECT_THAT(Parse({"repo", "drop", "-force=maybe", "r"}),
              UsageErrorWith("bad boolean value \"maybe\""));
}

TEST(ParseArgsTest, EmptyAndTrickyValues) {
  absl::StatusOr<ParsedArgs> parsed =
      Parse({"repo", "create", "-comment=", "-distribution=a=b", "r"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_TRUE(parsed->Has("comment"));
  EXPECT_EQ(parsed->Get("comment"), "");
  EXPECT_EQ(parsed->Get("distribution"), "a=b");

  // A separate value may itself start with a dash.
  parsed = Parse({"repo", "create", "-comment", "-x-", "r"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->Get("comment"), "-x-");
}

TEST(ParseArgsTest, DoubleDashEndsFlags) {
  absl::StatusOr<ParsedArgs> parsed =
      Parse({"repo", "rename", "--", "-old", "-new"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(parsed->arguments, ElementsAre("-old", "-new"));
  EXPECT_TRUE(parsed->flags.empty());
}

TEST(ParseArgsTest, UnknownFlag) {
  EXPECT_THAT(Parse({"repo", "create", "-colour=red", "r"}),
              UsageErrorWith("unknown flag -colour\nUsage: debrepo repo "
                             "create [-comment=TEXT] [-distribution=DIST] "
                             "NAME"));
  // A flag of another command is unknown here.
  EXPECT_THAT(Parse({"repo", "rename", "-force", "a", "b"}),
              UsageErrorWith("unknown flag -force"));
  // Command flags must follow the command's name.
  EXPECT_THAT(Parse({"-comment=x", "repo", "create", "r"}),
              UsageErrorWith("flags of a command go after its name"));
}

TEST(ParseArgsTest, BadFlagSyntax) {
  EXPECT_THAT(Parse({"repo", "create", "---comment=x", "r"}),
              UsageErrorWith("bad flag syntax: ---comment=x"));
  EXPECT_THAT(Parse({"repo", "create", "-=x", "r"}),
              UsageErrorWith("bad flag syntax"));
}

TEST(ParseArgsTest, MissingFlagValue) {
  EXPECT_THAT(Parse({"repo", "create", "r", "-comment"}),
              UsageErrorWith("flag -comment needs a value"));
  EXPECT_THAT(Parse({"--server"}),
              UsageErrorWith("flag -server needs a value"));
}

TEST(ParseArgsTest, MissingAndExtraArguments) {
  EXPECT_THAT(Parse({"repo", "create", "-comment=x"}),
              UsageErrorWith("missing argument NAME\nUsage: debrepo repo "
                             "create"));
  EXPECT_THAT(Parse({"repo", "rename", "a"}),
              UsageErrorWith("missing argument NEW"));
  EXPECT_THAT(Parse({"repo", "drop", "a", "b"}),
              UsageErrorWith("unexpected argument \"b\""));
}

TEST(ParseArgsTest, OptionalArguments) {
  absl::StatusOr<ParsedArgs> parsed = Parse({"file", "delete", "d"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(parsed->arguments, ElementsAre("d"));
  parsed = Parse({"file", "delete", "d", "f"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(parsed->arguments, ElementsAre("d", "f"));
  EXPECT_THAT(Parse({"file", "delete"}),
              UsageErrorWith("missing argument DIR"));
  EXPECT_THAT(Parse({"file", "delete", "d", "f", "g"}),
              UsageErrorWith("unexpected argument \"g\""));
}

TEST(ParseArgsTest, RepeatedArgument) {
  absl::StatusOr<ParsedArgs> parsed =
      Parse({"file", "upload", "d", "a", "-json", "b", "c"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(parsed->arguments, ElementsAre("d", "a", "b", "c"));
  EXPECT_THAT(Parse({"file", "upload", "d"}),
              UsageErrorWith("missing argument FILE\n"));
  EXPECT_EQ(Synopsis(kCommands[4]), "debrepo file upload DIR FILE...");
  EXPECT_EQ(Synopsis(kCommands[5]), "debrepo file delete DIR [FILE]");
}

TEST(ParseArgsTest, OptionalRepeatedArgument) {
  absl::StatusOr<ParsedArgs> parsed = Parse({"snapshot", "verify", "s"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(parsed->arguments, ElementsAre("s"));
  parsed = Parse({"snapshot", "verify", "s", "a", "b"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(parsed->arguments, ElementsAre("s", "a", "b"));
  EXPECT_THAT(Parse({"snapshot", "verify"}),
              UsageErrorWith("missing argument NAME\n"));
  EXPECT_EQ(Synopsis(kCommands[6]), "debrepo snapshot verify NAME [SOURCE]...");
}

TEST(ParseArgsTest, ArgumentsUsageReplacesTheNamesInTheSynopsis) {
  EXPECT_EQ(Synopsis(kCommands[7]),
            "debrepo snapshot create NAME from repo REPO | empty");
  EXPECT_THAT(Parse({"snapshot", "create", "s"}),
              UsageErrorWith("missing argument SOURCE\nUsage: debrepo "
                             "snapshot create NAME from repo REPO | empty"));
}

TEST(ParseArgsTest, MissingOrUnknownCommand) {
  EXPECT_THAT(Parse({}), UsageErrorWith("missing command\nRun 'debrepo help'"));
  EXPECT_THAT(Parse({"-json"}), UsageErrorWith("missing command"));
  EXPECT_THAT(Parse({"repo"}), UsageErrorWith("missing command after \"repo\"\n"
                                              "Run 'debrepo repo help'"));
  EXPECT_THAT(Parse({"mirror", "list"}),
              UsageErrorWith("unknown command \"mirror\""));
  EXPECT_THAT(Parse({"repo", "frobnicate"}),
              UsageErrorWith("unknown command \"repo frobnicate\""));
}

TEST(ParseArgsTest, Help) {
  absl::StatusOr<ParsedArgs> parsed = Parse({"help"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_TRUE(parsed->help);
  EXPECT_EQ(parsed->help_group, "");
  EXPECT_EQ(parsed->command, -1);

  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"repo", "help"}, {"help", "repo"}, {"repo", "-h"}}) {
    parsed = Parse(args);
    ASSERT_THAT(parsed, IsOk());
    EXPECT_TRUE(parsed->help);
    EXPECT_EQ(parsed->help_group, "repo");
    EXPECT_EQ(parsed->command, -1);
  }

  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"repo", "drop", "--help"},
                                             {"help", "repo", "drop"},
                                             {"repo", "help", "drop"},
                                             {"-h", "repo", "drop", "x"}}) {
    parsed = Parse(args);
    ASSERT_THAT(parsed, IsOk());
    EXPECT_TRUE(parsed->help);
    EXPECT_EQ(parsed->command, 2);
  }

  // After the command, "help" is an ordinary argument.
  parsed = Parse({"repo", "create", "help"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_FALSE(parsed->help);
  EXPECT_THAT(parsed->arguments, ElementsAre("help"));
}

TEST(ParseArgsTest, NonUsageErrorsAreNotUsageErrors) {
  EXPECT_FALSE(IsUsageError(absl::InvalidArgumentError("from the server")));
  EXPECT_TRUE(IsUsageError(UsageError("bad")));
}

TEST(ParseDurationFlagTest, Durations) {
  EXPECT_THAT(ParseDurationFlag("timeout", "90"),
              IsOkAndHolds(absl::Seconds(90)));
  EXPECT_THAT(ParseDurationFlag("timeout", "90s"),
              IsOkAndHolds(absl::Seconds(90)));
  EXPECT_THAT(ParseDurationFlag("timeout", "1h30m"),
              IsOkAndHolds(absl::Minutes(90)));
  // A limit of 0 would give up at once.
  EXPECT_THAT(ParseDurationFlag("timeout", "0"),
              UsageErrorWith("must be positive; leave -timeout out"));
  EXPECT_THAT(ParseDurationFlag("timeout", "0s"),
              UsageErrorWith("must be positive"));
  EXPECT_THAT(ParseDurationFlag("timeout", "soon"),
              UsageErrorWith("flag -timeout: bad duration \"soon\""));
  EXPECT_THAT(ParseDurationFlag("timeout", "-5s"),
              UsageErrorWith("must be positive"));
}

TEST(WithUsageTest, AddsTheSynopsisToUsageErrorsOnce) {
  const CommandSpec& drop = kCommands[2];
  const absl::Status added = WithUsage(drop, UsageError("bad"));
  EXPECT_TRUE(IsUsageError(added));
  EXPECT_EQ(added.message(), "bad\nUsage: debrepo repo drop [-force] NAME");
  EXPECT_EQ(WithUsage(drop, added).message(), added.message());
  EXPECT_EQ(WithUsage(drop, absl::NotFoundError("gone")).message(), "gone");
}

TEST(FormatUsageTest, Topics) {
  ParsedArgs all;
  all.help = true;
  const std::string everything = FormatUsage(all, kGlobalFlags, kCommands);
  EXPECT_THAT(everything, HasSubstr("repo create"));
  EXPECT_THAT(everything, HasSubstr("task list"));
  EXPECT_THAT(everything, HasSubstr("-server=HOST:PORT"));

  ParsedArgs repo = all;
  repo.help_group = "repo";
  const std::string group = FormatUsage(repo, kGlobalFlags, kCommands);
  EXPECT_THAT(group, HasSubstr("repo rename"));
  EXPECT_THAT(group, ::testing::Not(HasSubstr("task list")));

  ParsedArgs drop = repo;
  drop.command = 2;
  EXPECT_THAT(FormatUsage(drop, kGlobalFlags, kCommands),
              HasSubstr("Usage: debrepo repo drop [-force] NAME\n\n"
                        "Delete a local repo.\n"));
}

TEST(ParsedArgsTest, GetListSplitsAtCommasWithoutBlanks) {
  ParsedArgs parsed;
  EXPECT_THAT(parsed.GetList("architectures"), ::testing::IsEmpty());
  parsed.flags["architectures"] = " amd64, ,i386 ,";
  EXPECT_THAT(parsed.GetList("architectures"), ElementsAre("amd64", "i386"));
}

}  // namespace
}  // namespace debrepo::cli
