// A CLI command: its grammar and the function that runs it.
#ifndef DEBREPO_CLI_COMMAND_H_
#define DEBREPO_CLI_COMMAND_H_

#include "absl/status/status.h"
#include "cli/args.h"
#include "cli/client.h"

namespace debrepo::cli {

// Command pairs a CommandSpec with its implementation. `run` gets the parsed
// command line and a connected client; an error it returns is shown as
// "debrepo: <message>" (exit status 2 for usage errors, 1 otherwise).
struct Command {
  CommandSpec spec;
  absl::Status (*run)(const ParsedArgs& args, Client& client);
};

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_COMMAND_H_
