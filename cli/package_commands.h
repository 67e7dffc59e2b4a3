// `debrepo package ...`: packages across repos (Packages service).
#ifndef DEBREPO_CLI_PACKAGE_COMMANDS_H_
#define DEBREPO_CLI_PACKAGE_COMMANDS_H_

#include <vector>

#include "absl/status/status.h"
#include "cli/client.h"
#include "cli/command.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_field.h"
#include "proto/debrepo/v1/packages_types.pb.h"

namespace debrepo::cli {

// PackageCommands returns package search and show.
std::vector<Command> PackageCommands();

// PrintPackageKeys prints the result of a search: `response` as JSON with
// --json, otherwise the keys of `packages` (held by `response`) one a line.
// No packages is NOT_FOUND "no packages found", as aptly exits 1 then.
absl::Status PrintPackageKeys(
    Client& client, const google::protobuf::Message& response,
    const google::protobuf::RepeatedPtrField<debrepo::v1::Package>& packages);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_PACKAGE_COMMANDS_H_
