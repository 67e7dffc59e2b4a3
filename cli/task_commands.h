// `debrepo task ...`: jobs (Jobs service).
#ifndef DEBREPO_CLI_TASK_COMMANDS_H_
#define DEBREPO_CLI_TASK_COMMANDS_H_

#include <vector>

#include "cli/command.h"

namespace debrepo::cli {

// TaskCommands returns task list, show, wait and cancel.
std::vector<Command> TaskCommands();

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_TASK_COMMANDS_H_
