// `debrepo file ...`: upload directories (Files service), where package
// files wait before they are added to repos.
#ifndef DEBREPO_CLI_FILE_COMMANDS_H_
#define DEBREPO_CLI_FILE_COMMANDS_H_

#include <vector>

#include "cli/command.h"

namespace debrepo::cli {

// FileCommands returns file upload, list and delete.
std::vector<Command> FileCommands();

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_FILE_COMMANDS_H_
