#include "cli/package_commands.h"

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "common/status_macros.h"
#include "proto/debrepo/v1/packages.grpc.pb.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

absl::Status Search(const ParsedArgs& args, Client& client) {
  v1::SearchPackagesRequest request;
  if (!args.arguments.empty()) request.set_query(args.arguments[0]);
  request.set_page_size(10000);  // the most keys a page holds
  ASSIGN_OR_RETURN(
      const v1::SearchPackagesResponse all,
      client.CallForAllPages(client.packages(),
                             &v1::Packages::Stub::SearchPackages, request));
  return PrintPackageKeys(client, all, all.packages());
}

// PrintControlField prints `field` as its stanza has it: "Name: value",
// continuation lines included; a value that starts on the next line
// (e.g. an empty first line of Description) leaves no space after ':'.
void PrintControlField(std::ostream& out, const v1::ControlField& field) {
  out << field.name() << ":";
  if (!field.value().empty() && !absl::StartsWith(field.value(), "\n")) {
    out << " ";
  }
  out << field.value() << "\n";
}

absl::Status Show(const ParsedArgs& args, Client& client) {
  v1::GetPackageRequest request;
  request.set_key(args.arguments[0]);
  v1::Package package;
  RETURN_IF_ERROR(client.Call(
      client.packages(), &v1::Packages::Stub::GetPackage, request, &package));
  if (client.options().json) {
    client.PrintJson(package);
    return absl::OkStatus();
  }
  std::ostream& out = client.out();
  for (const v1::ControlField& field : package.fields()) {
    PrintControlField(out, field);
  }
  out << "Files:\n";
  for (const v1::PackageFile& file : package.files()) {
    out << "  " << file.name() << " " << file.size() << " " << file.sha256()
        << "\n";
  }
  out << "References to package:\n";
  for (const std::string& repo : package.repos()) {
    out << "  local repo [" << repo << "]\n";
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PrintPackageKeys(
    Client& client, const google::protobuf::Message& response,
    const google::protobuf::RepeatedPtrField<v1::Package>& packages) {
  if (client.options().json) {
    client.PrintJson(response);
  } else {
    for (const v1::Package& package : packages) {
      client.out() << package.key() << "\n";
    }
  }
  if (packages.empty()) return absl::NotFoundError("no packages found");
  return absl::OkStatus();
}

std::vector<Command> PackageCommands() {
  return {
      {{"package",
        "search",
        {"[QUERY]"},
        {},
        "List the keys of all packages matching a query, in any repo."},
       &Search},
      {{"package",
        "show",
        {"KEY"},
        {},
        "Show a package's control fields, files and the repos holding it."},
       &Show},
  };
}

}  // namespace debrepo::cli
