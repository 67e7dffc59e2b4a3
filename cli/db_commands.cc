#include "cli/db_commands.h"

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/human_bytes.h"
#include "common/status_macros.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

// PrintCleanup prints what a cleanup did, in the lines of aptly's `db
// cleanup` that say so (its lines about loading and listing are progress,
// not results, and the task ran elsewhere).
void PrintCleanup(const v1::CleanupResult& cleanup, bool verbose,
                  std::ostream& out) {
  out << "Deleting unreferenced packages (" << cleanup.deleted_package_count()
      << ")...\n";
  if (cleanup.deleted_package_count() > 0) {
    if (verbose) {
      out << "List of package keys to delete:\n";
      for (const std::string& key : cleanup.deleted_packages()) {
        out << " - " << key << "\n";
      }
      if (cleanup.deleted_packages_size() < cleanup.deleted_package_count()) {
        out << " ... and "
            << cleanup.deleted_package_count() - cleanup.deleted_packages_size()
            << " more\n";
      }
    }
    if (cleanup.dry_run()) {
      out << "Skipped deletion, as -dry-run has been requested.\n";
    }
  }
  out << "Deleting unreferenced files (" << cleanup.deleted_file_count()
      << ")...\n";
  if (cleanup.deleted_file_count() > 0) {
    if (cleanup.dry_run()) {
      out << "Skipped file deletion, as -dry-run has been requested.\n";
    } else {
      out << "Disk space freed: " << HumanBytes(cleanup.deleted_bytes())
          << "...\n";
    }
  }
}

absl::Status Cleanup(const ParsedArgs& args, Client& client) {
  v1::CleanupRequest request;
  request.set_request_id(NewRequestId());
  request.set_dry_run(args.GetBool("dry-run"));
  v1::Job job;
  RETURN_IF_ERROR(
      client.Call(client.admin(), &v1::Admin::Stub::Cleanup, request, &job));
  return client.FollowJob(job, [&](const v1::Job& ended) {
    PrintCleanup(ended.result().cleanup(), args.GetBool("verbose"),
                 client.out());
  });
}

}  // namespace

std::vector<Command> DbCommands() {
  return {
      {{"db",
        "cleanup",
        {},
        {{"dry-run", true, "", "report what would be deleted, delete nothing"},
         {"verbose", true, "", "list the packages deleted"}},
        "Delete the packages no repo, snapshot or publication holds, and the "
        "stored files nothing refers to."},
       &Cleanup},
  };
}

}  // namespace debrepo::cli
