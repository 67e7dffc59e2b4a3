// `debrepo db ...`: maintenance of the stored packages and files (Admin
// service).
#ifndef DEBREPO_CLI_DB_COMMANDS_H_
#define DEBREPO_CLI_DB_COMMANDS_H_

#include <string>
#include <vector>

#include "cli/command.h"

namespace debrepo::cli {

// DbCommands returns db cleanup.
std::vector<Command> DbCommands();

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_DB_COMMANDS_H_
