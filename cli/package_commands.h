// `debrepo package ...`: packages across repos (Packages service).
#ifndef DEBREPO_CLI_PACKAGE_COMMANDS_H_
#define DEBREPO_CLI_PACKAGE_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/command.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_field.h"
#include "proto/debrepo/v1/packages_types.pb.h"

namespace debrepo::cli {

// PackageCommands returns package search and show.
std::vector<Command> PackageCommands();

// kKeysFlag is the flag of listing commands that shows packages by key
// instead of aptly's name_version_arch.
inline const FlagSpec kKeysFlag = {
    "keys", true, "", "show package keys instead of name_version_arch"};

// PackageName returns aptly's name for the package with `key` ("P<arch>
// <name> <version> <hash>"): "name_version_arch" (`key` itself when it is
// not of that form).
std::string PackageName(absl::string_view key);

// PackageLabel returns how a listing names the package with `key`: its
// PackageName, or with -keys (see kKeysFlag) the key.
std::string PackageLabel(const ParsedArgs& args, absl::string_view key);

// PrintPackages prints the result of a search: `response` as JSON with
// --json, otherwise the PackageLabel of each of `packages` (held by
// `response`) one a line, followed by " (in no repo)" for a package that
// no repo or snapshot holds (in_no_repo). No packages is NOT_FOUND "no
// packages found", as aptly exits 1 then.
absl::Status PrintPackages(
    const ParsedArgs& args, Client& client,
    const google::protobuf::Message& response,
    const google::protobuf::RepeatedPtrField<debrepo::v1::Package>& packages);

// PrintPackageList prints, for `show -with-packages`, "Packages:" and the
// PackageLabel of each of `packages` a line, indented by two spaces, as
// aptly does.
void PrintPackageList(
    const ParsedArgs& args, std::ostream& out,
    const google::protobuf::RepeatedPtrField<debrepo::v1::Package>& packages);

// PrintJsonWithPackages prints, for `show -with-packages -json`, one JSON
// document: {"<name>": `resource`, "packages": [Package, ...]}.
void PrintJsonWithPackages(
    Client& client, absl::string_view name,
    const google::protobuf::Message& resource,
    const google::protobuf::RepeatedPtrField<debrepo::v1::Package>& packages);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_PACKAGE_COMMANDS_H_
