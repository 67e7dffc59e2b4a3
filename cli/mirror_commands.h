// `debrepo mirror ...`: mirrors of remote archives (Mirrors service), in
// aptly's grammar.
#ifndef DEBREPO_CLI_MIRROR_COMMANDS_H_
#define DEBREPO_CLI_MIRROR_COMMANDS_H_

#include <string>
#include <vector>

#include "cli/command.h"
#include "proto/debrepo/v1/mirrors_types.pb.h"

namespace debrepo::cli {

// MirrorCommands returns mirror create, update, list, show, search, edit,
// rename and drop.
std::vector<Command> MirrorCommands();

// MirrorLabel names `mirror` as aptly does in lists and descriptions:
// "[NAME]: URL DIST", then " [src]" and " [udeb]" when it mirrors sources
// and udebs.
std::string MirrorLabel(const debrepo::v1::Mirror& mirror);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_MIRROR_COMMANDS_H_
