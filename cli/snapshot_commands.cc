#include "cli/snapshot_commands.h"

#include <algorithm>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "cli/mirror_commands.h"
#include "cli/package_commands.h"
#include "cli/queries.h"
#include "common/status_macros.h"
#include "google/protobuf/repeated_field.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

const FlagSpec kArchitecturesFlag = {
    "architectures", false, "LIST",
    "comma-separated architectures to resolve dependencies for (default: "
    "those of the snapshot's packages)"};

// AddArchitectures adds the -architectures list ("amd64, i386") to
// `field`, without blanks.
void AddArchitectures(const ParsedArgs& args,
                      google::protobuf::RepeatedPtrField<std::string>* field) {
  for (std::string& architecture : args.GetList(kArchitecturesFlag.name)) {
    field->Add(std::move(architecture));
  }
}

// Submit calls the Snapshots mutation `method` with `request` and follows
// the job it returns (see Client::FollowJob), calling `print_success` once
// it has succeeded.
template <typename Request>
absl::Status Submit(Client& client,
                    grpc::Status (v1::Snapshots::Stub::*method)(
                        grpc::ClientContext*, const Request&, v1::Job*),
                    const Request& request,
                    absl::FunctionRef<void(const v1::Job&)> print_success) {
  return client.Submit(client.snapshots(), method, request, print_success);
}

// kMaxDescriptionBytes is the longest description the server takes.
constexpr size_t kMaxDescriptionBytes = 4096;

// Description returns aptly's description `text` for a new snapshot, cut
// to what the server takes (a merge of 100 long names, a long query from a
// file) and then ending in "...", never within a UTF-8 character.
std::string Description(std::string text) {
  if (text.size() <= kMaxDescriptionBytes) return text;
  constexpr absl::string_view kEllipsis = "...";
  size_t end = kMaxDescriptionBytes - kEllipsis.size();
  // Back over continuation bytes (10xxxxxx) to a character's start.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) {
    --end;
  }
  text.resize(end);
  absl::StrAppend(&text, kEllipsis);
  return text;
}

// Quoted returns each of `names` in single quotes, joined by ", ", as
// aptly's descriptions name snapshots: "'a', 'b'".
std::string Quoted(absl::Span<const std::string> names) {
  return absl::StrJoin(names, ", ", [](std::string* out, const std::string& n) {
    absl::StrAppend(out, "'", n, "'");
  });
}

// QueryArguments are the QUERY arguments of a command.
struct QueryArguments {
  // The query the server gets (see QueryFromArguments).
  std::string query;
  // The words as given, joined by spaces, as aptly's descriptions quote
  // them.
  std::string as_given;
};

// QueryFrom returns the QUERY arguments from the `first` on.
absl::StatusOr<QueryArguments> QueryFrom(const ParsedArgs& args, size_t first) {
  const auto words = absl::MakeConstSpan(args.arguments).subspan(first);
  ASSIGN_OR_RETURN(std::string query, QueryFromArguments(words));
  return QueryArguments{std::move(query), absl::StrJoin(words, " ")};
}

// PrintCreated prints aptly's lines for a snapshot a job made.
void PrintCreated(Client& client, absl::string_view name,
                  absl::string_view verb) {
  client.out() << "Snapshot " << name << " successfully " << verb << ".\n"
               << "You can run 'debrepo publish snapshot " << name
               << "' to publish snapshot as Debian repository.\n";
}

absl::Status Create(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  const auto source = absl::MakeConstSpan(args.arguments).subspan(1);
  v1::CreateSnapshotRequest request;
  request.set_request_id(NewRequestId());
  request.mutable_snapshot()->set_name(name);
  if (source.size() == 1 && source[0] == "empty") {
    request.set_empty(true);
    request.mutable_snapshot()->set_description("Created as empty");
  } else if (source.size() == 3 && source[0] == "from" && source[1] == "repo") {
    request.set_repo(source[2]);
    request.mutable_snapshot()->set_description(
        absl::StrCat("Snapshot from local repo [", source[2], "]"));
  } else if (source.size() == 3 && source[0] == "from" &&
             source[1] == "mirror") {
    // aptly's description names the mirror's archive.
    v1::GetMirrorRequest get;
    get.set_name(source[2]);
    v1::Mirror mirror;
    RETURN_IF_ERROR(client.Call(client.mirrors(), &v1::Mirrors::Stub::GetMirror,
                                get, &mirror));
    request.set_mirror(source[2]);
    request.mutable_snapshot()->set_description(
        absl::StrCat("Snapshot from mirror ", MirrorLabel(mirror)));
  } else if (source.empty()) {
    return UsageError(
        "snapshot create: missing `from repo REPO`, `from mirror MIRROR` or "
        "`empty` after NAME");
  } else {
    return UsageError(
        absl::StrCat("snapshot create: after NAME give `from repo REPO`, "
                     "`from mirror MIRROR` or `empty`, not \"",
                     absl::StrJoin(source, " "), "\""));
  }
  return Submit(client, &v1::Snapshots::Stub::CreateSnapshot, request,
                [&](const v1::Job&) { PrintCreated(client, name, "created"); });
}

absl::Status List(const ParsedArgs& args, Client& client) {
  v1::ListSnapshotsRequest request;
  const std::string sort = args.Has("sort") ? args.Get("sort") : "name";
  if (sort == "name") {
    request.set_order(v1::ListSnapshotsRequest::NAME);
  } else if (sort == "time") {
    request.set_order(v1::ListSnapshotsRequest::CREATE_TIME);
  } else {
    return UsageError(
        absl::StrCat("flag -sort: \"", sort, "\" is neither name nor time"));
  }
  request.set_page_size(1000);  // the most a page holds
  ASSIGN_OR_RETURN(
      const v1::ListSnapshotsResponse all,
      client.CallForAllPages(client.snapshots(),
                             &v1::Snapshots::Stub::ListSnapshots, request));
  std::ostream& out = client.out();
  if (client.options().json) {
    client.PrintJson(all);
  } else if (args.GetBool("raw")) {
    for (const v1::Snapshot& snapshot : all.snapshots()) {
      out << snapshot.name() << "\n";
    }
  } else if (all.snapshots().empty()) {
    out << "No snapshots found, create one with "
           "`debrepo snapshot create ...`.\n";
  } else {
    out << "List of snapshots:\n";
    for (const v1::Snapshot& snapshot : all.snapshots()) {
      out << " * [" << snapshot.name() << "]: " << snapshot.description()
          << "\n";
    }
    out << "\nTo get more information about snapshot, run "
           "`debrepo snapshot show <name>`.\n";
  }
  return absl::OkStatus();
}

// SourceLabel names `source` as aptly's `snapshot show` does: "NAME [local]"
// for a repo, "NAME [snapshot]", "NAME [mirror]"; a dropped source says so.
std::string SourceLabel(const v1::SnapshotSource& source) {
  absl::string_view kind = "unknown";
  switch (source.kind()) {
    case v1::SnapshotSource::REPO:
      kind = "local";
      break;
    case v1::SnapshotSource::SNAPSHOT:
      kind = "snapshot";
      break;
    case v1::SnapshotSource::MIRROR:
      kind = "mirror";
      break;
    default:
      break;
  }
  return absl::StrCat(source.name(), " [", kind,
                      source.dropped() ? ", dropped" : "", "]");
}

absl::Status Show(const ParsedArgs& args, Client& client) {
  const bool with_packages = args.GetBool("with-packages");
  v1::GetSnapshotRequest request;
  request.set_name(args.arguments[0]);
  v1::Snapshot snapshot;
  RETURN_IF_ERROR(client.Call(client.snapshots(),
                              &v1::Snapshots::Stub::GetSnapshot, request,
                              &snapshot));
  v1::ListSnapshotPackagesResponse packages;
  if (with_packages) {
    ASSIGN_OR_RETURN(
        packages, ListAllPackagesOf(client, client.snapshots(),
                                    &v1::Snapshots::Stub::ListSnapshotPackages,
                                    snapshot.name(), ""));
  }
  std::ostream& out = client.out();
  if (client.options().json) {
    if (!with_packages) {
      client.PrintJson(snapshot);
      return absl::OkStatus();
    }
    PrintJsonWithPackages(client, "snapshot", snapshot, packages.packages());
    return absl::OkStatus();
  }
  const absl::Time created =
      absl::FromUnixSeconds(snapshot.create_time().seconds()) +
      absl::Nanoseconds(snapshot.create_time().nanos());
  out << "Name: " << snapshot.name() << "\n"
      << "Created At: "
      << absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", created, absl::UTCTimeZone())
      << "\n"
      << "Description: " << snapshot.description() << "\n"
      << "Number of packages: " << snapshot.package_count() << "\n"
      << "Sources:\n";
  for (const v1::SnapshotSource& source : snapshot.sources()) {
    out << "  " << SourceLabel(source) << "\n";
  }
  if (with_packages) PrintPackageList(args, out, packages.packages());
  return absl::OkStatus();
}

absl::Status Search(const ParsedArgs& args, Client& client) {
  return SearchWithin(args, client, client.snapshots(),
                      &v1::Snapshots::Stub::ListSnapshotPackages);
}

absl::Status Rename(const ParsedArgs& args, Client& client) {
  const std::string& old_name = args.arguments[0];
  const std::string& new_name = args.arguments[1];
  v1::UpdateSnapshotRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(old_name);
  request.mutable_snapshot()->set_name(new_name);
  request.mutable_update_mask()->add_paths("name");
  return Submit(client, &v1::Snapshots::Stub::UpdateSnapshot, request,
                [&](const v1::Job&) {
                  client.out() << "Snapshot " << old_name << " -> " << new_name
                               << " has been successfully renamed.\n";
                });
}

absl::Status Drop(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  v1::DeleteSnapshotRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(name);
  request.set_force(args.GetBool("force"));
  return Submit(client, &v1::Snapshots::Stub::DeleteSnapshot, request,
                [&](const v1::Job&) {
                  client.out()
                      << "Snapshot `" << name << "` has been dropped.\n";
                });
}

// DiffAll returns every change from snapshot `left` to `right`, following
// the pages, in one response.
absl::StatusOr<v1::DiffSnapshotsResponse> DiffAll(Client& client,
                                                  const std::string& left,
                                                  const std::string& right,
                                                  bool only_matching) {
  v1::DiffSnapshotsRequest request;
  request.set_left(left);
  request.set_right(right);
  request.set_only_matching(only_matching);
  request.set_page_size(10000);  // the most a page holds
  return client.CallForAllPages(client.snapshots(),
                                &v1::Snapshots::Stub::DiffSnapshots, request);
}

// Identical reports whether snapshots `left` and `right` hold the same
// packages: whether the first page of their whole diff is empty.
absl::StatusOr<bool> Identical(Client& client, const std::string& left,
                               const std::string& right) {
  v1::DiffSnapshotsRequest request;
  request.set_left(left);
  request.set_right(right);
  request.set_page_size(1);
  v1::DiffSnapshotsResponse page;
  RETURN_IF_ERROR(client.Call(
      client.snapshots(), &v1::Snapshots::Stub::DiffSnapshots, request, &page));
  return page.changes().empty();
}

// DiffLine renders `change` as aptly's `snapshot diff` does: "+" for a
// package only B has, "-" for one only A has, "!" for a change of version,
// then architecture, name and the two versions ("-" for none) in columns.
std::string DiffLine(const v1::PackageChange& change) {
  const bool in_left = !change.left_key().empty();
  const bool in_right = !change.right_key().empty();
  const char* code = !in_left ? "+" : (!in_right ? "-" : "!");
  return absl::StrFormat("%s %-6s | %-40s | %-40s | %-40s\n", code,
                         change.architecture(), change.name(),
                         in_left ? change.left_version() : "-",
                         in_right ? change.right_version() : "-");
}

absl::Status Diff(const ParsedArgs& args, Client& client) {
  const std::string& left = args.arguments[0];
  const std::string& right = args.arguments[1];
  const bool only_matching = args.GetBool("only-matching");
  ASSIGN_OR_RETURN(const v1::DiffSnapshotsResponse all,
                   DiffAll(client, left, right, only_matching));
  if (client.options().json) {
    client.PrintJson(all);
    return absl::OkStatus();
  }
  bool identical = all.changes().empty();
  // As aptly: snapshots that differ only in packages one of them lacks
  // show the header and no line with -only-matching.
  if (identical && only_matching) {
    ASSIGN_OR_RETURN(identical, Identical(client, left, right));
  }
  std::ostream& out = client.out();
  if (identical) {
    out << "Snapshots are identical.\n";
    return absl::OkStatus();
  }
  out << absl::StrFormat("  %-6s | %-40s | %-40s | %s\n", "Arch", "Package",
                         "Version in A", "Version in B");
  for (const v1::PackageChange& change : all.changes()) {
    out << DiffLine(change);
  }
  return absl::OkStatus();
}

absl::Status Merge(const ParsedArgs& args, Client& client) {
  const std::string& destination = args.arguments[0];
  const auto sources = absl::MakeConstSpan(args.arguments).subspan(1);
  const bool latest = args.GetBool("latest");
  const bool no_remove = args.GetBool("no-remove");
  if (latest && no_remove) {
    return UsageError(
        "snapshot merge: -latest and -no-remove exclude each other");
  }
  v1::MergeSnapshotsRequest request;
  request.set_request_id(NewRequestId());
  request.mutable_destination()->set_name(destination);
  request.mutable_destination()->set_description(
      Description(absl::StrCat("Merged from sources: ", Quoted(sources))));
  for (const std::string& source : sources) request.add_sources(source);
  request.set_latest(latest);
  request.set_no_remove(no_remove);
  return Submit(
      client, &v1::Snapshots::Stub::MergeSnapshots, request,
      [&](const v1::Job&) { PrintCreated(client, destination, "created"); });
}

// SnapshotLine returns snapshot `name` as aptly's pull introduces it,
// "    [NAME]: DESCRIPTION".
absl::StatusOr<std::string> SnapshotLine(Client& client,
                                         const std::string& name) {
  v1::GetSnapshotRequest request;
  request.set_name(name);
  v1::Snapshot snapshot;
  RETURN_IF_ERROR(client.Call(client.snapshots(),
                              &v1::Snapshots::Stub::GetSnapshot, request,
                              &snapshot));
  return absl::StrCat("    [", snapshot.name(), "]: ", snapshot.description(),
                      "\n");
}

// PulledPackage is one line of a pull's outcome.
struct PulledPackage {
  std::string name;
  std::string architecture;
  bool added;
  std::string key;

  bool operator<(const PulledPackage& other) const {
    return std::tie(name, architecture, added, key) <
           std::tie(other.name, other.architecture, other.added, other.key);
  }
};

// PulledPackageOf returns the line for package `key`, `added` or removed.
PulledPackage PulledPackageOf(const std::string& key, bool added) {
  // "P<arch> <name> <version> <hash>"
  const std::vector<std::string> parts = absl::StrSplit(key, ' ');
  if (parts.size() < 2) return {key, "", added, key};
  return {parts[1], std::string(absl::StripPrefix(parts[0], "P")), added, key};
}

// PrintPull prints what a pull took out of the base and put into the
// result, as aptly does: per name and architecture, "[-] NAME removed"
// lines before "[+] NAME added" ones.
void PrintPull(const ParsedArgs& args, Client& client,
               const v1::PullSnapshotResult& result) {
  std::vector<PulledPackage> lines;
  for (const std::string& key : result.removed()) {
    lines.push_back(PulledPackageOf(key, /*added=*/false));
  }
  for (const std::string& key : result.added()) {
    lines.push_back(PulledPackageOf(key, /*added=*/true));
  }
  std::sort(lines.begin(), lines.end());
  std::ostream& out = client.out();
  for (const PulledPackage& line : lines) {
    out << (line.added ? "[+] " : "[-] ") << PackageLabel(args, line.key)
        << (line.added ? " added\n" : " removed\n");
  }
  if (result.removed_count() > result.removed_size()) {
    out << "[-] and " << result.removed_count() - result.removed_size()
        << " more removed\n";
  }
  if (result.added_count() > result.added_size()) {
    out << "[+] and " << result.added_count() - result.added_size()
        << " more added\n";
  }
}

absl::Status Pull(const ParsedArgs& args, Client& client) {
  const std::string& base = args.arguments[0];
  const std::string& source = args.arguments[1];
  const std::string& destination = args.arguments[2];
  ASSIGN_OR_RETURN(const QueryArguments query, QueryFrom(args, 3));
  v1::PullSnapshotRequest request;
  request.set_request_id(NewRequestId());
  request.set_base(base);
  request.set_source(source);
  request.mutable_destination()->set_name(destination);
  request.mutable_destination()->set_description(Description(
      absl::StrCat("Pulled into '", base, "' with '", source,
                   "' as source, pull request was: '", query.as_given, "'")));
  request.set_query(query.query);
  request.set_no_deps(args.GetBool("no-deps"));
  request.set_no_remove(args.GetBool("no-remove"));
  request.set_all_matches(args.GetBool("all-matches"));
  AddArchitectures(args, request.mutable_architectures());
  const bool dry_run = args.GetBool("dry-run");
  request.set_dry_run(dry_run);
  const bool quiet = client.options().json || client.options().async;
  if (!quiet) {
    ASSIGN_OR_RETURN(const std::string base_line, SnapshotLine(client, base));
    ASSIGN_OR_RETURN(const std::string source_line,
                     SnapshotLine(client, source));
    client.out() << "Dependencies would be pulled into snapshot:\n"
                 << base_line << "from snapshot:\n"
                 << source_line << "and result would be saved as new snapshot "
                 << destination << ".\n";
  }
  bool result_dry_run = false;
  RETURN_IF_ERROR(Submit(
      client, &v1::Snapshots::Stub::PullSnapshot, request,
      [&](const v1::Job& ended) {
        const v1::PullSnapshotResult& result = ended.result().pull_snapshot();
        result_dry_run = result.dry_run();
        PrintPull(args, client, result);
        client.out() << "\n";
        if (result_dry_run) {
          client.out() << "Not creating snapshot, as dry run was requested.\n";
        } else {
          PrintCreated(client, destination, "created");
        }
      }));
  if (quiet || !dry_run || result_dry_run) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      "-dry-run was ignored by the worker that ran the task (an older "
      "version?): snapshot ",
      destination, " WAS created"));
}

absl::Status Filter(const ParsedArgs& args, Client& client) {
  const std::string& source = args.arguments[0];
  const std::string& destination = args.arguments[1];
  ASSIGN_OR_RETURN(const QueryArguments query, QueryFrom(args, 2));
  v1::FilterSnapshotRequest request;
  request.set_request_id(NewRequestId());
  request.set_source(source);
  request.mutable_destination()->set_name(destination);
  request.mutable_destination()->set_description(Description(absl::StrCat(
      "Filtered '", source, "', query was: '", query.as_given, "'")));
  request.set_query(query.query);
  request.set_with_deps(args.GetBool("with-deps"));
  AddArchitectures(args, request.mutable_architectures());
  return Submit(
      client, &v1::Snapshots::Stub::FilterSnapshot, request,
      [&](const v1::Job&) { PrintCreated(client, destination, "filtered"); });
}

absl::Status Verify(const ParsedArgs& args, Client& client) {
  v1::VerifySnapshotsRequest request;
  request.set_name(args.arguments[0]);
  for (size_t i = 1; i < args.arguments.size(); ++i) {
    request.add_others(args.arguments[i]);
  }
  AddArchitectures(args, request.mutable_architectures());
  request.set_follow_recommends(args.GetBool("dep-follow-recommends"));
  request.set_follow_suggests(args.GetBool("dep-follow-suggests"));
  request.set_page_size(10000);  // the most a page holds
  ASSIGN_OR_RETURN(
      const v1::VerifySnapshotsResponse all,
      client.CallForAllPages(client.snapshots(),
                             &v1::Snapshots::Stub::VerifySnapshots, request));
  if (client.options().json) {
    client.PrintJson(all);
    return absl::OkStatus();
  }
  // As aptly: each missing dependency once per architecture, sorted.
  absl::btree_set<std::string> missing;
  for (const v1::UnsatisfiedDependency& dependency : all.unsatisfied()) {
    missing.insert(absl::StrCat(dependency.dependency(), " [",
                                dependency.architecture(), "]"));
  }
  std::ostream& out = client.out();
  out << "Loading packages...\nVerifying...\n";
  if (missing.empty()) {
    out << "All dependencies are satisfied.\n";
    return absl::OkStatus();
  }
  out << "Missing dependencies (" << missing.size() << "):\n";
  for (const std::string& line : missing) out << "  " << line << "\n";
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> SnapshotCommands() {
  return {
      {{"snapshot",
        "create",
        {"NAME", "[SOURCE]..."},
        {},
        "Create a snapshot of a local repo or a mirror, or an empty one.",
        "NAME from repo REPO | NAME from mirror MIRROR | NAME empty"},
       &Create},
      {{"snapshot",
        "list",
        {},
        {{"sort", false, "name|time",
          "order by name (default) or by creation time, oldest first"},
         {"raw", true, "", "print names only, one a line"}},
        "List snapshots."},
       &List},
      {{"snapshot",
        "show",
        {"NAME"},
        {{"with-packages", true, "", "also list the snapshot's packages"},
         kKeysFlag},
        "Show a snapshot's description, sources, package count and "
        "packages."},
       &Show},
      {{"snapshot",
        "search",
        {"NAME", "[QUERY]"},
        {kKeysFlag},
        "List a snapshot's packages matching a query."},
       &Search},
      {{"snapshot", "rename", {"OLD", "NEW"}, {}, "Rename a snapshot."},
       &Rename},
      {{"snapshot",
        "drop",
        {"NAME"},
        {{"force", true, "",
          "drop it even if snapshots are made from it (they keep their "
          "packages)"}},
        "Delete a snapshot."},
       &Drop},
      {{"snapshot",
        "diff",
        {"A", "B"},
        {{"only-matching", true, "",
          "show only packages both hold, in different versions"}},
        "Show the packages that differ between two snapshots."},
       &Diff},
      {{"snapshot",
        "merge",
        {"DEST", "SRC..."},
        {{"latest", true, "",
          "keep the highest version of each package over all sources"},
         {"no-remove", true, "", "keep every version of every source"}},
        "Merge snapshots into a new one; later sources win."},
       &Merge},
      {{"snapshot",
        "pull",
        {"BASE", "SOURCE", "DEST", "QUERY..."},
        {{"dry-run", true, "", "show what would be pulled, create nothing"},
         {"no-deps", true, "", "pull only the matching packages"},
         {"no-remove", true, "",
          "keep the base's other versions of pulled packages"},
         {"all-matches", true, "",
          "pull every matching version, not only the highest"},
         kArchitecturesFlag,
         kKeysFlag},
        "Pull packages matching queries into a copy of a snapshot."},
       &Pull},
      {{"snapshot",
        "filter",
        {"SRC", "DEST", "QUERY..."},
        {{"with-deps", true, "",
          "also keep the dependencies (Pre-Depends, Depends) SRC has"},
         kArchitecturesFlag},
        "Make a snapshot of the packages of another matching queries."},
       &Filter},
      {{"snapshot",
        "verify",
        {"NAME", "[SOURCE]..."},
        {{"dep-follow-recommends", true, "", "also check Recommends"},
         {"dep-follow-suggests", true, "", "also check Suggests"},
         kArchitecturesFlag},
        "List the dependencies a snapshot's packages lack."},
       &Verify},
  };
}

}  // namespace debrepo::cli
