// `debrepo db ...`: maintenance of the stored packages and files (Admin
// service).
#ifndef DEBREPO_CLI_DB_COMMANDS_H_
#define DEBREPO_CLI_DB_COMMANDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cli/command.h"

namespace debrepo::cli {

// DbCommands returns db cleanup.
std::vector<Command> DbCommands();

// HumanBytes formats a byte count as aptly does: "512 B", "1.50 KiB",
// "0.67 MiB" (a unit is used from half of it up), two decimals.
std::string HumanBytes(int64_t bytes);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_DB_COMMANDS_H_
