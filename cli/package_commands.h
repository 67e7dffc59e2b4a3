// `debrepo package ...`: packages across repos (Packages service).
#ifndef DEBREPO_CLI_PACKAGE_COMMANDS_H_
#define DEBREPO_CLI_PACKAGE_COMMANDS_H_

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/command.h"
#include "cli/queries.h"
#include "common/status_macros.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_field.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
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

// ListAllPackagesOf returns every package of the repo or snapshot `name`
// matching `query` (all of them when empty), following the pages of the
// List RPC `method` of `stub` (Repos.ListRepoPackages,
// Snapshots.ListSnapshotPackages), in one response.
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> ListAllPackagesOf(
    Client& client, Stub& stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    const std::string& name, const std::string& query) {
  Request request;
  request.set_name(name);
  request.set_query(query);
  request.set_page_size(10000);  // the most keys a page holds
  return client.CallForAllPages(stub, method, std::move(request));
}

// SearchWithin runs `repo search` and `snapshot search`: it prints (see
// PrintPackages) the packages of the repo or snapshot named by the first
// argument that match the QUERY after it, listed by `method` of `stub` (see
// ListAllPackagesOf).
template <typename Stub, typename Request, typename Response>
absl::Status SearchWithin(const ParsedArgs& args, Client& client, Stub& stub,
                          grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                       const Request&,
                                                       Response*)) {
  ASSIGN_OR_RETURN(
      const std::string query,
      QueryFromArguments(absl::MakeConstSpan(args.arguments).subspan(1)));
  ASSIGN_OR_RETURN(
      const Response all,
      ListAllPackagesOf(client, stub, method, args.arguments[0], query));
  return PrintPackages(args, client, all, all.packages());
}

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
