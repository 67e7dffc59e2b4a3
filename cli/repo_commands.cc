#include "cli/repo_commands.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

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
  v1::GetRepoRequest request;
  request.set_name(args.arguments[0]);
  v1::Repo repo;
  RETURN_IF_ERROR(
      client.Call(client.repos(), &v1::Repos::Stub::GetRepo, request, &repo));
  if (client.options().json) {
    client.PrintJson(repo);
    return absl::OkStatus();
  }
  client.out() << "Name: " << repo.name() << "\n"
               << "Comment: " << repo.comment() << "\n"
               << "Default Distribution: " << repo.default_distribution()
               << "\n"
               << "Default Component: " << repo.default_component() << "\n";
  return absl::OkStatus();
}

absl::Status List(const ParsedArgs& args, Client& client) {
  v1::ListReposResponse all;
  v1::ListReposRequest request;
  do {
    v1::ListReposResponse page;
    RETURN_IF_ERROR(client.Call(client.repos(), &v1::Repos::Stub::ListRepos,
                                request, &page));
    all.mutable_repos()->MergeFrom(page.repos());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());

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
      {{"repo", "show", {"NAME"}, {}, "Show a local repo's settings."}, &Show},
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
  };
}

}  // namespace debrepo::cli
