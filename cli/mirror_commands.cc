#include "cli/mirror_commands.h"

#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cli/human_bytes.h"
#include "cli/package_commands.h"
#include "cli/queries.h"
#include "cli/upload.h"
#include "common/status_macros.h"
#include "jobs/mirror_update.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

// The largest keyring the server takes (Mirror.keyring).
constexpr size_t kMaxKeyringBytes = 1 << 20;

const FlagSpec kArchiveUrlFlag = {"archive-url", false, "URL",
                                  "the archive's root (http:// or https://)"};
const FlagSpec kFilterFlag = {
    "filter", false, "QUERY",
    "mirror only the packages matching this query (@FILE reads it from FILE)"};
const FlagSpec kArchitecturesFlag = {
    "architectures", false, "LIST",
    "comma-separated architectures to mirror (default: all the Release "
    "lists)"};
const FlagSpec kKeyringFlag = {
    "keyring", false, "FILE",
    "keyring (binary or armoured) with the keys that may sign the Release, "
    "e.g. /usr/share/keyrings/debian-archive-keyring.gpg"};
const FlagSpec kDownloadLimitFlag = {
    "download-limit", false, "KIB",
    "download at most this many KiB per second (0: no limit)"};

// BoolSetting is a boolean flag of `mirror create` and `mirror edit`, the
// Mirror field it sets (as an update_mask path) and its setter.
struct BoolSetting {
  FlagSpec flag;
  absl::string_view field;
  void (v1::Mirror::*set)(bool);
};

const BoolSetting kBoolSettings[] = {
    {{"filter-with-deps", true, "",
      "also mirror what the matching packages depend on (Pre-Depends, "
      "Depends)"},
     "filter_with_deps",
     &v1::Mirror::set_filter_with_deps},
    {{"with-sources", true, "", "also mirror source packages"},
     "with_sources",
     &v1::Mirror::set_with_sources},
    {{"with-udebs", true, "", "also mirror .udeb packages (debian-installer)"},
     "with_udebs",
     &v1::Mirror::set_with_udebs},
    {{"ignore-signatures", true, "",
      "do not check the Release's signature (no -keyring needed)"},
     "ignore_signatures",
     &v1::Mirror::set_ignore_signatures},
};

// SettingFlags returns the flags of `mirror create` (with `first` before
// them) and, with -archive-url, of `mirror edit`.
std::vector<FlagSpec> SettingFlags(std::vector<FlagSpec> first) {
  first.push_back(kFilterFlag);
  for (const BoolSetting& setting : kBoolSettings) {
    first.push_back(setting.flag);
  }
  first.push_back(kArchitecturesFlag);
  first.push_back(kKeyringFlag);
  first.push_back(kDownloadLimitFlag);
  return first;
}

// DownloadLimit returns the -download-limit in bytes per second, 0 when
// it was not given.
absl::StatusOr<int64_t> DownloadLimit(const ParsedArgs& args) {
  if (!args.Has(kDownloadLimitFlag.name)) return 0;
  const std::string value = args.Get(kDownloadLimitFlag.name);
  int64_t kib;
  if (!absl::SimpleAtoi(value, &kib) || kib < 0 ||
      kib > std::numeric_limits<int64_t>::max() / 1024) {
    return UsageError(absl::StrCat(
        "flag -download-limit: want a whole number of KiB per second (0 for "
        "no limit), not \"",
        value, "\""));
  }
  return kib * 1024;
}

// ReadKeyring returns the bytes of the keyring FILE of -keyring.
absl::StatusOr<std::string> ReadKeyring(const std::string& path) {
  ASSIGN_OR_RETURN(std::string keyring, ReadWholeFile(path));
  if (keyring.size() > kMaxKeyringBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "keyring ", path, " is ", HumanBytes(keyring.size()),
        "; a mirror's keyring is at most 1 MiB: export only the keys that "
        "sign the archive (gpg --export KEYID > FILE)"));
  }
  return keyring;
}

// ApplySettings sets the fields of `mirror` whose flags were given and
// returns their update_mask paths.
absl::StatusOr<std::vector<std::string>> ApplySettings(const ParsedArgs& args,
                                                       v1::Mirror& mirror) {
  std::vector<std::string> fields;
  if (args.Has(kArchiveUrlFlag.name)) {
    mirror.set_archive_url(args.Get(kArchiveUrlFlag.name));
    fields.push_back("archive_url");
  }
  if (args.Has(kFilterFlag.name)) {
    // An empty -filter= mirrors everything again.
    const std::string filter = args.Get(kFilterFlag.name);
    if (!filter.empty()) {
      ASSIGN_OR_RETURN(*mirror.mutable_filter(), QueryFromArguments({filter}));
    }
    fields.push_back("filter");
  }
  for (const BoolSetting& setting : kBoolSettings) {
    if (!args.Has(setting.flag.name)) continue;
    (mirror.*setting.set)(args.GetBool(setting.flag.name));
    fields.emplace_back(setting.field);
  }
  if (args.Has(kArchitecturesFlag.name)) {
    for (std::string& architecture : args.GetList(kArchitecturesFlag.name)) {
      mirror.add_architectures(std::move(architecture));
    }
    fields.push_back("architectures");
  }
  if (args.Has(kKeyringFlag.name)) {
    ASSIGN_OR_RETURN(*mirror.mutable_keyring(),
                     ReadKeyring(args.Get(kKeyringFlag.name)));
    fields.push_back("keyring");
  }
  if (args.Has(kDownloadLimitFlag.name)) {
    ASSIGN_OR_RETURN(const int64_t limit, DownloadLimit(args));
    mirror.set_download_limit(limit);
    fields.push_back("download_limit");
  }
  return fields;
}

// Ended returns the mirror a job made or changed (JobResult.mirror), or
// `asked` when the worker did not return it.
const v1::Mirror& Ended(const v1::Job& job, const v1::Mirror& asked) {
  return job.result().has_mirror() ? job.result().mirror() : asked;
}

absl::Status Create(const ParsedArgs& args, Client& client) {
  v1::CreateMirrorRequest request;
  request.set_request_id(NewRequestId());
  v1::Mirror& mirror = *request.mutable_mirror();
  mirror.set_name(args.arguments[0]);
  mirror.set_archive_url(args.arguments[1]);
  mirror.set_distribution(args.arguments[2]);
  for (size_t i = 3; i < args.arguments.size(); ++i) {
    mirror.add_components(args.arguments[i]);
  }
  RETURN_IF_ERROR(ApplySettings(args, mirror).status());
  if (!mirror.ignore_signatures() && !args.Has(kKeyringFlag.name)) {
    return UsageError(
        "mirror create: give -keyring FILE with the keys that sign the "
        "archive's Release (for Debian "
        "/usr/share/keyrings/debian-archive-keyring.gpg), or "
        "-ignore-signatures to trust it unchecked");
  }
  return client.Submit(client.mirrors(), &v1::Mirrors::Stub::CreateMirror,
                       request, [&](const v1::Job& ended) {
                         client.out()
                             << "Mirror " << MirrorLabel(Ended(ended, mirror))
                             << " successfully added.\n"
                             << "You can run 'debrepo mirror update "
                             << mirror.name()
                             << "' to download repository contents.\n";
                       });
}

// PrintSync prints what a sync did, then aptly's last line.
void PrintSync(std::ostream& out, absl::string_view name,
               const v1::SyncMirrorResult& result) {
  out << "Files: " << result.downloaded_files() << " downloaded ("
      << HumanBytes(result.downloaded_bytes()) << "), " << result.reused_files()
      << " already stored.\n"
      << "Number of packages: " << result.package_count() << " ("
      << result.added_count() << " added, " << result.removed_count()
      << " removed).\n";
  if (result.duplicate_stanzas() > 0) {
    out << "Left out " << result.duplicate_stanzas()
        << " duplicate stanzas (the same name, version and architecture as "
           "an earlier stanza).\n";
  }
  out << "\nMirror `" << name << "` has been successfully updated.\n";
}

absl::Status Update(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  v1::SyncMirrorRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(name);
  ASSIGN_OR_RETURN(const int64_t limit, DownloadLimit(args));
  request.set_download_limit(limit);
  return client.Submit(client.mirrors(), &v1::Mirrors::Stub::SyncMirror,
                       request, [&](const v1::Job& ended) {
                         PrintSync(client.out(), name,
                                   ended.result().sync_mirror());
                       });
}

absl::Status List(const ParsedArgs& args, Client& client) {
  v1::ListMirrorsRequest request;
  request.set_page_size(1000);  // the most a page holds
  ASSIGN_OR_RETURN(
      const v1::ListMirrorsResponse all,
      client.CallForAllPages(client.mirrors(), &v1::Mirrors::Stub::ListMirrors,
                             request));
  std::ostream& out = client.out();
  if (client.options().json) {
    client.PrintJson(all);
  } else if (args.GetBool("raw")) {
    for (const v1::Mirror& mirror : all.mirrors()) {
      out << mirror.name() << "\n";
    }
  } else if (all.mirrors().empty()) {
    out << "No mirrors found, create one with `debrepo mirror create ...`.\n";
  } else {
    out << "List of mirrors:\n";
    for (const v1::Mirror& mirror : all.mirrors()) {
      out << " * " << MirrorLabel(mirror) << "\n";
    }
    out << "\nTo get more information about mirror, run "
           "`debrepo mirror show <name>`.\n";
  }
  return absl::OkStatus();
}

// YesNo is how aptly's `mirror show` prints a boolean.
absl::string_view YesNo(bool value) { return value ? "yes" : "no"; }

// ListOrAll prints a list setting, or what an empty one means.
std::string ListOrAll(
    const google::protobuf::RepeatedPtrField<std::string>& items) {
  if (items.empty()) return "all the Release lists";
  return absl::StrJoin(items, ", ");
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  const absl::Time time = absl::FromUnixSeconds(timestamp.seconds()) +
                          absl::Nanoseconds(timestamp.nanos());
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", time, absl::UTCTimeZone());
}

// PrintMirror prints `mirror` as aptly's `mirror show` does, with
// debrepo's settings (keyring, download limit) and the snapshots made from
// it added.
void PrintMirror(std::ostream& out, const v1::Mirror& mirror) {
  out << "Name: " << mirror.name() << "\n";
  if (mirror.status() == v1::SYNCING) {
    out << "Status: In Update (a sync is queued or running)\n";
  }
  out << "Archive Root URL: " << mirror.archive_url() << "\n"
      << "Distribution: " << mirror.distribution()
      << "\n"
      // A flat repository has none, as aptly shows it.
      << "Components: "
      << (jobs::IsFlatDistribution(mirror.distribution())
              ? ""
              : ListOrAll(mirror.components()))
      << "\n"
      << "Architectures: " << ListOrAll(mirror.architectures()) << "\n"
      << "Download Sources: " << YesNo(mirror.with_sources()) << "\n"
      << "Download .udebs: " << YesNo(mirror.with_udebs()) << "\n";
  if (!mirror.filter().empty()) {
    out << "Filter: " << mirror.filter() << "\n"
        << "Filter With Deps: " << YesNo(mirror.filter_with_deps()) << "\n";
  }
  if (mirror.ignore_signatures()) {
    out << "Signatures: not checked (-ignore-signatures)\n";
  } else {
    out << "Keyring: " << absl::StrJoin(mirror.keyring_fingerprints(), ", ")
        << "\n";
  }
  if (mirror.download_limit() > 0) {
    out << "Download Limit: " << mirror.download_limit() / 1024 << " KiB/s\n";
  }
  if (!mirror.has_last_sync_time()) {
    out << "Last update: never\n";
  } else {
    out << "Last update: " << FormatTimestamp(mirror.last_sync_time()) << "\n"
        << "Number of packages: " << mirror.package_count() << "\n";
  }
  // As aptly: the Release's fields, sorted by name.
  if (!mirror.release_codename().empty() || !mirror.release_date().empty() ||
      !mirror.release_suite().empty()) {
    out << "\nInformation from release file:\n";
    if (!mirror.release_codename().empty()) {
      out << "Codename: " << mirror.release_codename() << "\n";
    }
    if (!mirror.release_date().empty()) {
      out << "Date: " << mirror.release_date() << "\n";
    }
    if (!mirror.release_suite().empty()) {
      out << "Suite: " << mirror.release_suite() << "\n";
    }
  }
  if (!mirror.snapshots().empty()) {
    out << "\nSnapshots made from it:\n";
    for (const std::string& snapshot : mirror.snapshots()) {
      out << "  " << snapshot << "\n";
    }
  }
}

absl::Status Show(const ParsedArgs& args, Client& client) {
  const bool with_packages = args.GetBool("with-packages");
  v1::GetMirrorRequest request;
  request.set_name(args.arguments[0]);
  v1::Mirror mirror;
  RETURN_IF_ERROR(client.Call(client.mirrors(), &v1::Mirrors::Stub::GetMirror,
                              request, &mirror));
  v1::ListMirrorPackagesResponse packages;
  if (with_packages) {
    ASSIGN_OR_RETURN(packages,
                     ListAllPackagesOf(client, client.mirrors(),
                                       &v1::Mirrors::Stub::ListMirrorPackages,
                                       mirror.name(), ""));
  }
  if (client.options().json) {
    if (with_packages) {
      PrintJsonWithPackages(client, "mirror", mirror, packages.packages());
    } else {
      client.PrintJson(mirror);
    }
    return absl::OkStatus();
  }
  std::ostream& out = client.out();
  PrintMirror(out, mirror);
  if (!with_packages) return absl::OkStatus();
  if (!mirror.has_last_sync_time()) {
    out << "Unable to show package list, mirror hasn't been downloaded "
           "yet.\n";
    return absl::OkStatus();
  }
  PrintPackageList(args, out, packages.packages());
  return absl::OkStatus();
}

absl::Status Search(const ParsedArgs& args, Client& client) {
  return SearchWithin(args, client, client.mirrors(),
                      &v1::Mirrors::Stub::ListMirrorPackages);
}

absl::Status Edit(const ParsedArgs& args, Client& client) {
  v1::UpdateMirrorRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(args.arguments[0]);
  ASSIGN_OR_RETURN(const std::vector<std::string> fields,
                   ApplySettings(args, *request.mutable_mirror()));
  if (fields.empty()) {
    return UsageError(
        "mirror edit: nothing to change; give the flags of the settings to "
        "change");
  }
  for (const std::string& field : fields) {
    request.mutable_update_mask()->add_paths(field);
  }
  return client.Submit(client.mirrors(), &v1::Mirrors::Stub::UpdateMirror,
                       request, [&](const v1::Job& ended) {
                         if (ended.result().has_mirror()) {
                           client.out() << "Mirror "
                                        << MirrorLabel(ended.result().mirror())
                                        << " successfully updated.\n";
                         } else {
                           client.out() << "Mirror [" << request.name()
                                        << "] successfully updated.\n";
                         }
                       });
}

absl::Status Rename(const ParsedArgs& args, Client& client) {
  const std::string& old_name = args.arguments[0];
  const std::string& new_name = args.arguments[1];
  v1::UpdateMirrorRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(old_name);
  request.mutable_mirror()->set_name(new_name);
  request.mutable_update_mask()->add_paths("name");
  return client.Submit(client.mirrors(), &v1::Mirrors::Stub::UpdateMirror,
                       request, [&](const v1::Job&) {
                         client.out()
                             << "Mirror " << old_name << " -> " << new_name
                             << " has been successfully renamed.\n";
                       });
}

absl::Status Drop(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  v1::DeleteMirrorRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(name);
  request.set_force(args.GetBool("force"));
  return client.Submit(client.mirrors(), &v1::Mirrors::Stub::DeleteMirror,
                       request, [&](const v1::Job&) {
                         client.out()
                             << "Mirror `" << name << "` has been removed.\n";
                       });
}

}  // namespace

std::string MirrorLabel(const v1::Mirror& mirror) {
  std::string label =
      absl::StrCat("[", mirror.name(), "]: ", mirror.archive_url(), " ",
                   mirror.distribution());
  if (mirror.with_sources()) absl::StrAppend(&label, " [src]");
  if (mirror.with_udebs()) absl::StrAppend(&label, " [udeb]");
  return label;
}

std::vector<Command> MirrorCommands() {
  return {
      {{"mirror",
        "create",
        {"NAME", "URL", "DIST", "[COMPONENT]..."},
        SettingFlags({}),
        "Create a mirror of a remote archive (`mirror update` fills it).",
        "NAME URL DIST [COMPONENT]... (a flat repository: NAME URL ./)"},
       &Create},
      {{"mirror",
        "update",
        {"NAME"},
        {kDownloadLimitFlag,
         {"force", true, "",
          "accepted for aptly's scripts: updates of a mirror queue one after "
          "the other, there is no lock to break"}},
        "Download a mirror's packages anew (a sync task), showing progress."},
       &Update},
      {{"mirror",
        "list",
        {},
        {{"raw", true, "", "print names only, one a line"}},
        "List mirrors."},
       &List},
      {{"mirror",
        "show",
        {"NAME"},
        {{"with-packages", true, "", "also list the mirror's packages"},
         kKeysFlag},
        "Show a mirror's settings, last update and packages."},
       &Show},
      {{"mirror",
        "search",
        {"NAME", "[QUERY]"},
        {kKeysFlag},
        "List a mirror's packages matching a query."},
       &Search},
      {{"mirror",
        "edit",
        {"NAME"},
        SettingFlags({kArchiveUrlFlag}),
        "Change the settings given as flags (used from the next update on)."},
       &Edit},
      {{"mirror", "rename", {"OLD", "NEW"}, {}, "Rename a mirror."}, &Rename},
      {{"mirror",
        "drop",
        {"NAME"},
        {{"force", true, "",
          "drop it even if snapshots were made from it (they keep their "
          "packages)"}},
        "Delete a mirror."},
       &Drop},
  };
}

}  // namespace debrepo::cli
