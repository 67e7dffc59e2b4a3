// `debrepo repo ...`: local repos (Repos service).
#ifndef DEBREPO_CLI_REPO_COMMANDS_H_
#define DEBREPO_CLI_REPO_COMMANDS_H_

#include <vector>

#include "cli/command.h"

namespace debrepo::cli {

// RepoCommands returns repo create, show, list, edit, rename, drop, add,
// remove, search, copy, move and include.
std::vector<Command> RepoCommands();

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_REPO_COMMANDS_H_
