// Command-line parsing for the debrepo CLI, in aptly's grammar:
//
//   debrepo [global flags] <group> <verb> [flags and arguments in any order]
//
// Flags take one or two dashes (`-comment`, `--comment`), a value either
// after `=` or as the next word (`-comment=x`, `-comment x`); boolean flags
// stand alone (`-force`) or take `=true` / `=false`. `--` ends the flags.
// `help`, `-h` and `--help` ask for usage text.
#ifndef DEBREPO_CLI_ARGS_H_
#define DEBREPO_CLI_ARGS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace debrepo::cli {

// FlagSpec describes one flag.
struct FlagSpec {
  // The name without dashes, e.g. "distribution".
  std::string name;
  // A boolean flag needs no value.
  bool is_bool = false;
  // How usage text names the value, e.g. "DIST"; unused for booleans.
  std::string value_name;
  // One line of help.
  std::string help;
};

// CommandSpec describes one command, `debrepo <group> <verb> ...`.
struct CommandSpec {
  std::string group;
  std::string verb;
  // Names of the positional arguments, in order, e.g. {"NAME"}, as usage
  // text shows them. A name in brackets ("[FILE]") is optional and may only
  // be followed by optional ones; a last name ending in "..." ("FILE...")
  // takes one or more words.
  std::vector<std::string> arguments;
  // Flags of this command (global flags are accepted everywhere).
  std::vector<FlagSpec> flags;
  // One line of help.
  std::string summary;
  // How usage text shows the arguments when their names cannot say it,
  // e.g. "NAME from repo REPO | empty" for alternative forms that the
  // command tells apart itself; empty to show the names of `arguments`.
  std::string arguments_usage;
};

// ParsedArgs is the outcome of a successful ParseArgs.
struct ParsedArgs {
  // Whether usage text was asked for instead of running a command.
  bool help = false;
  // The help topic: empty (everything) or a group; with `command` set, that
  // command.
  std::string help_group;
  // Index of the command to run (or, with `help`, to describe) in the
  // commands given to ParseArgs; -1 if none.
  int command = -1;
  // The command's positional arguments: one per required name, then those
  // optional ones that were given; a repeated last one may add more.
  std::vector<std::string> arguments;
  // Flags given (global and command), by name; booleans are "true" or
  // "false". Flags not given are absent.
  absl::flat_hash_map<std::string, std::string> flags;

  // Has reports whether `flag` was given.
  bool Has(absl::string_view flag) const;
  // Get returns the value of `flag`, or "" when it was not given.
  std::string Get(absl::string_view flag) const;
  // GetBool reports whether boolean `flag` was given and true.
  bool GetBool(absl::string_view flag) const;
  // GetList returns the items of the comma-separated `flag` ("amd64,
  // i386"), without blanks and empty items; none when it was not given.
  std::vector<std::string> GetList(absl::string_view flag) const;
};

// ParseArgs parses `args` (the command line without argv[0]). Flags before
// the command words must be global ones. Errors are usage errors (see
// IsUsageError) whose message says what is wrong and, once the command is
// known, how to call it.
absl::StatusOr<ParsedArgs> ParseArgs(absl::Span<const std::string> args,
                                     absl::Span<const FlagSpec> global_flags,
                                     absl::Span<const CommandSpec> commands);

// UsageError returns an error meaning the command line was wrong (exit
// status 2), as opposed to a failure of the operation.
absl::Status UsageError(absl::string_view message);

// IsUsageError reports whether `status` came from UsageError.
bool IsUsageError(const absl::Status& status);

// ParseDurationFlag parses a duration such as "90s", "5m", "1h30m" or a
// plain number of seconds; a duration that is not positive is a usage
// error (a time limit of 0 would give up at once).
absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view flag,
                                                 absl::string_view value);

// WithUsage returns `status`, an error of `command`, with the line
// "Usage: <its synopsis>" added when it is a usage error without one, so
// that every usage error shows how to call the command.
absl::Status WithUsage(const CommandSpec& command, const absl::Status& status);

// Synopsis returns one line showing how to call `command`, e.g.
// "debrepo repo drop [-force] NAME".
std::string Synopsis(const CommandSpec& command);

// FormatUsage returns the usage text for the help topic of `parsed` (all
// commands, one group, or one command).
std::string FormatUsage(const ParsedArgs& parsed,
                        absl::Span<const FlagSpec> global_flags,
                        absl::Span<const CommandSpec> commands);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_ARGS_H_
