// `debrepo snapshot ...`: immutable, named package lists (Snapshots
// service), in aptly's grammar and with aptly's output.
#ifndef DEBREPO_CLI_SNAPSHOT_COMMANDS_H_
#define DEBREPO_CLI_SNAPSHOT_COMMANDS_H_

#include <vector>

#include "cli/command.h"

namespace debrepo::cli {

// SnapshotCommands returns snapshot create, list, show, search, rename,
// drop, diff, merge, pull, filter and verify.
std::vector<Command> SnapshotCommands();

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_SNAPSHOT_COMMANDS_H_
