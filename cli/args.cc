#include "cli/args.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace debrepo::cli {
namespace {

// The payload that marks a usage error.
constexpr absl::string_view kUsagePayload = "type.debrepo.dev/cli.UsageError";

const FlagSpec* FindFlag(absl::Span<const FlagSpec> flags,
                         absl::string_view name) {
  for (const FlagSpec& flag : flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

bool IsGroup(absl::Span<const CommandSpec> commands, absl::string_view group) {
  for (const CommandSpec& command : commands) {
    if (command.group == group) return true;
  }
  return false;
}

int FindCommand(absl::Span<const CommandSpec> commands, absl::string_view group,
                absl::string_view verb) {
  for (int i = 0; i < static_cast<int>(commands.size()); ++i) {
    if (commands[i].group == group && commands[i].verb == verb) return i;
  }
  return -1;
}

// IsOptional reports whether argument `name` is optional ("[FILE]").
bool IsOptional(absl::string_view name) { return absl::StartsWith(name, "["); }

// IsRepeated reports whether argument `name` takes one or more words
// ("FILE...").
bool IsRepeated(absl::string_view name) { return absl::EndsWith(name, "..."); }

// FlagUsage renders a flag as in a synopsis: "-force" or "-comment=TEXT".
std::string FlagUsage(const FlagSpec& flag) {
  if (flag.is_bool) return absl::StrCat("-", flag.name);
  return absl::StrCat("-", flag.name, "=", flag.value_name);
}

void AppendFlagTable(absl::string_view title, absl::Span<const FlagSpec> flags,
                     std::string* out) {
  if (flags.empty()) return;
  absl::StrAppend(out, "\n", title, ":\n");
  for (const FlagSpec& flag : flags) {
    absl::StrAppend(
        out, absl::StrFormat("  %-24s %s\n", FlagUsage(flag), flag.help));
  }
}

void AppendCommandTable(absl::Span<const CommandSpec> commands,
                        absl::string_view group, std::string* out) {
  for (const CommandSpec& command : commands) {
    if (!group.empty() && command.group != group) continue;
    absl::StrAppend(
        out, absl::StrFormat("  %-16s %s\n",
                             absl::StrCat(command.group, " ", command.verb),
                             command.summary));
  }
}

// CommandError is a usage error about a known command: the message, then
// how to call the command.
absl::Status CommandError(const CommandSpec& command,
                          absl::string_view message) {
  return UsageError(absl::StrCat(message, "\nUsage: ", Synopsis(command)));
}

// GeneralError is a usage error before a command is known: the message,
// then where to find help (on `group` when known).
absl::Status GeneralError(absl::string_view message, absl::string_view group) {
  return UsageError(absl::StrCat(message, "\nRun 'debrepo ",
                                 group.empty() ? "" : absl::StrCat(group, " "),
                                 "help' for usage."));
}

}  // namespace

bool ParsedArgs::Has(absl::string_view flag) const {
  return flags.contains(flag);
}

std::string ParsedArgs::Get(absl::string_view flag) const {
  auto it = flags.find(flag);
  return it == flags.end() ? std::string() : it->second;
}

bool ParsedArgs::GetBool(absl::string_view flag) const {
  return Get(flag) == "true";
}

std::vector<std::string> ParsedArgs::GetList(absl::string_view flag) const {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(Get(flag), ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord());
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view flag,
                                                 absl::string_view value) {
  absl::Duration duration;
  int64_t seconds;
  if (absl::SimpleAtoi(value, &seconds)) {
    duration = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(value, &duration)) {
    return UsageError(absl::StrCat("flag -", flag, ": bad duration \"", value,
                                   "\" (use e.g. 90s, 5m, 1h30m)"));
  }
  if (duration <= absl::ZeroDuration()) {
    return UsageError(absl::StrCat("flag -", flag,
                                   ": duration must be positive; leave -", flag,
                                   " out for no limit"));
  }
  return duration;
}

absl::StatusOr<ParsedArgs> ParseArgs(absl::Span<const std::string> args,
                                     absl::Span<const FlagSpec> global_flags,
                                     absl::Span<const CommandSpec> commands) {
  ParsedArgs parsed;
  bool have_group = false;
  bool flags_done = false;
  // A usage error, with help on the command or group as far as known.
  auto fail = [&](absl::string_view message) {
    if (parsed.command >= 0) {
      return CommandError(commands[parsed.command], message);
    }
    return GeneralError(message, parsed.help_group);
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!flags_done && arg == "--") {
      flags_done = true;
      continue;
    }
    if (!flags_done && arg.size() > 1 && arg[0] == '-') {
      absl::string_view text = arg;
      text.remove_prefix(text[1] == '-' ? 2 : 1);
      if (text.empty() || text[0] == '-' || text[0] == '=') {
        return fail(absl::StrCat("bad flag syntax: ", arg));
      }
      const size_t eq = text.find('=');
      const std::string name(text.substr(0, eq));
      if (name == "h" || name == "help") {
        parsed.help = true;
        continue;
      }
      const FlagSpec* flag =
          parsed.command >= 0 ? FindFlag(commands[parsed.command].flags, name)
                              : nullptr;
      if (flag == nullptr) flag = FindFlag(global_flags, name);
      if (flag == nullptr) {
        if (parsed.command >= 0) {
          return fail(absl::StrCat("unknown flag -", name));
        }
        return fail(absl::StrCat("unknown flag -", name,
                                 " (flags of a command go after its name, e.g. "
                                 "'debrepo repo create -comment=x NAME')"));
      }
      std::string value;
      if (eq != absl::string_view::npos) {
        value = std::string(text.substr(eq + 1));
      } else if (flag->is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return fail(absl::StrCat("flag -", name, " needs a value"));
      }
      if (flag->is_bool) {
        bool truth;
        if (!absl::SimpleAtob(value, &truth)) {
          return fail(absl::StrCat("flag -", name, ": bad boolean value \"",
                                   value, "\""));
        }
        value = truth ? "true" : "false";
      }
      parsed.flags[name] = std::move(value);
      continue;
    }
    // A positional word: the group, the verb, or a command argument.
    if (parsed.command >= 0) {
      parsed.arguments.push_back(arg);
    } else if (arg == "help" && !parsed.help) {
      parsed.help = true;
    } else if (!have_group) {
      if (!IsGroup(commands, arg)) {
        return fail(absl::StrCat("unknown command \"", arg, "\""));
      }
      parsed.help_group = arg;
      have_group = true;
    } else {
      parsed.command = FindCommand(commands, parsed.help_group, arg);
      if (parsed.command < 0) {
        return fail(absl::StrCat("unknown command \"", parsed.help_group, " ",
                                 arg, "\""));
      }
    }
  }
  if (parsed.help) return parsed;
  if (!have_group) return fail("missing command");
  if (parsed.command < 0) {
    return fail(
        absl::StrCat("missing command after \"", parsed.help_group, "\""));
  }
  const CommandSpec& command = commands[parsed.command];
  size_t required = 0;
  for (const std::string& name : command.arguments) {
    if (!IsOptional(name)) ++required;
  }
  if (parsed.arguments.size() < required) {
    return fail(absl::StrCat(
        "missing argument ",
        absl::StripSuffix(command.arguments[parsed.arguments.size()], "...")));
  }
  const bool repeated =
      !command.arguments.empty() && IsRepeated(command.arguments.back());
  if (!repeated && parsed.arguments.size() > command.arguments.size()) {
    return fail(absl::StrCat("unexpected argument \"",
                             parsed.arguments[command.arguments.size()], "\""));
  }
  return parsed;
}

absl::Status WithUsage(const CommandSpec& command, const absl::Status& status) {
  if (!IsUsageError(status) ||
      absl::StrContains(status.message(), "\nUsage: ")) {
    return status;
  }
  return CommandError(command, status.message());
}

std::string Synopsis(const CommandSpec& command) {
  std::string out = absl::StrCat("debrepo ", command.group, " ", command.verb);
  for (const FlagSpec& flag : command.flags) {
    absl::StrAppend(&out, " [", FlagUsage(flag), "]");
  }
  if (!command.arguments_usage.empty()) {
    absl::StrAppend(&out, " ", command.arguments_usage);
    return out;
  }
  for (const std::string& argument : command.arguments) {
    absl::StrAppend(&out, " ", argument);
  }
  return out;
}

std::string FormatUsage(const ParsedArgs& parsed,
                        absl::Span<const FlagSpec> global_flags,
                        absl::Span<const CommandSpec> commands) {
  std::string out;
  if (parsed.command >= 0) {
    const CommandSpec& command = commands[parsed.command];
    absl::StrAppend(&out, "Usage: ", Synopsis(command), "\n\n", command.summary,
                    "\n");
    AppendFlagTable("Flags", command.flags, &out);
  } else {
    const std::string group =
        parsed.help_group.empty() ? "<group>" : parsed.help_group;
    absl::StrAppend(&out, "Usage: debrepo [global flags] ", group,
                    " <verb> [flags] [arguments]\n\nCommands:\n");
    AppendCommandTable(commands, parsed.help_group, &out);
  }
  AppendFlagTable("Global flags", global_flags, &out);
  absl::StrAppend(
      &out,
      "\nFlags take one or two dashes and may come before or after the "
      "arguments;\ngive values as -flag=value or -flag value. "
      "Run 'debrepo <group> <verb> -h'\nfor the flags of a command.\n");
  return out;
}

}  // namespace debrepo::cli
