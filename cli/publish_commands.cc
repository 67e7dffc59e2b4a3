#include "cli/publish_commands.h"

#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

// IsDefaultStorage reports whether `storage` is the default one,
// "filesystem:default", which an empty storage means and aptly's output
// leaves unsaid.
bool IsDefaultStorage(absl::string_view storage) {
  return storage.empty() || storage == "filesystem:default";
}

// kPrefixArgument is how usage text names aptly's optional PREFIX
// argument.
constexpr absl::string_view kPrefixArgument = "[[STORAGE:]PREFIX]";

const FlagSpec kComponentFlag = {
    "component", false, "LIST",
    "comma-separated components, one for each source in order (default: "
    "the repo's default component, else main)"};

// SettingFlag is a flag that sets one field of Publication, on publish
// snapshot|repo and (changing only the settings given) publish update.
struct SettingFlag {
  FlagSpec flag;
  // The Publication field, also its path in an update mask.
  absl::string_view field;
};

// kYesNo is the value of aptly's string flags for Release's yes/no fields.
constexpr absl::string_view kYesNo = "yes|no";

const std::vector<SettingFlag>& SettingFlags() {
  static const auto* flags = new std::vector<SettingFlag>{
      {{"origin", false, "TEXT", "Release's Origin field"}, "origin"},
      {{"label", false, "TEXT", "Release's Label field"}, "label"},
      {{"suite", false, "TEXT", "Release's Suite (default: the distribution)"},
       "suite"},
      {{"codename", false, "TEXT",
        "Release's Codename (default: the distribution)"},
       "codename"},
      {{"notautomatic", false, std::string(kYesNo),
        "Release's NotAutomatic: apt installs from it only when asked"},
       "not_automatic"},
      {{"butautomaticupgrades", false, std::string(kYesNo),
        "Release's ButAutomaticUpgrades (with -notautomatic=yes): apt "
        "upgrades what it installed from it"},
       "but_automatic_upgrades"},
      {{"acquire-by-hash", true, "",
        "also write indices under by-hash/ (Acquire-By-Hash: yes), so apt "
        "never reads a mix of old and new indices"},
       "acquire_by_hash"},
      {{"skip-contents", true, "", "write no Contents indices"},
       "skip_contents"},
      {{"skip-signing", true, "",
        "publish unsigned (no InRelease, no Release.gpg)"},
       "skip_signing"},
      {{"gpg-key", false, "KEY",
        "the signing key's id or fingerprint in the workers' GNUPGHOME "
        "(default: the workers' --gpg_key)"},
       "gpg_key"},
  };
  return *flags;
}

const FlagSpec kCompressionsFlag = {
    "compressions", false, "LIST",
    "compressed indices to write besides the plain ones: comma-separated "
    "gz, xz, bz2 (default: gz,xz)"};

// SettingFlagSpecs returns the flags of SettingFlags and -compressions,
// after `first`.
std::vector<FlagSpec> SettingFlagSpecs(std::vector<FlagSpec> first) {
  for (const SettingFlag& setting : SettingFlags()) {
    first.push_back(setting.flag);
  }
  first.push_back(kCompressionsFlag);
  return first;
}

// SplitList returns the comma-separated `list` with blanks stripped; empty
// items stay (a component left empty takes the default).
std::vector<std::string> SplitList(absl::string_view list) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(list, ',')) {
    items.emplace_back(absl::StripAsciiWhitespace(item));
  }
  return items;
}

// ApplySettings sets the fields of `publication` whose flags were given
// and, when `mask` is not null, adds their paths to it.
absl::Status ApplySettings(const ParsedArgs& args, v1::Publication* publication,
                           google::protobuf::FieldMask* mask) {
  const google::protobuf::Descriptor* descriptor = publication->GetDescriptor();
  const google::protobuf::Reflection* reflection = publication->GetReflection();
  for (const SettingFlag& setting : SettingFlags()) {
    if (!args.Has(setting.flag.name)) continue;
    const google::protobuf::FieldDescriptor* field =
        descriptor->FindFieldByName(std::string(setting.field));
    const std::string value = args.Get(setting.flag.name);
    if (field->cpp_type() ==
        google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      reflection->SetString(publication, field, value);
    } else if (setting.flag.is_bool) {
      reflection->SetBool(publication, field, args.GetBool(setting.flag.name));
    } else if (value == "yes" || value == "no") {
      reflection->SetBool(publication, field, value == "yes");
    } else {
      return UsageError(absl::StrCat("flag -", setting.flag.name, ": \"", value,
                                     "\" is neither yes nor no"));
    }
    if (mask != nullptr) mask->add_paths(std::string(setting.field));
  }
  if (!args.Has(kCompressionsFlag.name)) return absl::OkStatus();
  for (const std::string& name : SplitList(args.Get(kCompressionsFlag.name))) {
    if (name == "gz") {
      publication->add_compressions(v1::GZIP);
    } else if (name == "xz") {
      publication->add_compressions(v1::XZ);
    } else if (name == "bz2") {
      publication->add_compressions(v1::BZIP2);
    } else {
      return UsageError(absl::StrCat("flag -compressions: \"", name,
                                     "\" is none of gz, xz, bz2"));
    }
  }
  if (mask != nullptr) mask->add_paths("compressions");
  return absl::OkStatus();
}

// ParsePrefix splits aptly's PREFIX argument "[STORAGE:]PREFIX" at its
// last ':' into `ref`'s storage and prefix, as aptly does: "s3:bucket:"
// is prefix "." of storage "s3:bucket", and slashes at either end of the
// prefix go.
void ParsePrefix(absl::string_view argument, v1::PublicationRef* ref) {
  const size_t colon = argument.rfind(':');
  if (colon != absl::string_view::npos) {
    ref->set_storage(std::string(argument.substr(0, colon)));
    argument.remove_prefix(colon + 1);
  }
  while (absl::ConsumePrefix(&argument, "/")) {
  }
  while (absl::ConsumeSuffix(&argument, "/")) {
  }
  ref->set_prefix(argument.empty() ? "." : std::string(argument));
}

// StoragePrefix renders a publication's place as aptly does: "PREFIX", or
// "STORAGE:PREFIX" off the default storage.
std::string StoragePrefix(absl::string_view storage, absl::string_view prefix) {
  if (prefix.empty()) prefix = ".";
  if (IsDefaultStorage(storage)) return std::string(prefix);
  return absl::StrCat(storage, ":", prefix);
}

// Name renders `ref` as aptly names a publication: "PREFIX/DIST".
std::string Name(const v1::PublicationRef& ref) {
  return absl::StrCat(StoragePrefix(ref.storage(), ref.prefix()), "/",
                      ref.distribution());
}

// RefFrom returns the publication the DISTRIBUTION argument and, when
// given, the PREFIX argument `prefix` name.
v1::PublicationRef RefFrom(const std::string& distribution,
                           const std::string* prefix) {
  v1::PublicationRef ref;
  ref.set_distribution(distribution);
  ParsePrefix(prefix == nullptr ? "." : *prefix, &ref);
  return ref;
}

// RefOf returns the reference to `publication`.
v1::PublicationRef RefOf(const v1::Publication& publication) {
  v1::PublicationRef ref;
  ref.set_storage(publication.storage());
  ref.set_prefix(publication.prefix());
  ref.set_distribution(publication.distribution());
  return ref;
}

// Submit calls the Publish mutation `method` with `request` and follows
// the job it returns (see Client::FollowJob), calling `print_success` with
// the publication the job wrote once it has succeeded.
template <typename Request>
absl::Status Submit(
    Client& client,
    grpc::Status (v1::Publish::Stub::*method)(grpc::ClientContext*,
                                              const Request&, v1::Job*),
    const Request& request,
    absl::FunctionRef<void(const v1::Publication&)> print_success) {
  v1::Job job;
  RETURN_IF_ERROR(client.Call(client.publish(), method, request, &job));
  return client.FollowJob(job, [&](const v1::Job& ended) {
    print_success(ended.result().publication());
  });
}

// SourceLabels are the texts aptly shows for the sources of publications:
// "[NAME]: DESCRIPTION" for a snapshot, "[NAME]" or "[NAME]: COMMENT" for
// a local repo.
class SourceLabels {
 public:
  // Load reads every snapshot and repo.
  static absl::StatusOr<SourceLabels> Load(Client& client) {
    SourceLabels labels;
    v1::ListSnapshotsRequest snapshots_request;
    snapshots_request.set_page_size(1000);  // the most a page holds
    ASSIGN_OR_RETURN(const v1::ListSnapshotsResponse snapshots,
                     client.CallForAllPages(client.snapshots(),
                                            &v1::Snapshots::Stub::ListSnapshots,
                                            snapshots_request));
    for (const v1::Snapshot& snapshot : snapshots.snapshots()) {
      labels.labels_[Key(snapshot.name(), /*is_repo=*/false)] =
          absl::StrCat("[", snapshot.name(), "]: ", snapshot.description());
    }
    v1::ListReposRequest repos_request;
    repos_request.set_page_size(1000);
    ASSIGN_OR_RETURN(
        const v1::ListReposResponse repos,
        client.CallForAllPages(client.repos(), &v1::Repos::Stub::ListRepos,
                               repos_request));
    for (const v1::Repo& repo : repos.repos()) {
      labels.labels_[Key(repo.name(), /*is_repo=*/true)] =
          repo.comment().empty()
              ? absl::StrCat("[", repo.name(), "]")
              : absl::StrCat("[", repo.name(), "]: ", repo.comment());
    }
    return labels;
  }

  // Of returns the label of `component`'s source; "[NAME]" for one that
  // was not found.
  std::string Of(const v1::PublishedComponent& component) const {
    const bool is_repo = component.has_repo();
    const std::string& name = is_repo ? component.repo() : component.snapshot();
    auto it = labels_.find(Key(name, is_repo));
    return it != labels_.end() ? it->second : absl::StrCat("[", name, "]");
  }

 private:
  static std::string Key(absl::string_view name, bool is_repo) {
    return absl::StrCat(is_repo ? "r" : "s", name);
  }

  absl::flat_hash_map<std::string, std::string> labels_;
};

// SortedComponents returns the components of `publication` by name, as
// aptly lists them.
std::vector<v1::PublishedComponent> SortedComponents(
    const v1::Publication& publication) {
  std::vector<v1::PublishedComponent> components(
      publication.components().begin(), publication.components().end());
  std::sort(
      components.begin(), components.end(),
      [](const v1::PublishedComponent& a, const v1::PublishedComponent& b) {
        return a.component() < b.component();
      });
  return components;
}

// Describe renders `publication` as aptly's `publish list` does:
// "PREFIX/DIST (origin: O, label: L) [amd64, i386] publishes {main: [s1]:
// DESCRIPTION}, {contrib: [r1]}", components and architectures sorted.
std::string Describe(const v1::Publication& publication,
                     const SourceLabels& labels) {
  std::vector<std::string> extras;
  if (!publication.origin().empty()) {
    extras.push_back(absl::StrCat("origin: ", publication.origin()));
  }
  if (!publication.label().empty()) {
    extras.push_back(absl::StrCat("label: ", publication.label()));
  }
  std::vector<std::string> architectures(publication.architectures().begin(),
                                         publication.architectures().end());
  std::sort(architectures.begin(), architectures.end());
  std::vector<std::string> sources;
  for (const v1::PublishedComponent& component :
       SortedComponents(publication)) {
    sources.push_back(absl::StrCat("{", component.component(), ": ",
                                   labels.Of(component), "}"));
  }
  return absl::StrCat(
      Name(RefOf(publication)),
      extras.empty() ? ""
                     : absl::StrCat(" (", absl::StrJoin(extras, ", "), ")"),
      " [", absl::StrJoin(architectures, ", "), "] publishes ",
      absl::StrJoin(sources, ", "));
}

// PublishesRepos reports whether `publication`'s sources are local repos
// (aptly's "local repo" publications), not snapshots.
bool PublishesRepos(const v1::Publication& publication) {
  return !publication.components().empty() &&
         publication.components(0).has_repo();
}

// PrintPublished prints what aptly prints after publishing: which sources
// were published, where to point a web server, and apt's sources line.
void PrintPublished(Client& client, const std::vector<std::string>& names,
                    bool repos, const v1::Publication& publication) {
  std::ostream& out = client.out();
  const bool many = names.size() > 1;
  out << (repos ? "Local repo" : "Snapshot") << (many ? "s " : " ")
      << absl::StrJoin(names, ", ") << (many ? " have" : " has")
      << " been successfully published.\n";
  const absl::string_view storage = publication.storage();
  out << "Please setup your webserver to serve the publish root ("
      << (IsDefaultStorage(storage)
              ? "the workers' --publish_root"
              : absl::StrCat("storage ", storage,
                             ", the workers' --publish_storage"))
      << ") with autoindexing.\n";
  const std::string path =
      publication.prefix().empty() || publication.prefix() == "."
          ? ""
          : absl::StrCat(publication.prefix(), "/");
  std::vector<std::string> components;
  for (const v1::PublishedComponent& component :
       SortedComponents(publication)) {
    components.push_back(component.component());
  }
  const std::string rest = absl::StrCat(" http://your-server/", path, " ",
                                        publication.distribution(), " ",
                                        absl::StrJoin(components, " "), "\n");
  out << "Now you can add following line to apt sources:\n  deb" << rest;
  if (absl::c_linear_search(publication.architectures(), "source")) {
    out << "  deb-src" << rest;
  }
  if (publication.skip_signing()) {
    out << "The publication is not signed (-skip-signing): apt reads it only "
           "with [trusted=yes] after deb.\n";
  } else {
    out << "Don't forget to give apt your GPG public key: add "
           "[signed-by=/path/to/key.asc] after deb.\n";
  }
}

// Create publishes the sources the arguments name (snapshots, or local
// repos when `repos`): `publish snapshot|repo NAME... [[STORAGE:]PREFIX]`
// with one NAME per -component.
absl::Status Create(const ParsedArgs& args, Client& client, bool repos) {
  const std::vector<std::string> components =
      SplitList(args.Get(kComponentFlag.name));
  const size_t count = components.size();
  if (args.arguments.size() != count && args.arguments.size() != count + 1) {
    return UsageError(absl::StrCat("publish ", repos ? "repo" : "snapshot",
                                   ": give one ", repos ? "repo" : "snapshot",
                                   " per component of -component (", count,
                                   "), then optionally [STORAGE:]PREFIX; got ",
                                   args.arguments.size(), " arguments"));
  }
  v1::CreatePublicationRequest request;
  request.set_request_id(NewRequestId());
  v1::Publication* publication = request.mutable_publication();
  v1::PublicationRef ref =
      RefFrom(args.Get("distribution"),
              args.arguments.size() > count ? &args.arguments[count] : nullptr);
  publication->set_storage(ref.storage());
  publication->set_prefix(ref.prefix());
  publication->set_distribution(ref.distribution());
  const std::vector<std::string> names(args.arguments.begin(),
                                       args.arguments.begin() + count);
  for (size_t i = 0; i < count; ++i) {
    v1::PublishedComponent* component = publication->add_components();
    component->set_component(components[i]);
    if (repos) {
      component->set_repo(names[i]);
    } else {
      component->set_snapshot(names[i]);
    }
  }
  for (const std::string& architecture : SplitList(args.Get("architectures"))) {
    if (!architecture.empty()) publication->add_architectures(architecture);
  }
  RETURN_IF_ERROR(ApplySettings(args, publication, /*mask=*/nullptr));
  return Submit(client, &v1::Publish::Stub::CreatePublication, request,
                [&](const v1::Publication& published) {
                  PrintPublished(client, names, repos, published);
                });
}

absl::Status PublishSnapshot(const ParsedArgs& args, Client& client) {
  return Create(args, client, /*repos=*/false);
}

absl::Status PublishRepo(const ParsedArgs& args, Client& client) {
  return Create(args, client, /*repos=*/true);
}

absl::Status List(const ParsedArgs& args, Client& client) {
  v1::ListPublicationsRequest request;
  request.set_page_size(1000);  // the most a page holds
  ASSIGN_OR_RETURN(
      const v1::ListPublicationsResponse all,
      client.CallForAllPages(client.publish(),
                             &v1::Publish::Stub::ListPublications, request));
  std::ostream& out = client.out();
  if (client.options().json) {
    client.PrintJson(all);
    return absl::OkStatus();
  }
  if (args.GetBool("raw")) {
    for (const v1::Publication& publication : all.publications()) {
      out << StoragePrefix(publication.storage(), publication.prefix()) << " "
          << publication.distribution() << "\n";
    }
    return absl::OkStatus();
  }
  if (all.publications().empty()) {
    out << "No snapshots/local repos have been published. Publish a snapshot "
           "by running `debrepo publish snapshot ...`.\n";
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(const SourceLabels labels, SourceLabels::Load(client));
  out << "Published repositories:\n";
  for (const v1::Publication& publication : all.publications()) {
    out << "  * " << Describe(publication, labels) << "\n";
  }
  return absl::OkStatus();
}

// RefFromArguments returns the publication that `DISTRIBUTION
// [[STORAGE:]PREFIX]` arguments name.
v1::PublicationRef RefFromArguments(const ParsedArgs& args) {
  return RefFrom(args.arguments[0],
                 args.arguments.size() > 1 ? &args.arguments[1] : nullptr);
}

// Get reads the publication `ref` names.
absl::StatusOr<v1::Publication> Get(Client& client,
                                    const v1::PublicationRef& ref) {
  v1::GetPublicationRequest request;
  *request.mutable_publication() = ref;
  v1::Publication publication;
  RETURN_IF_ERROR(client.Call(client.publish(),
                              &v1::Publish::Stub::GetPublication, request,
                              &publication));
  return publication;
}

absl::Status Show(const ParsedArgs& args, Client& client) {
  ASSIGN_OR_RETURN(const v1::Publication publication,
                   Get(client, RefFromArguments(args)));
  if (client.options().json) {
    client.PrintJson(publication);
    return absl::OkStatus();
  }
  std::ostream& out = client.out();
  out << "Prefix: "
      << (publication.prefix().empty() ? "." : publication.prefix()) << "\n";
  if (!IsDefaultStorage(publication.storage())) {
    out << "Storage: " << publication.storage() << "\n";
  }
  out << "Distribution: " << publication.distribution() << "\n"
      << "Architectures: " << absl::StrJoin(publication.architectures(), " ")
      << "\n"
      << "Sources:\n";
  for (const v1::PublishedComponent& component : publication.components()) {
    out << "  " << component.component() << ": "
        << (component.has_repo() ? component.repo() : component.snapshot())
        << (component.has_repo() ? " [local]" : " [snapshot]") << "\n";
  }
  return absl::OkStatus();
}

// PrintChanged prints aptly's line after `publication` was written again,
// e.g. "Publish for snapshot ./bookworm [amd64] publishes {main: [s2]:
// ...} has been successfully switched to new snapshot."
absl::Status PrintChanged(Client& client, const v1::Publication& publication,
                          absl::string_view what) {
  ASSIGN_OR_RETURN(const SourceLabels labels, SourceLabels::Load(client));
  client.out() << "Publish for "
               << (PublishesRepos(publication) ? "local repo" : "snapshot")
               << " " << Describe(publication, labels)
               << " has been successfully " << what << ".\n";
  return absl::OkStatus();
}

absl::Status Update(const ParsedArgs& args, Client& client) {
  v1::UpdatePublicationRequest request;
  request.set_request_id(NewRequestId());
  *request.mutable_publication() = RefFromArguments(args);
  RETURN_IF_ERROR(ApplySettings(args, request.mutable_settings(),
                                request.mutable_update_mask()));
  absl::Status printed;
  RETURN_IF_ERROR(Submit(client, &v1::Publish::Stub::UpdatePublication, request,
                         [&](const v1::Publication& published) {
                           printed = PrintChanged(client, published, "updated");
                         }));
  return printed;
}

absl::Status Switch(const ParsedArgs& args, Client& client) {
  std::vector<std::string> components =
      SplitList(args.Get(kComponentFlag.name));
  const size_t count = components.size();
  const auto rest = absl::MakeConstSpan(args.arguments).subspan(1);
  if (rest.size() != count && rest.size() != count + 1) {
    return UsageError(absl::StrCat(
        "publish switch: after DISTRIBUTION and the optional "
        "[STORAGE:]PREFIX give one snapshot per component of -component (",
        count, "); got ", rest.size(), " arguments after DISTRIBUTION"));
  }
  v1::SwitchPublicationRequest request;
  request.set_request_id(NewRequestId());
  *request.mutable_publication() =
      RefFrom(args.arguments[0], rest.size() > count ? &rest[0] : nullptr);
  const auto snapshots = rest.subspan(rest.size() - count);
  if (count == 1 && components[0].empty()) {
    // As aptly: without -component, the publication's one component.
    ASSIGN_OR_RETURN(const v1::Publication publication,
                     Get(client, request.publication()));
    if (publication.components_size() != 1) {
      std::vector<std::string> names;
      for (const v1::PublishedComponent& component : publication.components()) {
        names.push_back(component.component());
      }
      return UsageError(
          absl::StrCat("publish switch: ", Name(request.publication()),
                       " publishes components ", absl::StrJoin(names, ", "),
                       "; name those to switch with -component"));
    }
    components[0] = publication.components(0).component();
  }
  for (size_t i = 0; i < count; ++i) {
    v1::PublishedComponent* component = request.add_components();
    component->set_component(components[i]);
    component->set_snapshot(snapshots[i]);
  }
  absl::Status printed;
  RETURN_IF_ERROR(Submit(client, &v1::Publish::Stub::SwitchPublication, request,
                         [&](const v1::Publication& published) {
                           printed = PrintChanged(client, published,
                                                  "switched to new snapshot");
                         }));
  return printed;
}

absl::Status Drop(const ParsedArgs& args, Client& client) {
  v1::DeletePublicationRequest request;
  request.set_request_id(NewRequestId());
  *request.mutable_publication() = RefFromArguments(args);
  request.set_force_drop(args.GetBool("force-drop"));
  return Submit(
      client, &v1::Publish::Stub::DeletePublication, request,
      [&](const v1::Publication&) {
        client.out() << "Published repository has been removed successfully.\n";
      });
}

// CreateFlags are the flags of publish snapshot and publish repo.
std::vector<FlagSpec> CreateFlags() {
  return SettingFlagSpecs(
      {{"distribution", false, "DIST",
        "the distribution (default: the first repo's default distribution; "
        "needed for snapshots)"},
       kComponentFlag,
       {"architectures", false, "LIST",
        "comma-separated architectures to publish (default: those of the "
        "packages, all left out)"}});
}

}  // namespace

std::vector<Command> PublishCommands() {
  const std::string prefix(kPrefixArgument);
  return {
      {{"publish",
        "snapshot",
        {"SNAPSHOT..."},
        CreateFlags(),
        "Publish snapshots, one a component, as a signed archive.",
        absl::StrCat("SNAPSHOT... ", prefix)},
       &PublishSnapshot},
      {{"publish",
        "repo",
        {"REPO..."},
        CreateFlags(),
        "Publish local repos, one a component, as a signed archive.",
        absl::StrCat("REPO... ", prefix)},
       &PublishRepo},
      {{"publish",
        "list",
        {},
        {{"raw", true, "", "print PREFIX DISTRIBUTION only, one a line"}},
        "List published distributions."},
       &List},
      {{"publish",
        "show",
        {"DISTRIBUTION", prefix},
        {},
        "Show a published distribution's architectures and sources."},
       &Show},
      {{"publish",
        "update",
        {"DISTRIBUTION", prefix},
        SettingFlagSpecs({}),
        "Publish a distribution again (its repos as they are now)."},
       &Update},
      {{"publish",
        "switch",
        {"DISTRIBUTION", "WORD..."},
        {kComponentFlag},
        "Point published components at other snapshots, at once.",
        absl::StrCat("DISTRIBUTION ", prefix, " SNAPSHOT...")},
       &Switch},
      {{"publish",
        "drop",
        {"DISTRIBUTION", prefix},
        {{"force-drop", true, "",
          "remove the publication even when some of its files cannot be "
          "removed"}},
        "Remove a published distribution and the pool files only it used."},
       &Drop},
  };
}

}  // namespace debrepo::cli
