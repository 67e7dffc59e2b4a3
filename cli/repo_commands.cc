#include "cli/repo_commands.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
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
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "cli/package_commands.h"
#include "cli/queries.h"
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

absl::Status Show(const ParsedArgs& args, Client& client) {
  const bool with_packages = args.GetBool("with-packages");
  v1::GetRepoRequest request;
  request.set_name(args.arguments[0]);
  v1::Repo repo;
  RETURN_IF_ERROR(
      client.Call(client.repos(), &v1::Repos::Stub::GetRepo, request, &repo));
  // The keys are listed to count them, as aptly shows the count.
  ASSIGN_OR_RETURN(
      const v1::ListRepoPackagesResponse packages,
      ListAllPackagesOf(client, client.repos(),
                        &v1::Repos::Stub::ListRepoPackages, repo.name(), ""));
  std::ostream& out = client.out();
  if (client.options().json) {
    if (!with_packages) {
      client.PrintJson(repo);
      return absl::OkStatus();
    }
    PrintJsonWithPackages(client, "repo", repo, packages.packages());
    return absl::OkStatus();
  }
  out << "Name: " << repo.name() << "\n"
      << "Comment: " << repo.comment() << "\n"
      << "Default Distribution: " << repo.default_distribution() << "\n"
      << "Default Component: " << repo.default_component() << "\n"
      << "Number of packages: " << packages.packages_size() << "\n";
  if (!repo.snapshots().empty()) {
    out << "Snapshots made from it:\n";
    for (const std::string& snapshot : repo.snapshots()) {
      out << "  " << snapshot << "\n";
    }
  }
  if (with_packages) PrintPackageList(args, out, packages.packages());
  return absl::OkStatus();
}

absl::Status Search(const ParsedArgs& args, Client& client) {
  return SearchWithin(args, client, client.repos(),
                      &v1::Repos::Stub::ListRepoPackages);
}

// IsPackageFile reports whether `filename` names a package file, one that
// `repo add` takes from a directory.
bool IsPackageFile(absl::string_view filename) {
  return absl::EndsWith(filename, ".deb") ||
         absl::EndsWith(filename, ".udeb") || absl::EndsWith(filename, ".dsc");
}

// FilesIn returns the regular files under `directory`, in it and in its
// subdirectories (symbolic links to directories are not followed), whose
// names `wanted` accepts, sorted by path.
absl::StatusOr<std::vector<std::string>> FilesIn(
    const std::string& directory,
    absl::FunctionRef<bool(absl::string_view filename)> wanted) {
  namespace fs = std::filesystem;
  std::vector<std::string> found;
  std::error_code error;
  fs::recursive_directory_iterator it(directory, error);
  for (; !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    std::error_code type_error;
    if (wanted(it->path().filename().string()) &&
        it->is_regular_file(type_error)) {
      found.push_back(it->path().string());
    }
  }
  if (error) {
    return absl::ErrnoToStatus(error.value(),
                               absl::StrCat("cannot read ", directory));
  }
  std::sort(found.begin(), found.end());
  return found;
}

// IsDirectory reports whether `path` is a directory (or a link to one).
bool IsDirectory(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error);
}

// Exists reports whether something is at `path`.
bool Exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}

// CollectFiles expands the FILE|DIR arguments of `repo add` as aptly does:
// a directory stands for the .deb, .udeb and .dsc files in it and in its
// subdirectories, sorted by path; anything else is taken as a file. It
// says on `out` (unless null) how many files it found in each directory.
absl::StatusOr<std::vector<std::string>> CollectFiles(
    absl::Span<const std::string> arguments, std::ostream* out) {
  std::vector<std::string> paths;
  std::vector<std::string> directories;
  for (const std::string& argument : arguments) {
    if (!IsDirectory(argument)) {
      paths.push_back(argument);
      continue;
    }
    directories.push_back(argument);
    ASSIGN_OR_RETURN(const std::vector<std::string> found,
                     FilesIn(argument, IsPackageFile));
    if (out != nullptr) {
      *out << "Found " << found.size()
           << (found.size() == 1 ? " file" : " files")
           << " (.deb, .udeb, .dsc) in " << argument
           << " and its subdirectories.\n";
    }
    paths.insert(paths.end(), found.begin(), found.end());
  }
  if (paths.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no packages to add: no .deb, .udeb or .dsc files in ",
        absl::StrJoin(directories, ", "), " or their subdirectories"));
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

// WithNote returns `status` with `note` on a line of its own after its
// message (`status` itself when OK).
absl::Status WithNote(const absl::Status& status, absl::string_view note) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(status.message(), "\n", note));
}

// SubmitFunction submits the repo task that consumes upload directory
// `directory` and returns its job, as submitted.
using SubmitFunction =
    absl::FunctionRef<absl::StatusOr<v1::Job>(const std::string& directory)>;

// UploadProgress is how far filling an upload directory for a repo task
// got: it decides what is left to clean up, and by whom.
struct UploadProgress {
  // The uploads whose jobs are not known to have ended. Upload streams
  // write it at once.
  absl::Mutex mu;
  absl::btree_set<int64_t> unfinished_uploads ABSL_GUARDED_BY(mu);
  // The repo task, once submitted (0 before).
  int64_t task = 0;
  // Whether the task is known to have ended.
  bool task_ended = false;
};

// UploadAndSubmit uploads `files` into the fresh upload directory
// `directory`, has `submit` start the task that consumes it, and reports
// the task's AddFromUploadResult (see Add), recording in `progress` how
// far it got.
absl::Status UploadAndSubmit(const ParsedArgs& args, Client& client,
                             const std::string& directory,
                             const std::vector<LocalFile>& files,
                             SubmitFunction submit, UploadProgress& progress) {
  // Every upload is recorded before the repo task reads the directory
  // (also with -async).
  RETURN_IF_ERROR(
      SendFiles(client, directory, files, kUploadStreams,
                [&](const v1::Job& job, absl::Span<const LocalFile>) {
                  {
                    absl::MutexLock lock(&progress.mu);
                    progress.unfinished_uploads.insert(job.id());
                  }
                  absl::StatusOr<v1::Job> ended = client.WaitForJob(job.id());
                  if (!ended.ok()) return ended.status();
                  absl::MutexLock lock(&progress.mu);
                  progress.unfinished_uploads.erase(job.id());
                  return EndedJobStatus(*ended);
                }));

  ASSIGN_OR_RETURN(const v1::Job job, submit(directory));
  progress.task = job.id();
  if (client.options().async) {
    return client.FollowJob(job, [](const v1::Job&) {});
  }
  ASSIGN_OR_RETURN(const v1::Job ended, client.WaitForJob(job.id()));
  progress.task_ended = true;
  if (client.options().json) client.PrintJson(ended);
  RETURN_IF_ERROR(EndedJobStatus(ended));

  const v1::AddFromUploadResult& result = ended.result().add_from_upload();
  std::ostream& out = client.out();
  if (!client.options().json) {
    for (const std::string& key : result.replaced()) {
      out << "[-] " << PackageLabel(args, key)
          << " removed due to conflict with package being added\n";
    }
    PrintUnlisted(out, "[-]", result.replaced_count(), result.replaced_size(),
                  "removed due to conflict");
    for (const std::string& key : result.added()) {
      out << "[+] " << PackageLabel(args, key) << " added\n";
    }
    PrintUnlisted(out, "[+]", result.added_count(), result.added_size(),
                  "added");
  }
  // Failed files are named as given on the command line.
  absl::flat_hash_map<std::string, std::string> local_paths;
  for (const LocalFile& file : files) {
    local_paths[file.stored_name] = file.path;
  }
  absl::flat_hash_set<std::string> failed;
  for (const v1::FailedFile& file : result.failed()) {
    failed.insert(file.filename());
    auto it = local_paths.find(file.filename());
    client.err() << "[!] "
                 << (it == local_paths.end() ? file.filename() : it->second)
                 << ": " << InFlagTerms(file.reason()) << "\n";
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
      if (failed.contains(file.stored_name)) continue;
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

// CheckRepoExists returns GetRepo's error for repo `name`, followed by
// `hint` (unless empty) when the repo does not exist or the name is not
// valid, so that nothing is uploaded for a repo that cannot take it.
absl::Status CheckRepoExists(Client& client, const std::string& name,
                             absl::string_view hint) {
  v1::GetRepoRequest get;
  get.set_name(name);
  v1::Repo repo;
  const absl::Status status =
      client.Call(client.repos(), &v1::Repos::Stub::GetRepo, get, &repo);
  if (!hint.empty() &&
      (absl::IsNotFound(status) || absl::IsInvalidArgument(status))) {
    return WithNote(status, hint);
  }
  return status;
}

// AddThroughUpload uploads `files` into `directory`, a fresh upload
// directory, has `submit` start the task that consumes it and reports the
// result (see UploadAndSubmit); then it deletes what is left of the
// directory, unless `keep_directory` (the task was told to keep the files
// it adds). When the task may still run, when the client was interrupted
// or when -timeout passed, the error says what becomes of the directory:
// deleted (no task had been submitted), or left to the task, and what to
// run once it has ended.
absl::Status AddThroughUpload(const ParsedArgs& args, Client& client,
                              const std::string& directory,
                              const std::vector<LocalFile>& files,
                              bool keep_directory, SubmitFunction submit) {
  UploadProgress progress;
  absl::Status status =
      UploadAndSubmit(args, client, directory, files, submit, progress);
  if (client.options().async && status.ok()) return status;
  // What is left is cleaned up also after an interruption.
  const bool interrupted = client.interrupted();
  client.ResumeAfterInterrupt();
  const std::string delete_later = absl::StrCat(
      "once it has ended, run 'debrepo file delete ", directory, "'");
  if (progress.task != 0 && !progress.task_ended) {
    // The task goes on: deleting the directory now would race with it.
    return WithNote(
        status,
        absl::StrCat(
            "Task ", progress.task, " was already submitted and goes on: ",
            keep_directory
                ? absl::StrCat("it leaves the files in upload directory ",
                               directory, "; ", delete_later, ".")
                : absl::StrCat("it takes the files it adds out of upload "
                               "directory ",
                               directory, "; files it cannot add stay there: ",
                               delete_later, ".")));
  }
  // Interrupted while uploads were being recorded: the directory can be
  // deleted once they are. Otherwise (-timeout passed) leave it.
  absl::btree_set<int64_t> unfinished;
  {
    absl::MutexLock lock(&progress.mu);
    unfinished = progress.unfinished_uploads;
  }
  if (interrupted) {
    absl::erase_if(unfinished,
                   [&](int64_t id) { return client.WaitForJob(id).ok(); });
  }
  if (!unfinished.empty()) {
    return WithNote(
        status,
        absl::StrCat("No task will take the files of upload directory ",
                     directory, ": once ",
                     unfinished.size() == 1 ? "task " : "tasks ",
                     absl::StrJoin(unfinished, ", "),
                     unfinished.size() == 1 ? " has" : " have",
                     " ended, run 'debrepo file delete ", directory, "'."));
  }
  // The task was told to keep what it added.
  if (keep_directory && progress.task != 0) return status;
  const absl::Status cleanup = RemoveTemporaryDirectory(client, directory);
  if (!cleanup.ok()) {
    const std::string note = absl::StrCat(
        "Cannot delete upload directory ", directory, " (", cleanup.message(),
        "); run 'debrepo file delete ", directory, "'.");
    if (!status.ok()) return WithNote(status, note);
    client.err() << "debrepo: " << note << "\n";
    return status;
  }
  if (interrupted && progress.task == 0) {
    return absl::CancelledError(absl::StrCat(
        "interrupted before the task was submitted; nothing was added, and "
        "upload directory ",
        directory, " was deleted"));
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
  const auto arguments = absl::MakeConstSpan(args.arguments).subspan(1);
  const bool quiet = client.options().json || client.options().async;
  if (!quiet) client.out() << "Loading packages...\n";
  // aptly's order is NAME first; a local path there means it was swapped.
  const std::string hint =
      Exists(name) ? absl::StrCat("\"", name,
                                  "\" is a local file or directory; the repo "
                                  "name comes first: debrepo repo add NAME "
                                  "FILE|DIR...")
                   : "";
  // An argument that is neither a file nor a directory is reported by
  // HashFiles; a swapped NAME is reported first.
  if (!hint.empty() && !Exists(arguments.back())) {
    RETURN_IF_ERROR(CheckRepoExists(client, name, hint));
  }
  ASSIGN_OR_RETURN(const std::vector<std::string> collected,
                   CollectFiles(arguments, quiet ? nullptr : &client.out()));
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
  RETURN_IF_ERROR(CheckRepoExists(client, name, hint));
  return AddThroughUpload(
      args, client, TemporaryDirectoryName(), files, /*keep_directory=*/false,
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

// kDefaultRepoTemplate is aptly's default -repo of `repo include`.
constexpr absl::string_view kDefaultRepoTemplate = "{{.Distribution}}";

// ExpandRepoTemplate returns `repo_template` (aptly's -repo of `repo
// include`) with each "{{.Field}}" replaced by that field of `changes`,
// e.g. "{{.Distribution}}" by "unstable"; a field `changes` lacks, or an
// unclosed "{{", is an error naming `path`.
absl::StatusOr<std::string> ExpandRepoTemplate(absl::string_view repo_template,
                                               const deb::Paragraph& changes,
                                               absl::string_view path) {
  std::string name;
  absl::string_view rest = repo_template;
  while (true) {
    const size_t open = rest.find("{{");
    if (open == absl::string_view::npos) break;
    absl::StrAppend(&name, rest.substr(0, open));
    rest.remove_prefix(open + 2);
    const size_t close = rest.find("}}");
    if (close == absl::string_view::npos) {
      return UsageError(absl::StrCat("flag -repo: \"", repo_template,
                                     "\" has \"{{\" without \"}}\""));
    }
    absl::string_view field = absl::StripAsciiWhitespace(rest.substr(0, close));
    rest.remove_prefix(close + 2);
    if (!absl::ConsumePrefix(&field, ".") || field.empty()) {
      return UsageError(absl::StrCat("flag -repo: \"", repo_template,
                                     "\": write a field as {{.Field}}, e.g. ",
                                     kDefaultRepoTemplate));
    }
    const std::optional<absl::string_view> value = changes.Get(field);
    if (!value.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag -repo: ", path, " has no ", field, " field"));
    }
    absl::StrAppend(&name, absl::StripAsciiWhitespace(*value));
  }
  absl::StrAppend(&name, rest);
  return name;
}

// IsChangesFile reports whether `filename` names a .changes file.
bool IsChangesFile(absl::string_view filename) {
  return absl::EndsWith(filename, ".changes");
}

// CollectChanges expands the CHANGES|DIR arguments of `repo include` as
// aptly does: a directory stands for the .changes files in it and in its
// subdirectories, sorted by path. Another argument must be a .changes
// file.
absl::StatusOr<std::vector<std::string>> CollectChanges(
    absl::Span<const std::string> arguments) {
  std::vector<std::string> paths;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (IsDirectory(argument)) {
      ASSIGN_OR_RETURN(const std::vector<std::string> found,
                       FilesIn(argument, IsChangesFile));
      if (found.empty()) {
        return absl::NotFoundError(absl::StrCat(
            "no .changes files in ", argument, " or its subdirectories"));
      }
      paths.insert(paths.end(), found.begin(), found.end());
    } else if (i == 0 && !IsChangesFile(argument) && !Exists(argument)) {
      // The form before aptly's, `repo include NAME CHANGES...`.
      return UsageError(absl::StrCat(
          "repo include: \"", argument,
          "\" is not a file or directory; the repo comes from -repo "
          "(default ",
          kDefaultRepoTemplate,
          ", the .changes' Distribution): -repo=", argument));
    } else if (!IsChangesFile(argument)) {
      return UsageError(absl::StrCat(
          "repo include: ", argument,
          " is not a .changes file or a directory; add packages with "
          "`debrepo repo add`"));
    } else {
      paths.push_back(argument);
    }
  }
  return paths;
}

// ChangesForRepo is the .changes files that go to one repo.
struct ChangesForRepo {
  std::string repo;
  std::vector<std::string> changes;
};

// GroupByRepo reads each of `changes` and groups them by the repo
// `repo_template` names for them, in the order first named.
absl::StatusOr<std::vector<ChangesForRepo>> GroupByRepo(
    absl::Span<const std::string> changes, absl::string_view repo_template) {
  std::vector<ChangesForRepo> groups;
  for (const std::string& path : changes) {
    ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path));
    absl::StatusOr<deb::UploadControl> parsed = deb::ParseChanges(text);
    if (!parsed.ok()) {
      return absl::Status(
          parsed.status().code(),
          absl::StrCat("cannot parse ", path, ": ", parsed.status().message()));
    }
    ASSIGN_OR_RETURN(
        const std::string repo,
        ExpandRepoTemplate(repo_template, parsed->paragraph, path));
    auto it = std::find_if(
        groups.begin(), groups.end(),
        [&](const ChangesForRepo& group) { return group.repo == repo; });
    if (it == groups.end()) {
      groups.push_back({repo, {}});
      it = groups.end() - 1;
    }
    it->changes.push_back(path);
  }
  return groups;
}

absl::Status Include(const ParsedArgs& args, Client& client) {
  for (absl::string_view flag : {"keyring", "uploaders-file"}) {
    if (args.Has(flag)) {
      return UsageError(absl::StrCat(
          "repo include: -", flag,
          " is not supported: the workers check signatures against their "
          "own keyrings (debrepo-worker --trusted_keyrings), whoever "
          "uploads; have the operator add the key there, or pass "
          "-ignore-signatures"));
    }
  }
  const std::string repo_template =
      args.Has("repo") ? args.Get("repo") : std::string(kDefaultRepoTemplate);
  ASSIGN_OR_RETURN(const std::vector<std::string> changes,
                   CollectChanges(args.arguments));
  ASSIGN_OR_RETURN(const std::vector<ChangesForRepo> groups,
                   GroupByRepo(changes, repo_template));
  const bool keep = args.GetBool("no-remove-files");
  const bool quiet = client.options().json || client.options().async;
  absl::Status status;
  for (const ChangesForRepo& group : groups) {
    if (!quiet) {
      for (const std::string& path : group.changes) {
        client.out() << "Loading repository " << group.repo
                     << " for changes file " << path << "...\n";
      }
    }
    const std::string hint =
        args.Has("repo")
            ? ""
            : absl::StrCat("The repo is named by -repo (default ",
                           kDefaultRepoTemplate,
                           ", the .changes' "
                           "Distribution); choose one with -repo=NAME.");
    ASSIGN_OR_RETURN(const std::vector<std::string> paths,
                     WithListedFiles(group.changes));
    ASSIGN_OR_RETURN(const std::vector<LocalFile> files, HashFiles(paths));
    RETURN_IF_ERROR(CheckRepoExists(client, group.repo, hint));
    const std::string directory = TemporaryDirectoryName();
    const absl::Status included = AddThroughUpload(
        args, client, directory, files, keep,
        [&](const std::string& directory) -> absl::StatusOr<v1::Job> {
          v1::IncludeChangesRequest request;
          request.set_request_id(NewRequestId());
          request.set_name(group.repo);
          request.set_directory(directory);
          request.set_accept_unsigned(args.GetBool("accept-unsigned"));
          request.set_ignore_signature(args.GetBool("ignore-signatures"));
          request.set_force_replace(args.GetBool("force-replace"));
          request.set_no_remove_files(keep);
          v1::Job job;
          RETURN_IF_ERROR(client.Call(
              client.repos(), &v1::Repos::Stub::IncludeChanges, request, &job));
          return job;
        });
    if (!quiet && (included.ok() || absl::IsFailedPrecondition(included))) {
      // Say what became of the uploaded copies; local files stay.
      if (keep) {
        client.out() << "The uploaded copies stay in upload directory "
                     << directory << " (-no-remove-files); delete them with "
                     << "'debrepo file delete " << directory << "'.\n";
      } else {
        client.out() << "The uploaded copies were removed (upload directory "
                     << directory << "); local files are kept.\n";
      }
    }
    // An interrupted or abandoned wait ends the command; refused .changes
    // do not stop the other repos'.
    if (!included.ok() && !absl::IsFailedPrecondition(included)) {
      return included;
    }
    if (status.ok()) status = included;
  }
  return status;
}

// DryRunFlag is -dry-run of the commands that change packages.
const FlagSpec kDryRunFlag = {"dry-run", true, "",
                              "show what would change, and change nothing"};

// kDryRunNote ends the output of a dry run, as aptly's does.
constexpr absl::string_view kDryRunNote =
    "\nChanges not saved, as dry run has been requested.\n";

// CheckDryRun returns an error when a dry run was asked for but the result
// (`result_dry_run`) says changes were made, e.g. by a worker too old to
// know dry runs.
absl::Status CheckDryRun(const ParsedArgs& args, bool result_dry_run) {
  if (!args.GetBool(kDryRunFlag.name) || result_dry_run) {
    return absl::OkStatus();
  }
  return absl::InternalError(
      "-dry-run was ignored by the worker that ran the task (an older "
      "version?): the changes above WERE made");
}

// SubmitCopy submits `method` of the Repos service with `request` (a copy,
// move or import) and prints "[o] NAME <verb>" for each package the job
// copied (its CopyPackagesResult).
template <typename Request>
absl::Status SubmitCopy(const ParsedArgs& args, Client& client,
                        grpc::Status (v1::Repos::Stub::*method)(
                            grpc::ClientContext*, const Request&, v1::Job*),
                        const Request& request, absl::string_view verb) {
  bool dry_run = false;
  RETURN_IF_ERROR(
      client.Submit(client.repos(), method, request, [&](const v1::Job& ended) {
        const v1::CopyPackagesResult& result = ended.result().copy_packages();
        dry_run = result.dry_run();
        for (const std::string& key : result.copied()) {
          client.out() << "[o] " << PackageLabel(args, key) << " " << verb
                       << "\n";
        }
        PrintUnlisted(client.out(), "[o]", result.copied_count(),
                      result.copied_size(), verb);
        if (dry_run) client.out() << kDryRunNote;
      }));
  if (client.options().json || client.options().async) return absl::OkStatus();
  return CheckDryRun(args, dry_run);
}

// CopyOrMove submits `method` (CopyPackages or MovePackages) for
// `repo copy|move SRC DST QUERY...` (see SubmitCopy).
absl::Status CopyOrMove(const ParsedArgs& args, Client& client,
                        grpc::Status (v1::Repos::Stub::*method)(
                            grpc::ClientContext*,
                            const v1::CopyPackagesRequest&, v1::Job*),
                        absl::string_view verb) {
  v1::CopyPackagesRequest request;
  request.set_request_id(NewRequestId());
  request.set_source(args.arguments[0]);
  request.set_destination(args.arguments[1]);
  ASSIGN_OR_RETURN(
      *request.mutable_query(),
      QueryFromArguments(absl::MakeConstSpan(args.arguments).subspan(2)));
  request.set_with_deps(args.GetBool("with-deps"));
  request.set_dry_run(args.GetBool(kDryRunFlag.name));
  return SubmitCopy(args, client, method, request, verb);
}

absl::Status Copy(const ParsedArgs& args, Client& client) {
  return CopyOrMove(args, client, &v1::Repos::Stub::CopyPackages, "copied");
}

absl::Status Move(const ParsedArgs& args, Client& client) {
  return CopyOrMove(args, client, &v1::Repos::Stub::MovePackages, "moved");
}

absl::Status Import(const ParsedArgs& args, Client& client) {
  if (args.GetBool("with-deps") && args.GetBool("no-deps")) {
    return UsageError(
        "repo import: -with-deps and -no-deps exclude each other "
        "(dependencies are imported unless -no-deps)");
  }
  v1::ImportFromMirrorRequest request;
  request.set_request_id(NewRequestId());
  request.set_mirror(args.arguments[0]);
  request.set_repo(args.arguments[1]);
  ASSIGN_OR_RETURN(
      *request.mutable_query(),
      QueryFromArguments(absl::MakeConstSpan(args.arguments).subspan(2)));
  request.set_no_deps(args.GetBool("no-deps"));
  for (std::string& architecture : args.GetList("architectures")) {
    request.add_architectures(std::move(architecture));
  }
  request.set_dry_run(args.GetBool(kDryRunFlag.name));
  return SubmitCopy(args, client, &v1::Repos::Stub::ImportFromMirror, request,
                    "imported");
}

absl::Status Remove(const ParsedArgs& args, Client& client) {
  const std::string& name = args.arguments[0];
  v1::RemovePackagesRequest request;
  request.set_request_id(NewRequestId());
  request.set_name(name);
  ASSIGN_OR_RETURN(
      *request.mutable_query(),
      QueryFromArguments(absl::MakeConstSpan(args.arguments).subspan(1)));
  request.set_dry_run(args.GetBool(kDryRunFlag.name));
  v1::Job job;
  RETURN_IF_ERROR(client.Call(client.repos(), &v1::Repos::Stub::RemovePackages,
                              request, &job));
  bool dry_run = false;
  RETURN_IF_ERROR(client.FollowJob(job, [&](const v1::Job& ended) {
    client.out() << "Loading packages...\n";
    const v1::RemovePackagesResult& result = ended.result().remove_packages();
    dry_run = result.dry_run();
    for (const std::string& key : result.removed()) {
      client.out() << "[-] " << PackageLabel(args, key) << " removed\n";
    }
    PrintUnlisted(client.out(), "[-]", result.removed_count(),
                  result.removed_size(), "removed");
    if (dry_run) client.out() << kDryRunNote;
  }));
  if (client.options().json || client.options().async) return absl::OkStatus();
  return CheckDryRun(args, dry_run);
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
  const FlagSpec force_replace = {
      "force-replace", true, "",
      "replace packages with the same name, version and architecture"};
  return {
      {{"repo", "create", {"NAME"}, repo_flags, "Create a local repo."},
       &Create},
      {{"repo",
        "show",
        {"NAME"},
        {{"with-packages", true, "", "also list the repo's packages"},
         kKeysFlag},
        "Show a local repo's settings, package count and packages."},
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
        {force_replace,
         {"remove-files", true, "", "delete the local files that were added"},
         kKeysFlag},
        "Add .deb/.udeb/.dsc files, also from directory trees, to a repo."},
       &Add},
      {{"repo",
        "remove",
        {"NAME", "QUERY..."},
        {kDryRunFlag, kKeysFlag},
        "Remove the packages matching queries from a local repo."},
       &Remove},
      {{"repo",
        "search",
        {"NAME", "[QUERY]"},
        {kKeysFlag},
        "List a local repo's packages matching a query."},
       &Search},
      {{"repo",
        "copy",
        {"SRC", "DST", "QUERY..."},
        {{"with-deps", true, "",
          "also copy the dependencies (Pre-Depends, Depends) SRC has"},
         kDryRunFlag,
         kKeysFlag},
        "Copy the packages matching queries from one local repo to another."},
       &Copy},
      {{"repo",
        "move",
        {"SRC", "DST", "QUERY..."},
        {{"with-deps", true, "",
          "also move the dependencies (Pre-Depends, Depends) SRC has"},
         kDryRunFlag,
         kKeysFlag},
        "Move the packages matching queries from one local repo to another."},
       &Move},
      {{"repo",
        "import",
        {"MIRROR", "REPO", "QUERY..."},
        {{"no-deps", true, "",
          "import only the matching packages, not what they depend on"},
         {"with-deps", true, "",
          "accepted for aptly's scripts: dependencies are imported unless "
          "-no-deps"},
         {"architectures", false, "LIST",
          "comma-separated architectures to resolve dependencies for "
          "(default: those of the mirror's packages)"},
         kDryRunFlag,
         kKeysFlag},
        "Import the packages matching queries, with dependencies, from a "
        "mirror."},
       &Import},
      {{"repo",
        "include",
        {"CHANGES|DIR..."},
        {{"repo", false, "TEMPLATE",
          "the repo, with {{.Field}} from the .changes (default "
          "{{.Distribution}})"},
         {"no-remove-files", true, "",
          "keep the uploaded copies in their upload directory"},
         {"accept-unsigned", true, "", "accept unsigned .changes files"},
         {"ignore-signatures", true, "",
          "do not check the signatures of .changes files"},
         force_replace,
         {"keyring", false, "FILE", "not supported: workers' keyrings decide"},
         {"uploaders-file", false, "FILE", "not supported"},
         kKeysFlag},
        "Add the packages .changes files list to the repos they name."},
       &Include},
  };
}

}  // namespace debrepo::cli
