// `debrepo admin ...`: operator tools (Admin service).
#ifndef DEBREPO_CLI_ADMIN_COMMANDS_H_
#define DEBREPO_CLI_ADMIN_COMMANDS_H_

#include <vector>

#include "cli/command.h"

namespace debrepo::cli {

// AdminCommands returns admin noop.
std::vector<Command> AdminCommands();

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_ADMIN_COMMANDS_H_
