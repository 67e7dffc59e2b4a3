// `debrepo publish ...`: signed Debian archive trees made from snapshots
// and local repos (Publish service), in aptly's grammar and with aptly's
// output.
#ifndef DEBREPO_CLI_PUBLISH_COMMANDS_H_
#define DEBREPO_CLI_PUBLISH_COMMANDS_H_

#include <vector>

#include "cli/command.h"

namespace debrepo::cli {

// PublishCommands returns publish snapshot, repo, list, show, update,
// switch and drop.
std::vector<Command> PublishCommands();

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_PUBLISH_COMMANDS_H_
