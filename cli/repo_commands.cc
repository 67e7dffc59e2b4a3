#include "cli/repo_commands.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "cli/package_commands.h"
#include "cli/upload.h"
#include "common/status_macros.h"
#include "deb/upload_control.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

const FlagSpec kCommentFlag = {"comment", false, "TEXT",
                               "comment for the repo"};
const FlagSpec kDistributionFlag = {"distribution", false, "DIST",
                                    "default distribution when publishing"};
const FlagSpec kComponentFlag = {"component", false, "COMP",
                                 "default component when publishing"};

// The repo fields set by flags, and their names in an update mask.
struct RepoField {
  const FlagSpec* flag;
  const char* mask_path;
  void (v1::Repo::*set)(const std::string&);
};
const RepoField kRepoFields[] = {
    {&kCommentFlag, "comment", &v1::Repo::set_comment},
    {&kDistributionFlag, "default_distribution",
     &v1::Repo::set_default_distribution},
    {&kComponentFlag, "default_component", &v1::Repo::set_default_component},
};

absl::Status Create(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  v1::CreateRepoRequest request;
  request.set_request_id(NewRequestId());
  request.mutable_repo()->set_name(name);
  for (const RepoField& field : kRepoFields) {
    (request.mutable_repo()->*field.set)(args.Get(field.flag->name));
  }
  v1::Job job;
  RETURN_IF_ERROR(
      client.Call(client.repos(), &v1::Repos::Stub::CreateRepo, request, &job));
  return client.FollowJob(job, [&](const v1::Job&) {
    client.out() << "Local repo [" << name << "] successfully added.\n"
                 << "You can run 'debrepo repo add " << name
                 << " ...' to add packages to repo.\n";
  });
}

// ListAllPackages returns every package of repo `name` matching `query`
// (all of them when empty), following the pages, in one response.
absl::StatusOr<v1::ListRepoPackagesResponse> ListAllPackages(
    Client& client, const std::string& name, const std::string& query) {
  v1::ListRepoPackagesRequest request;
  request.set_name(name);
  request.set_query(query);
  request.set_page_size(10000);  // the most keys a page holds
  return client.CallForAllPages(client.repos(),
                                &v1::Repos::Stub::ListRepoPackages, request);
}

absl::Status Show(const ParsedArgs& args, Client& client) {
  const bool with_packages = args.GetBool("with-packages");
  v1::GetRepoRequest request;
  request.set_name(args.arguments[0]);
  v1::Repo repo;
  RETURN_IF_ERROR(
      client.Call(client.repos(), &v1::Repos::Stub::GetRepo, request, &repo));
  v1::ListRepoPackagesResponse packages;
  if (with_packages) {
    ASSIGN_OR_RETURN(packages, ListAllPackages(client, repo.name(), ""));
  }
  std::ostream& out = client.out();
  if (client.options().json) {
    if (!with_packages) {
      client.PrintJson(repo);
      return absl::OkStatus();
    }
    // One document: {"repo": Repo, "packages": [Package, ...]}.
    std::vector<std::string> package_json;
    for (const v1::Package& package : packages.packages()) {
      package_json.push_back(MessageToJson(package));
    }
    out << "{\"repo\":" << MessageToJson(repo) << ",\"packages\":["
        << absl::StrJoin(package_json, ",") << "]}\n";
    return absl::OkStatus();
  }
  out << "Name: " << repo.name() << "\n"
      << "Comment: " << repo.comment() << "\n"
      << "Default Distribution: " << repo.default_distribution() << "\n"
      << "Default Component: " << repo.default_component() << "\n";
  if (with_packages) {
    out << "Packages:\n";
    for (const v1::Package& package : packages.packages()) {
      out << "  " << package.key() << "\n";
    }
  }
  return absl::OkStatus();
}

absl::Status Search(const ParsedArgs& args, Client& client) {
  const std::string query = args.arguments.size() > 1 ? args.arguments[1] : "";
  ASSIGN_OR_RETURN(const v1::ListRepoPackagesResponse all,
                   ListAllPackages(client, args.arguments[0], query));
  return PrintPackageKeys(client, all, all.packages());
}

// IsPackageFile reports whether `filename` names a package file, one that
// `repo add` takes from a directory.
bool IsPackageFile(absl::string_view filename) {
  return absl::EndsWith(filename, ".deb") ||
         absl::EndsWith(filename, ".udeb") || absl::EndsWith(filename, ".dsc");
}

// CollectFiles expands the FILE|DIR arguments of `repo add`: a directory
// stands for its .deb, .udeb and .dsc files (not those of its
// subdirectories), sorted by name; anything else is taken as a file.
absl::StatusOr<std::vector<std::string>> CollectFiles(
    absl::Span<const std::string> arguments) {
  namespace fs = std::filesystem;
  std::vector<std::string> paths;
  std::vector<std::string> directories;
  for (const std::string& argument : arguments) {
    std::error_code error;
    if (!fs::is_directory(argument, error)) {
      paths.push_back(argument);
      continue;
    }
    directories.push_back(argument);
    std::vector<std::string> found;
    fs::directory_iterator it(argument, error);
    for (; !error && it != fs::directory_iterator(); it.increment(error)) {
      std::error_code type_error;
      if (IsPackageFile(it->path().filename().string()) &&
          it->is_regular_file(type_error)) {
        found.push_back(it->path().string());
      }
    }
    if (error) {
      return absl::ErrnoToStatus(error.value(),
                                 absl::StrCat("cannot read ", argument));
    }
    std::sort(found.begin(), found.end());
    paths.insert(paths.end(), found.begin(), found.end());
  }
  if (paths.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no packages to add: no .deb, .udeb or .dsc files in ",
                     absl::StrJoin(directories, ", ")));
  }
  return paths;
}

// TemporaryDirectoryName returns a fresh upload directory name for
// `repo add`: "cli-" and 16 random hex digits.
std::string TemporaryDirectoryName() {
  absl::BitGen gen;
  return absl::StrFormat("cli-%016x", absl::Uniform<uint64_t>(gen));
}

// AwaitQuietly waits for job `id` and returns its error unless it
// SUCCEEDED, printing nothing. `ended` becomes false when the job may still
// be running (the wait gave up or failed).
absl::StatusOr<v1::Job> AwaitQuietly(Client& client, int64_t id, bool& ended) {
  absl::StatusOr<v1::Job> job = client.WaitForJob(id);
  ended = job.ok();
  if (!job.ok()) return job.status();
  RETURN_IF_ERROR(EndedJobStatus(*job));
  return job;
}

// RemoveTemporaryDirectory deletes upload directory `directory` if files
// remain in it (those the task could not add, or all of them when it did
// not run). NOT_FOUND, nothing left to delete, is success.
absl::Status RemoveTemporaryDirectory(Client& client,
                                      const std::string& directory) {
  v1::ListUploadFilesRequest list;
  list.set_directory(directory);
  list.set_page_size(1);
  v1::ListUploadFilesResponse files;
  const absl::Status listed = client.Call(
      client.files(), &v1::Files::Stub::ListUploadFiles, list, &files);
  // The server answers NOT_FOUND for a directory left empty.
  if (absl::IsNotFound(listed)) return absl::OkStatus();
  RETURN_IF_ERROR(listed);
  if (files.files().empty()) return absl::OkStatus();
  v1::DeleteUploadRequest request;
  request.set_request_id(NewRequestId());
  request.set_directory(directory);
  v1::Job job;
  absl::Status status = client.Call(
      client.files(), &v1::Files::Stub::DeleteUpload, request, &job);
  if (status.ok()) {
    bool ended;
    status = AwaitQuietly(client, job.id(), ended).status();
  }
  if (absl::IsNotFound(status)) return absl::OkStatus();
  return status;
}

// PrintUnlisted prints how many of `count` packages a result did not list
// by key (results list at most 10,000), after the `listed` it did.
void PrintUnlisted(std::ostream& out, absl::string_view marker, int64_t count,
                   int listed, absl::string_view verb) {
  if (count <= listed) return;
  out << marker << " and " << count - listed << " more " << verb << "\n";
}

// SubmitFunction submits the repo task that consumes upload directory
// `directory` and returns its job, as submitted.
using SubmitFunction =
    absl::FunctionRef<absl::StatusOr<v1::Job>(const std::string& directory)>;

// UploadAndSubmit uploads `files` into the fresh upload directory
// `directory`, has `submit` start the task that consumes it, and reports
// the task's AddFromUploadResult (see Add). `settled` becomes false when a
// task that uses the directory may still be running.
absl::Status UploadAndSubmit(const ParsedArgs& args, Client& client,
                             const std::string& directory,
                             const std::vector<LocalFile>& files,
                             SubmitFunction submit, bool& settled) {
  // Each upload is recorded before the next is sent, and all of them
  // before the repo task reads the directory (also with -async).
  RETURN_IF_ERROR(
      SendFiles(client, directory, files,
                [&](const v1::Job& job, absl::Span<const LocalFile>) {
                  return AwaitQuietly(client, job.id(), settled).status();
                }));

  ASSIGN_OR_RETURN(const v1::Job job, submit(directory));
  if (client.options().async) {
    settled = false;
    return client.FollowJob(job, [](const v1::Job&) {});
  }
  absl::StatusOr<v1::Job> ended = client.WaitForJob(job.id());
  if (!ended.ok()) {
    settled = false;
    return ended.status();
  }
  if (client.options().json) client.PrintJson(*ended);
  RETURN_IF_ERROR(EndedJobStatus(*ended));

  const v1::AddFromUploadResult& result = ended->result().add_from_upload();
  std::ostream& out = client.out();
  if (!client.options().json) {
    for (const std::string& key : result.replaced()) {
      out << "[-] " << key
          << " removed due to conflict with package being added\n";
    }
    PrintUnlisted(out, "[-]", result.replaced_count(), result.replaced_size(),
                  "removed due to conflict");
    for (const std::string& key : result.added()) {
      out << "[+] " << key << " added\n";
    }
    PrintUnlisted(out, "[+]", result.added_count(), result.added_size(),
                  "added");
  }
  // Failed files are named as given on the command line.
  absl::flat_hash_map<std::string, std::string> local_paths;
  for (const LocalFile& file : files) {
    local_paths[Basename(file.path)] = file.path;
  }
  absl::flat_hash_set<std::string> failed;
  for (const v1::FailedFile& file : result.failed()) {
    failed.insert(file.filename());
    auto it = local_paths.find(file.filename());
    client.err() << "[!] "
                 << (it == local_paths.end() ? file.filename() : it->second)
                 << ": " << file.reason() << "\n";
  }
  const int64_t failed_count =
      std::max<int64_t>(result.failed_count(), result.failed_size());
  if (failed_count > result.failed_size()) {
    client.err() << "[!] and " << failed_count - result.failed_size()
                 << " more files failed\n";
  }
  // With the failed files not all named, none of the local files is known
  // to have been added.
  if (args.GetBool("remove-files") && failed_count == result.failed_size()) {
    for (const LocalFile& file : files) {
      if (failed.contains(Basename(file.path))) continue;
      std::error_code error;
      std::filesystem::remove(file.path, error);
      if (error) {
        return absl::ErrnoToStatus(error.value(),
                                   absl::StrCat("cannot remove ", file.path));
      }
    }
  }
  if (failed_count > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("some files failed to be added (", failed_count, " of ",
                     files.size(), ")"));
  }
  return absl::OkStatus();
}

// AddThroughUpload checks that repo `name` exists, prints `banner` (unless
// empty, -json or -async), uploads `files` into a fresh upload directory,
// has `submit` start the task that consumes it and reports the result (see
// UploadAndSubmit); then it deletes what is left of the directory.
absl::Status AddThroughUpload(const ParsedArgs& args, Client& client,
                              const std::string& name,
                              const std::vector<LocalFile>& files,
                              absl::string_view banner, SubmitFunction submit) {
  // Nothing is uploaded for a repo that does not exist.
  v1::GetRepoRequest get;
  get.set_name(name);
  v1::Repo repo;
  RETURN_IF_ERROR(
      client.Call(client.repos(), &v1::Repos::Stub::GetRepo, get, &repo));

  if (!banner.empty() && !client.options().json && !client.options().async) {
    client.out() << banner << "\n";
  }
  const std::string directory = TemporaryDirectoryName();
  bool settled = true;
  const absl::Status status =
      UploadAndSubmit(args, client, directory, files, submit, settled);
  if (!settled) {
    // A task still uses the directory: deleting it now could race with
    // it. With -async that is expected; otherwise say where files may
    // remain.
    if (!client.options().async) {
      client.err() << "debrepo: upload directory " << directory
                   << " may keep files; once the task has ended, run "
                      "'debrepo file delete "
                   << directory << "'\n";
    }
    return status;
  }
  const absl::Status cleanup = RemoveTemporaryDirectory(client, directory);
  if (!cleanup.ok()) {
    client.err() << "debrepo: cannot delete upload directory " << directory
                 << " (" << cleanup.message() << "); run 'debrepo file delete "
                 << directory << "'\n";
  }
  return status;
}

// WithListedFiles returns `paths` and, after each .changes or .dsc among
// them and among the files they list, the files it lists, which must be in
// its directory. A path named twice is returned once.
absl::StatusOr<std::vector<std::string>> WithListedFiles(
    absl::Span<const std::string> paths) {
  std::vector<std::string> all;
  absl::flat_hash_set<std::string> seen;
  auto take = [&](std::string path) {
    if (seen.insert(path).second) all.push_back(std::move(path));
  };
  for (const std::string& path : paths) take(path);
  // `all` grows while it is walked: listed .dsc files are expanded too.
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string path = all[i];
    const bool is_changes = absl::EndsWith(path, ".changes");
    if (!is_changes && !absl::EndsWith(path, ".dsc")) continue;
    ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path));
    absl::StatusOr<deb::UploadControl> parsed =
        is_changes ? deb::ParseChanges(text) : deb::ParseDsc(text);
    if (!parsed.ok()) {
      return absl::Status(
          parsed.status().code(),
          absl::StrCat("cannot parse ", path, ": ", parsed.status().message()));
    }
    // The directory part, with its trailing slash ("" for none).
    const std::string directory =
        path.substr(0, path.size() - Basename(path).size());
    for (const deb::ListedFile& listed : parsed->files) {
      std::string listed_path = absl::StrCat(directory, listed.name);
      std::error_code error;
      if (!std::filesystem::exists(listed_path, error)) {
        return absl::NotFoundError(
            absl::StrCat(listed_path, " listed in ", path, " is missing"));
      }
      take(std::move(listed_path));
    }
  }
  return all;
}

absl::Status Add(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  ASSIGN_OR_RETURN(
      const std::vector<std::string> collected,
      CollectFiles(absl::MakeConstSpan(args.arguments).subspan(1)));
  for (const std::string& path : collected) {
    if (absl::EndsWith(path, ".changes")) {
      return UsageError(absl::StrCat("repo add: ", path,
                                     " is a .changes file; include it with "
                                     "`debrepo repo include`"));
    }
  }
  // A .dsc comes with the files it lists.
  ASSIGN_OR_RETURN(const std::vector<std::string> paths,
                   WithListedFiles(collected));
  ASSIGN_OR_RETURN(const std::vector<LocalFile> files, HashFiles(paths));
  return AddThroughUpload(
      args, client, name, files, "Loading packages...",
      [&](const std::string& directory) -> absl::StatusOr<v1::Job> {
        v1::AddFromUploadRequest request;
        request.set_request_id(NewRequestId());
        request.set_name(name);
        request.set_directory(directory);
        request.set_force_replace(args.GetBool("force-replace"));
        v1::Job job;
        RETURN_IF_ERROR(client.Call(
            client.repos(), &v1::Repos::Stub::AddFromUpload, request, &job));
        return job;
      });
}

absl::Status Include(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  const auto changes_paths = absl::MakeConstSpan(args.arguments).subspan(1);
  for (const std::string& path : changes_paths) {
    if (!absl::EndsWith(path, ".changes")) {
      return UsageError(absl::StrCat(
          "repo include: ", path,
          " is not a .changes file; add packages with `debrepo repo add`"));
    }
  }
  ASSIGN_OR_RETURN(const std::vector<std::string> paths,
                   WithListedFiles(changes_paths));
  ASSIGN_OR_RETURN(const std::vector<LocalFile> files, HashFiles(paths));
  return AddThroughUpload(
      args, client, name, files, "",
      [&](const std::string& directory) -> absl::StatusOr<v1::Job> {
        v1::IncludeChangesRequest request;
        request.set_request_id(NewRequestId());
        request.set_name(name);
        request.set_directory(directory);
        request.set_accept_unsigned(args.GetBool("accept-unsigned"));
        request.set_ignore_signature(args.GetBool("ignore-signatures"));
        request.set_force_replace(args.GetBool("force-replace"));
        v1::Job job;
        RETURN_IF_ERROR(client.Call(
            client.repos(), &v1::Repos::Stub::IncludeChanges, request, &job));
        return job;
      });
}

// JoinQuery joins the arguments from `first` on with spaces into one
// package query, as aptly does; an all-blank query is a usage error.
absl::StatusOr<std::string> JoinQuery(const ParsedArgs& args, size_t first,
                                      absl::string_view command) {
  std::string query =
      absl::StrJoin(absl::MakeConstSpan(args.arguments).subspan(first), " ");
  if (query.find_first_not_of(' ') == std::string::npos) {
    return UsageError(absl::StrCat(command, ": QUERY is empty"));
  }
  return query;
}

// CopyOrMove submits `method` (CopyPackages or MovePackages) for
// `repo copy|move SRC DST QUERY...` and prints "[o] KEY <verb>" for each
// package it copied.
absl::Status CopyOrMove(const ParsedArgs& args, Client& client,
                        grpc::Status (v1::Repos::Stub::*method)(
                            grpc::ClientContext*,
                            const v1::CopyPackagesRequest&, v1::Job*),
                        absl::string_view command, absl::string_view verb) {
  v1::CopyPackagesRequest request;
  request.set_request_id(NewRequestId());
  request.set_source(args.arguments[0]);
  request.set_destination(args.arguments[1]);
  ASSIGN_OR_RETURN(*request.mutable_query(), JoinQuery(args, 2, command));
  request.set_with_deps(args.GetBool("with-deps"));
  v1::Job job;
  RETURN_IF_ERROR(client.Call(client.repos(), method, request, &job));
  return client.FollowJob(job, [&](const v1::Job& ended) {
    const v1::CopyPackagesResult& result = ended.result().copy_packages();
    for (const std::string& key : result.copied()) {
      client.out() << "[o] " << key << " " << verb << "\n";
    }
    PrintUnlisted(client.out(), "[o]", result.copied_count(),
                  result.copied_size(), verb);
  });
}

absl::Status Copy(const ParsedArgs& args, Client& client) {
  return CopyOrMove(args, client, &v1::Repos::Stub::CopyPackages, "repo copy",
                    "copied");
}

absl::Status Move(const ParsedArgs& args, Client& client) {
  return CopyOrMove(args, client, &v1::Repos::Stub::MovePackages, "repo move",
                    "moved");
}

absl::Status Remove(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  ASSIGN_OR_RETURN(const std::string query, JoinQuery(args, 1, "repo remove"));
  v1::RemovePackagesRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(name);
  request.set_query(query);
  v1::Job job;
  RETURN_IF_ERROR(client.Call(client.repos(), &v1::Repos::Stub::RemovePackages,
                              request, &job));
  return client.FollowJob(job, [&](const v1::Job& ended) {
    client.out() << "Loading packages...\n";
    const v1::RemovePackagesResult& result = ended.result().remove_packages();
    for (const std::string& key : result.removed()) {
      client.out() << "[-] " << key << " removed\n";
    }
    PrintUnlisted(client.out(), "[-]", result.removed_count(),
                  result.removed_size(), "removed");
  });
}

absl::Status List(const ParsedArgs& args, Client& client) {
  ASSIGN_OR_RETURN(
      const v1::ListReposResponse all,
      client.CallForAllPages(client.repos(), &v1::Repos::Stub::ListRepos,
                             v1::ListReposRequest()));

  std::ostream& out = client.out();
  if (client.options().json) {
    client.PrintJson(all);
  } else if (args.GetBool("raw")) {
    for (const v1::Repo& repo : all.repos()) out << repo.name() << "\n";
  } else if (all.repos().empty()) {
    out << "No local repositories found, create one with "
           "`debrepo repo create ...`.\n";
  } else {
    out << "List of local repos:\n";
    for (const v1::Repo& repo : all.repos()) {
      out << " * [" << repo.name() << "]";
      if (!repo.comment().empty()) out << ": " << repo.comment();
      out << "\n";
    }
    out << "\nTo get more information about local repository, run "
           "`debrepo repo show <name>`.\n";
  }
  return absl::OkStatus();
}

absl::Status Edit(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  v1::UpdateRepoRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(name);
  for (const RepoField& field : kRepoFields) {
    if (!args.Has(field.flag->name)) continue;
    (request.mutable_repo()->*field.set)(args.Get(field.flag->name));
    request.mutable_update_mask()->add_paths(field.mask_path);
  }
  if (request.update_mask().paths().empty()) {
    return UsageError(
        "repo edit: nothing to change; give -comment, -distribution or "
        "-component");
  }
  v1::Job job;
  RETURN_IF_ERROR(
      client.Call(client.repos(), &v1::Repos::Stub::UpdateRepo, request, &job));
  return client.FollowJob(job, [&](const v1::Job&) {
    client.out() << "Local repo [" << name << "] successfully updated.\n";
  });
}

absl::Status Rename(const ParsedArgs& args, Client& client) {
  const std::string& old_name = args.arguments[0];
  const std::string& new_name = args.arguments[1];
  v1::UpdateRepoRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(old_name);
  request.mutable_repo()->set_name(new_name);
  request.mutable_update_mask()->add_paths("name");
  v1::Job job;
  RETURN_IF_ERROR(
      client.Call(client.repos(), &v1::Repos::Stub::UpdateRepo, request, &job));
  return client.FollowJob(job, [&](const v1::Job&) {
    client.out() << "Local repo " << old_name << " -> " << new_name
                 << " has been successfully renamed.\n";
  });
}

absl::Status Drop(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  v1::DeleteRepoRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(name);
  request.set_force(args.GetBool("force"));
  v1::Job job;
  RETURN_IF_ERROR(
      client.Call(client.repos(), &v1::Repos::Stub::DeleteRepo, request, &job));
  return client.FollowJob(job, [&](const v1::Job&) {
    client.out() << "Local repo " << name << " has been removed.\n";
  });
}

}  // namespace

std::vector<Command> RepoCommands() {
  const std::vector<FlagSpec> repo_flags = {kCommentFlag, kDistributionFlag,
                                            kComponentFlag};
  return {
      {{"repo", "create", {"NAME"}, repo_flags, "Create a local repo."},
       &Create},
      {{"repo",
        "show",
        {"NAME"},
        {{"with-packages", true, "", "also list the repo's packages"}},
        "Show a local repo's settings (and packages)."},
       &Show},
      {{"repo",
        "list",
        {},
        {{"raw", true, "", "print names only, one a line"}},
        "List local repos."},
       &List},
      {{"repo",
        "edit",
        {"NAME"},
        repo_flags,
        "Change the settings given as flags."},
       &Edit},
      {{"repo", "rename", {"OLD", "NEW"}, {}, "Rename a local repo."}, &Rename},
      {{"repo",
        "drop",
        {"NAME"},
        {{"force", true, "",
          "drop it even if snapshots or publications refer to it"}},
        "Delete a local repo."},
       &Drop},
      {{"repo",
        "add",
        {"NAME", "FILE|DIR..."},
        {{"force-replace", true, "",
          "replace packages with the same name, version and architecture"},
         {"remove-files", true, "", "delete the local files that were added"}},
        "Add .deb/.udeb/.dsc files, or those in directories, to a local repo."},
       &Add},
      {{"repo",
        "remove",
        {"NAME", "QUERY..."},
        {},
        "Remove the packages matching a query from a local repo."},
       &Remove},
      {{"repo",
        "search",
        {"NAME", "[QUERY]"},
        {},
        "List the keys of a local repo's packages matching a query."},
       &Search},
      {{"repo",
        "copy",
        {"SRC", "DST", "QUERY..."},
        {{"with-deps", true, "",
          "also copy the dependencies (Pre-Depends, Depends) SRC has"}},
        "Copy the packages matching a query from one local repo to another."},
       &Copy},
      {{"repo",
        "move",
        {"SRC", "DST", "QUERY..."},
        {{"with-deps", true, "",
          "also move the dependencies (Pre-Depends, Depends) SRC has"}},
        "Move the packages matching a query from one local repo to another."},
       &Move},
      {{"repo",
        "include",
        {"NAME", "CHANGES..."},
        {{"accept-unsigned", true, "", "accept unsigned .changes files"},
         {"ignore-signatures", true, "",
          "do not check the signatures of .changes files"},
         {"force-replace", true, "",
          "replace packages with the same name, version and architecture"}},
        "Add the packages listed by .changes files to a local repo."},
       &Include},
  };
}

}  // namespace debrepo::cli
