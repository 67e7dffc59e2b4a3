#include "cli/package_commands.h"

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/queries.h"
#include "common/status_macros.h"
#include "proto/debrepo/v1/packages.grpc.pb.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

// KeyParts splits a package key into its four words, "P<arch>", name,
// version and hash; empty when `key` is not of that form.
std::vector<absl::string_view> KeyParts(absl::string_view key) {
  std::vector<absl::string_view> parts = absl::StrSplit(key, ' ');
  if (parts.size() != 4 || parts[0].size() < 2 || parts[0][0] != 'P' ||
      parts[1].empty() || parts[2].empty() || parts[3].empty()) {
    return {};
  }
  for (char c : parts[3]) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return {};
  }
  return parts;
}

// SearchAll returns every package matching `query`, by key, in one
// response.
absl::StatusOr<v1::SearchPackagesResponse> SearchAll(Client& client,
                                                     const std::string& query) {
  v1::SearchPackagesRequest request;
  request.set_query(query);
  request.set_page_size(10000);  // the most keys a page holds
  return client.CallForAllPages(client.packages(),
                                &v1::Packages::Stub::SearchPackages, request);
}

absl::Status Search(const ParsedArgs& args, Client& client) {
  ASSIGN_OR_RETURN(const std::string query, QueryFromArguments(args.arguments));
  ASSIGN_OR_RETURN(const v1::SearchPackagesResponse all,
                   SearchAll(client, query));
  return PrintPackages(args, client, all, all.packages());
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

void PrintPackage(std::ostream& out, const v1::Package& package) {
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
  for (const std::string& snapshot : package.snapshots()) {
    out << "  snapshot [" << snapshot << "]\n";
  }
  if (package.repos().empty() && package.snapshots().empty()) {
    out << "  none: no repo or snapshot holds it, so garbage collection will "
           "delete it\n";
  }
}

// Show takes a key, or a query as aptly does, and shows every package it
// names, a blank line between two.
absl::Status Show(const ParsedArgs& args, Client& client) {
  const std::string& key_or_query = args.arguments[0];
  std::vector<std::string> keys;
  const bool by_key = !KeyParts(key_or_query).empty();
  if (by_key) {
    keys.push_back(key_or_query);
  } else {
    ASSIGN_OR_RETURN(const std::string query,
                     QueryFromArguments(args.arguments));
    ASSIGN_OR_RETURN(const v1::SearchPackagesResponse found,
                     SearchAll(client, query));
    for (const v1::Package& package : found.packages()) {
      keys.push_back(package.key());
    }
    if (keys.empty()) return absl::NotFoundError("no packages found");
  }
  v1::SearchPackagesResponse shown;
  for (const std::string& key : keys) {
    v1::GetPackageRequest request;
    request.set_key(key);
    RETURN_IF_ERROR(client.Call(client.packages(),
                                &v1::Packages::Stub::GetPackage, request,
                                shown.add_packages()));
  }
  if (client.options().json) {
    // A key shows one Package; a query the SearchPackagesResponse of all.
    if (by_key) {
      client.PrintJson(shown.packages(0));
    } else {
      client.PrintJson(shown);
    }
    return absl::OkStatus();
  }
  for (int i = 0; i < shown.packages_size(); ++i) {
    if (i > 0) client.out() << "\n";
    PrintPackage(client.out(), shown.packages(i));
  }
  return absl::OkStatus();
}

}  // namespace

std::string PackageName(absl::string_view key) {
  const std::vector<absl::string_view> parts = KeyParts(key);
  if (parts.empty()) return std::string(key);
  return absl::StrCat(parts[1], "_", parts[2], "_", parts[0].substr(1));
}

std::string PackageLabel(const ParsedArgs& args, absl::string_view key) {
  if (args.GetBool(kKeysFlag.name)) return std::string(key);
  return PackageName(key);
}

absl::Status PrintPackages(
    const ParsedArgs& args, Client& client,
    const google::protobuf::Message& response,
    const google::protobuf::RepeatedPtrField<v1::Package>& packages) {
  if (client.options().json) {
    client.PrintJson(response);
  } else {
    for (const v1::Package& package : packages) {
      client.out() << PackageLabel(args, package.key())
                   << (package.in_no_repo() ? " (in no repo)" : "") << "\n";
    }
  }
  if (packages.empty()) return absl::NotFoundError("no packages found");
  return absl::OkStatus();
}

void PrintPackageList(
    const ParsedArgs& args, std::ostream& out,
    const google::protobuf::RepeatedPtrField<v1::Package>& packages) {
  out << "Packages:\n";
  for (const v1::Package& package : packages) {
    out << "  " << PackageLabel(args, package.key()) << "\n";
  }
}

void PrintJsonWithPackages(
    Client& client, absl::string_view name,
    const google::protobuf::Message& resource,
    const google::protobuf::RepeatedPtrField<v1::Package>& packages) {
  std::vector<std::string> package_json;
  for (const v1::Package& package : packages) {
    package_json.push_back(MessageToJson(package));
  }
  client.out() << "{\"" << name << "\":" << MessageToJson(resource)
               << ",\"packages\":[" << absl::StrJoin(package_json, ",")
               << "]}\n";
}

std::vector<Command> PackageCommands() {
  return {
      {{"package",
        "search",
        {"[QUERY]"},
        {kKeysFlag},
        "List the packages matching a query, in any repo or none."},
       &Search},
      {{"package",
        "show",
        {"QUERY|KEY"},
        {},
        "Show the packages a query or key names, with files, repos and "
        "snapshots."},
       &Show},
  };
}

}  // namespace debrepo::cli
