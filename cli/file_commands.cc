#include "cli/file_commands.h"

#include <filesystem>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "cli/upload.h"
#include "common/status_macros.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

absl::Status Upload(const ParsedArgs& args, Client& client) {
  const std::string& directory = args.arguments[0];
  std::error_code error;
  if (std::filesystem::is_regular_file(directory, error) &&
      !std::filesystem::exists(args.arguments.back(), error)) {
    // aptly's order is DIR first; a local file there means it was swapped.
    return UsageError(
        absl::StrCat("file upload: \"", directory,
                     "\" is a local file; the upload directory comes first"));
  }
  ASSIGN_OR_RETURN(const std::vector<LocalFile> files,
                   HashFiles(absl::MakeConstSpan(args.arguments).subspan(1)));
  // One stream: each upload's files (or, with -async, its task) are
  // reported in the order given.
  return SendFiles(
      client, directory, files, /*streams=*/1,
      [&](const v1::Job& job, absl::Span<const LocalFile> recorded) {
        return client.FollowJob(job, [&](const v1::Job&) {
          for (const LocalFile& file : recorded) {
            client.out() << "File " << file.path << " uploaded to "
                         << directory;
            if (file.stored_name != Basename(file.path)) {
              client.out() << " as " << file.stored_name;
            }
            client.out() << ".\n";
          }
        });
      });
}

absl::Status List(const ParsedArgs& args, Client& client) {
  std::ostream& out = client.out();
  if (args.arguments.empty()) {
    ASSIGN_OR_RETURN(
        const v1::ListUploadDirectoriesResponse response,
        client.CallForAllPages(client.files(),
                               &v1::Files::Stub::ListUploadDirectories,
                               v1::ListUploadDirectoriesRequest()));
    if (client.options().json) {
      client.PrintJson(response);
    } else {
      for (const v1::UploadDirectory& directory : response.directories()) {
        out << directory.name() << "\n";
      }
    }
    return absl::OkStatus();
  }
  v1::ListUploadFilesRequest request;
  request.set_directory(args.arguments[0]);
  request.set_page_size(10000);
  ASSIGN_OR_RETURN(
      const v1::ListUploadFilesResponse response,
      client.CallForAllPages(client.files(), &v1::Files::Stub::ListUploadFiles,
                             request));
  if (client.options().json) {
    client.PrintJson(response);
  } else {
    for (const v1::UploadFile& file : response.files()) {
      out << file.filename() << "\n";
    }
  }
  return absl::OkStatus();
}

absl::Status Delete(const ParsedArgs& args, Client& client) {
  const std::string& directory = args.arguments[0];
  const bool one_file = args.arguments.size() > 1;
  if (one_file && args.arguments[1].empty()) {
    // An empty filename would delete the whole directory.
    return UsageError(
        "file delete: FILE is empty; leave it out to delete the whole "
        "directory");
  }
  v1::DeleteUploadRequest request;
  request.set_request_id(NewRequestId());
  request.set_directory(directory);
  if (one_file) request.set_filename(args.arguments[1]);
  v1::Job job;
  RETURN_IF_ERROR(client.Call(client.files(), &v1::Files::Stub::DeleteUpload,
                              request, &job));
  return client.FollowJob(job, [&](const v1::Job&) {
    if (one_file) {
      client.out() << "Deleted " << request.filename() << " from " << directory
                   << ".\n";
    } else {
      client.out() << "Deleted directory " << directory << ".\n";
    }
  });
}

}  // namespace

std::vector<Command> FileCommands() {
  return {
      {{"file",
        "upload",
        {"DIR", "FILE..."},
        {},
        "Upload local files into an upload directory."},
       &Upload},
      {{"file",
        "list",
        {"[DIR]"},
        {},
        "List upload directories, or the files in one."},
       &List},
      {{"file",
        "delete",
        {"DIR", "[FILE]"},
        {},
        "Delete a file from an upload directory, or the whole directory."},
       &Delete},
  };
}

}  // namespace debrepo::cli
