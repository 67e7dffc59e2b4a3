#include "cli/fake_server.h"

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/client.h"
#include "google/protobuf/repeated_field.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace debrepo::cli {

namespace v1 = ::debrepo::v1;

namespace {

// ServePage answers one page of `items` for a List request: page tokens are
// offsets, and a page holds at most `limit` items (and the page_size asked
// for, 1,000 when none).
template <typename T, typename Request, typename Response>
void ServePage(const std::vector<T>& items, int limit, const Request& request,
               google::protobuf::RepeatedPtrField<T>& page,
               Response& response) {
  const size_t start =
      request.page_token().empty() ? 0 : std::stoul(request.page_token());
  const size_t size = std::min<size_t>(
      request.page_size() > 0 ? request.page_size() : 1000, limit);
  const size_t end = std::min(items.size(), start + size);
  for (size_t i = start; i < end; ++i) *page.Add() = items[i];
  if (end < items.size()) response.set_next_page_token(absl::StrCat(end));
}

// ServePage copies into `page` the page of `items` that `page_token`
// starts (two to a page; the token is the index of the next item) and
// returns the token of the next page, "" after the last.
template <typename T>
std::string ServePage(const std::vector<T>& items,
                      const std::string& page_token,
                      google::protobuf::RepeatedPtrField<T>* page) {
  size_t start = 0;
  if (!page_token.empty()) (void)absl::SimpleAtoi(page_token, &start);
  const size_t end = std::min(items.size(), start + 2);
  for (size_t i = start; i < end; ++i) *page->Add() = items[i];
  return end < items.size() ? absl::StrCat(end) : "";
}

// SamePlace reports whether `publication` is the one `ref` names, an empty
// storage and prefix being "filesystem:default" and ".".
bool SamePlace(const v1::Publication& publication,
               const v1::PublicationRef& ref) {
  const auto storage = [](const std::string& s) {
    return s.empty() ? std::string("filesystem:default") : s;
  };
  const auto prefix = [](const std::string& p) {
    return p.empty() ? std::string(".") : p;
  };
  return storage(publication.storage()) == storage(ref.storage()) &&
         prefix(publication.prefix()) == prefix(ref.prefix()) &&
         publication.distribution() == ref.distribution();
}

}  // namespace

FakeServer::FakeServer() {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(static_cast<v1::Jobs::Service*>(this));
  builder.RegisterService(static_cast<v1::Repos::Service*>(this));
  builder.RegisterService(static_cast<v1::Admin::Service*>(this));
  builder.RegisterService(static_cast<v1::Files::Service*>(this));
  builder.RegisterService(static_cast<v1::Packages::Service*>(this));
  builder.RegisterService(static_cast<v1::Snapshots::Service*>(this));
  builder.RegisterService(static_cast<v1::Publish::Service*>(this));
  builder.RegisterService(static_cast<v1::Mirrors::Service*>(this));
  server_ = builder.BuildAndStart();
}

FakeServer::~FakeServer() { server_->Shutdown(); }

std::string FakeServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status FakeServer::RunCommand(const std::vector<Command>& commands,
                                    const std::vector<std::string>& args,
                                    const Options& options, std::string* out,
                                    std::string* err) {
  std::vector<CommandSpec> specs;
  for (const Command& command : commands) specs.push_back(command.spec);
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, {}, specs);
  if (!parsed.ok()) return parsed.status();
  std::ostringstream out_stream;
  std::ostringstream err_stream;
  Client client(Client::Dial(address()), address(), options, out_stream,
                err_stream);
  const absl::Status status = WithUsage(
      specs[parsed->command], commands[parsed->command].run(*parsed, client));
  *out = out_stream.str();
  if (err != nullptr) *err = err_stream.str();
  return status;
}

v1::Job FakeServer::NewJob(const std::string& kind,
                           const std::string& request_id) {
  v1::Job job;
  job.set_id(jobs.empty() ? 1 : jobs.rbegin()->first + 1);
  job.set_kind(kind);
  job.set_state(v1::QUEUED);
  job.set_request_id(request_id);
  jobs[job.id()] = job;
  polls_left_[job.id()] = running_polls;
  return job;
}

grpc::Status FakeServer::GetJob(grpc::ServerContext*,
                                const v1::GetJobRequest* request,
                                v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("GetJob");
  if (!error.ok()) return error;
  auto it = jobs.find(request->id());
  if (it == jobs.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("job ", request->id(), " does not exist"));
  }
  *response = it->second;
  return grpc::Status::OK;
}

grpc::Status FakeServer::ListJobs(grpc::ServerContext*,
                                  const v1::ListJobsRequest* request,
                                  v1::ListJobsResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ListJobs");
  if (!error.ok()) return error;
  list_jobs_requests.push_back(*request);
  // Newest first, two to a page; the token is the last ID returned.
  int64_t below = INT64_MAX;
  if (!request->page_token().empty()) {
    (void)absl::SimpleAtoi(request->page_token(), &below);
  }
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
    if (it->first >= below) continue;
    if (response->jobs_size() == 2) {
      response->set_next_page_token(absl::StrCat(response->jobs(1).id()));
      break;
    }
    *response->add_jobs() = it->second;
  }
  return grpc::Status::OK;
}

grpc::Status FakeServer::WaitJob(grpc::ServerContext*,
                                 const v1::WaitJobRequest* request,
                                 v1::Job* response) {
  absl::MutexLock lock(&mu_);
  if (!error.ok()) return error;
  ++wait_calls;
  calls.push_back(absl::StrCat("WaitJob ", request->id()));
  auto it = jobs.find(request->id());
  if (it == jobs.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("job ", request->id(), " does not exist"));
  }
  v1::Job& job = it->second;
  if (!JobEnded(job.state())) {
    if (polls_left_[job.id()]-- > 0) {
      job.set_state(v1::RUNNING);
      job.set_worker("fake-worker");
      job.set_attempts(1);
      if (!progress_script.empty()) {
        const size_t poll = running_polls - polls_left_[job.id()] - 1;
        *job.mutable_progress() =
            progress_script[std::min(poll, progress_script.size() - 1)];
      }
    } else if (auto end = end_by_kind.find(job.kind());
               end != end_by_kind.end()) {
      job.set_state(end->second.state());
      job.set_status_code(end->second.status_code());
      job.set_status_message(end->second.status_message());
      *job.mutable_result() = end->second.result();
    } else {
      job.set_state(end_state);
      job.set_status_code(end_code);
      job.set_status_message(end_message);
    }
  }
  *response = job;
  return grpc::Status::OK;
}

grpc::Status FakeServer::CancelJob(grpc::ServerContext*,
                                   const v1::CancelJobRequest* request,
                                   v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("CancelJob");
  if (!error.ok()) return error;
  auto it = jobs.find(request->id());
  if (it == jobs.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("job ", request->id(), " does not exist"));
  }
  v1::Job& job = it->second;
  if (job.state() == v1::QUEUED) {
    job.set_state(v1::CANCELLED);
    job.set_status_code(static_cast<int>(grpc::StatusCode::CANCELLED));
    job.set_status_message("cancelled");
  } else if (job.state() == v1::RUNNING) {
    job.set_cancel_requested(true);
  }
  *response = job;
  return grpc::Status::OK;
}

grpc::Status FakeServer::CreateRepo(grpc::ServerContext*,
                                    const v1::CreateRepoRequest* request,
                                    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("CreateRepo");
  if (!error.ok()) return error;
  create_requests.push_back(*request);
  *response = NewJob("repo.create", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::GetRepo(grpc::ServerContext*,
                                 const v1::GetRepoRequest* request,
                                 v1::Repo* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("GetRepo");
  if (!error.ok()) return error;
  for (const v1::Repo& repo : repos) {
    if (repo.name() == request->name()) {
      *response = repo;
      return grpc::Status::OK;
    }
  }
  return grpc::Status(
      grpc::StatusCode::NOT_FOUND,
      absl::StrCat("repo \"", request->name(), "\" does not exist"));
}

grpc::Status FakeServer::ListRepos(grpc::ServerContext*,
                                   const v1::ListReposRequest* request,
                                   v1::ListReposResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ListRepos");
  if (!error.ok()) return error;
  response->set_next_page_token(
      ServePage(repos, request->page_token(), response->mutable_repos()));
  return grpc::Status::OK;
}

grpc::Status FakeServer::UpdateRepo(grpc::ServerContext*,
                                    const v1::UpdateRepoRequest* request,
                                    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("UpdateRepo");
  if (!error.ok()) return error;
  update_requests.push_back(*request);
  *response = NewJob("repo.update", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::DeleteRepo(grpc::ServerContext*,
                                    const v1::DeleteRepoRequest* request,
                                    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("DeleteRepo");
  if (!error.ok()) return error;
  delete_requests.push_back(*request);
  *response = NewJob("repo.delete", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::AddFromUpload(grpc::ServerContext*,
                                       const v1::AddFromUploadRequest* request,
                                       v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("AddFromUpload");
  if (!error.ok()) return error;
  add_from_upload_requests.push_back(*request);
  *response = NewJob("repo.add_from_upload", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::RemovePackages(
    grpc::ServerContext*, const v1::RemovePackagesRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("RemovePackages");
  if (!error.ok()) return error;
  remove_packages_requests.push_back(*request);
  *response = NewJob("repo.remove_packages", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::ListRepoPackages(
    grpc::ServerContext*, const v1::ListRepoPackagesRequest* request,
    v1::ListRepoPackagesResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ListRepoPackages");
  if (!error.ok()) return error;
  list_repo_packages_requests.push_back(*request);
  response->set_next_page_token(
      ServePage(packages, request->page_token(), response->mutable_packages()));
  return grpc::Status::OK;
}

grpc::Status FakeServer::CopyPackages(grpc::ServerContext*,
                                      const v1::CopyPackagesRequest* request,
                                      v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("CopyPackages");
  if (!error.ok()) return error;
  copy_packages_requests.push_back(*request);
  *response = NewJob("repo.copy_packages", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::MovePackages(grpc::ServerContext*,
                                      const v1::CopyPackagesRequest* request,
                                      v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("MovePackages");
  if (!error.ok()) return error;
  move_packages_requests.push_back(*request);
  *response = NewJob("repo.move_packages", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::ImportFromMirror(
    grpc::ServerContext*, const v1::ImportFromMirrorRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ImportFromMirror");
  if (!error.ok()) return error;
  import_from_mirror_requests.push_back(*request);
  *response = NewJob("repo.import", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::IncludeChanges(
    grpc::ServerContext*, const v1::IncludeChangesRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("IncludeChanges");
  if (!error.ok()) return error;
  include_changes_requests.push_back(*request);
  *response = NewJob("repo.include_changes", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::GetPackage(grpc::ServerContext*,
                                    const v1::GetPackageRequest* request,
                                    v1::Package* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("GetPackage");
  if (!error.ok()) return error;
  for (const v1::Package& package : packages) {
    if (package.key() == request->key()) {
      *response = package;
      return grpc::Status::OK;
    }
  }
  return grpc::Status(
      grpc::StatusCode::NOT_FOUND,
      absl::StrCat("package \"", request->key(), "\" does not exist"));
}

grpc::Status FakeServer::SearchPackages(
    grpc::ServerContext*, const v1::SearchPackagesRequest* request,
    v1::SearchPackagesResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("SearchPackages");
  if (!error.ok()) return error;
  search_packages_requests.push_back(*request);
  response->set_next_page_token(
      ServePage(packages, request->page_token(), response->mutable_packages()));
  return grpc::Status::OK;
}

grpc::Status FakeServer::SubmitNoop(grpc::ServerContext*,
                                    const v1::SubmitNoopRequest* request,
                                    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("SubmitNoop");
  if (!error.ok()) return error;
  noop_requests.push_back(*request);
  *response = NewJob("noop", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::Cleanup(grpc::ServerContext*,
                                 const v1::CleanupRequest* request,
                                 v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("Cleanup");
  if (!error.ok()) return error;
  cleanup_requests.push_back(*request);
  *response = NewJob("gc", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::Upload(grpc::ServerContext*,
                                grpc::ServerReader<v1::UploadRequest>* reader,
                                v1::Job* response) {
  std::vector<v1::UploadRequest> stream;
  v1::UploadRequest request;
  while (reader->Read(&request)) stream.push_back(request);
  absl::MutexLock lock(&mu_);
  calls.push_back("Upload");
  if (!error.ok()) return error;
  if (stream.empty() || !stream[0].has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message must be the header");
  }
  const std::string request_id = stream[0].header().request_id();
  const auto headers =
      std::count_if(stream.begin(), stream.end(),
                    [](const v1::UploadRequest& r) { return r.has_header(); });
  uploads.push_back(std::move(stream));
  // Like the real server: one file is an upload.add_file job.
  *response =
      NewJob(headers == 1 ? "upload.add_file" : "upload.add_files", request_id);
  return grpc::Status::OK;
}

grpc::Status FakeServer::ListUploadDirectories(
    grpc::ServerContext*, const v1::ListUploadDirectoriesRequest* request,
    v1::ListUploadDirectoriesResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ListUploadDirectories");
  if (!error.ok()) return error;
  ServePage(upload_directories, page_limit, *request,
            *response->mutable_directories(), *response);
  return grpc::Status::OK;
}

grpc::Status FakeServer::ListUploadFiles(
    grpc::ServerContext*, const v1::ListUploadFilesRequest* request,
    v1::ListUploadFilesResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ListUploadFiles");
  if (!error.ok()) return error;
  list_upload_files_requests.push_back(*request);
  // Like the server: a directory without files does not exist.
  if (upload_files.empty()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "upload directory does not exist (it has no files)");
  }
  ServePage(upload_files, page_limit, *request, *response->mutable_files(),
            *response);
  return grpc::Status::OK;
}

grpc::Status FakeServer::DeleteUpload(grpc::ServerContext*,
                                      const v1::DeleteUploadRequest* request,
                                      v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("DeleteUpload");
  if (!error.ok()) return error;
  delete_upload_requests.push_back(*request);
  *response = NewJob("upload.delete", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::CreateSnapshot(
    grpc::ServerContext*, const v1::CreateSnapshotRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("CreateSnapshot");
  if (!error.ok()) return error;
  create_snapshot_requests.push_back(*request);
  *response = NewJob("snapshot.create", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::GetSnapshot(grpc::ServerContext*,
                                     const v1::GetSnapshotRequest* request,
                                     v1::Snapshot* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("GetSnapshot");
  if (!error.ok()) return error;
  for (const v1::Snapshot& snapshot : snapshots) {
    if (snapshot.name() == request->name()) {
      *response = snapshot;
      return grpc::Status::OK;
    }
  }
  return grpc::Status(
      grpc::StatusCode::NOT_FOUND,
      absl::StrCat("snapshot \"", request->name(), "\" does not exist"));
}

grpc::Status FakeServer::ListSnapshots(grpc::ServerContext*,
                                       const v1::ListSnapshotsRequest* request,
                                       v1::ListSnapshotsResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ListSnapshots");
  if (!error.ok()) return error;
  list_snapshots_requests.push_back(*request);
  response->set_next_page_token(ServePage(snapshots, request->page_token(),
                                          response->mutable_snapshots()));
  return grpc::Status::OK;
}

grpc::Status FakeServer::UpdateSnapshot(
    grpc::ServerContext*, const v1::UpdateSnapshotRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("UpdateSnapshot");
  if (!error.ok()) return error;
  update_snapshot_requests.push_back(*request);
  *response = NewJob("snapshot.update", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::DeleteSnapshot(
    grpc::ServerContext*, const v1::DeleteSnapshotRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("DeleteSnapshot");
  if (!error.ok()) return error;
  delete_snapshot_requests.push_back(*request);
  *response = NewJob("snapshot.delete", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::ListSnapshotPackages(
    grpc::ServerContext*, const v1::ListSnapshotPackagesRequest* request,
    v1::ListSnapshotPackagesResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ListSnapshotPackages");
  if (!error.ok()) return error;
  list_snapshot_packages_requests.push_back(*request);
  response->set_next_page_token(ServePage(
      snapshot_packages, request->page_token(), response->mutable_packages()));
  return grpc::Status::OK;
}

grpc::Status FakeServer::DiffSnapshots(grpc::ServerContext*,
                                       const v1::DiffSnapshotsRequest* request,
                                       v1::DiffSnapshotsResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("DiffSnapshots");
  if (!error.ok()) return error;
  diff_snapshots_requests.push_back(*request);
  std::vector<v1::PackageChange> changes;
  for (const v1::PackageChange& change : snapshot_changes) {
    const bool matching =
        !change.left_key().empty() && !change.right_key().empty();
    if (matching || !request->only_matching()) changes.push_back(change);
  }
  response->set_next_page_token(
      ServePage(changes, request->page_token(), response->mutable_changes()));
  return grpc::Status::OK;
}

grpc::Status FakeServer::MergeSnapshots(
    grpc::ServerContext*, const v1::MergeSnapshotsRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("MergeSnapshots");
  if (!error.ok()) return error;
  merge_snapshots_requests.push_back(*request);
  *response = NewJob("snapshot.merge", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::PullSnapshot(grpc::ServerContext*,
                                      const v1::PullSnapshotRequest* request,
                                      v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("PullSnapshot");
  if (!error.ok()) return error;
  pull_snapshot_requests.push_back(*request);
  *response = NewJob("snapshot.pull", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::FilterSnapshot(
    grpc::ServerContext*, const v1::FilterSnapshotRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("FilterSnapshot");
  if (!error.ok()) return error;
  filter_snapshot_requests.push_back(*request);
  *response = NewJob("snapshot.filter", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::VerifySnapshots(
    grpc::ServerContext*, const v1::VerifySnapshotsRequest* request,
    v1::VerifySnapshotsResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("VerifySnapshots");
  if (!error.ok()) return error;
  verify_snapshots_requests.push_back(*request);
  response->set_next_page_token(ServePage(unsatisfied, request->page_token(),
                                          response->mutable_unsatisfied()));
  return grpc::Status::OK;
}

grpc::Status FakeServer::CreatePublication(
    grpc::ServerContext*, const v1::CreatePublicationRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("CreatePublication");
  if (!error.ok()) return error;
  create_publication_requests.push_back(*request);
  *response = NewJob("publish.create", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::GetPublication(
    grpc::ServerContext*, const v1::GetPublicationRequest* request,
    v1::Publication* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("GetPublication");
  if (!error.ok()) return error;
  for (const v1::Publication& publication : publications) {
    if (SamePlace(publication, request->publication())) {
      *response = publication;
      return grpc::Status::OK;
    }
  }
  return grpc::Status(
      grpc::StatusCode::NOT_FOUND,
      absl::StrCat("publication \"", request->publication().prefix(), "/",
                   request->publication().distribution(), "\" does not exist"));
}

grpc::Status FakeServer::ListPublications(
    grpc::ServerContext*, const v1::ListPublicationsRequest* request,
    v1::ListPublicationsResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ListPublications");
  if (!error.ok()) return error;
  list_publications_requests.push_back(*request);
  response->set_next_page_token(ServePage(publications, request->page_token(),
                                          response->mutable_publications()));
  return grpc::Status::OK;
}

grpc::Status FakeServer::UpdatePublication(
    grpc::ServerContext*, const v1::UpdatePublicationRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("UpdatePublication");
  if (!error.ok()) return error;
  update_publication_requests.push_back(*request);
  *response = NewJob("publish.update", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::SwitchPublication(
    grpc::ServerContext*, const v1::SwitchPublicationRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("SwitchPublication");
  if (!error.ok()) return error;
  switch_publication_requests.push_back(*request);
  *response = NewJob("publish.switch", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::DeletePublication(
    grpc::ServerContext*, const v1::DeletePublicationRequest* request,
    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("DeletePublication");
  if (!error.ok()) return error;
  delete_publication_requests.push_back(*request);
  *response = NewJob("publish.delete", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::CreateMirror(grpc::ServerContext*,
                                      const v1::CreateMirrorRequest* request,
                                      v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("CreateMirror");
  if (!error.ok()) return error;
  create_mirror_requests.push_back(*request);
  *response = NewJob("mirror.create", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::GetMirror(grpc::ServerContext*,
                                   const v1::GetMirrorRequest* request,
                                   v1::Mirror* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("GetMirror");
  if (!error.ok()) return error;
  for (const v1::Mirror& mirror : mirrors) {
    if (mirror.name() == request->name()) {
      *response = mirror;
      return grpc::Status::OK;
    }
  }
  return grpc::Status(
      grpc::StatusCode::NOT_FOUND,
      absl::StrCat("mirror \"", request->name(), "\" does not exist"));
}

grpc::Status FakeServer::ListMirrors(grpc::ServerContext*,
                                     const v1::ListMirrorsRequest* request,
                                     v1::ListMirrorsResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ListMirrors");
  if (!error.ok()) return error;
  response->set_next_page_token(
      ServePage(mirrors, request->page_token(), response->mutable_mirrors()));
  return grpc::Status::OK;
}

grpc::Status FakeServer::UpdateMirror(grpc::ServerContext*,
                                      const v1::UpdateMirrorRequest* request,
                                      v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("UpdateMirror");
  if (!error.ok()) return error;
  update_mirror_requests.push_back(*request);
  *response = NewJob("mirror.update", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::DeleteMirror(grpc::ServerContext*,
                                      const v1::DeleteMirrorRequest* request,
                                      v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("DeleteMirror");
  if (!error.ok()) return error;
  delete_mirror_requests.push_back(*request);
  *response = NewJob("mirror.delete", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::SyncMirror(grpc::ServerContext*,
                                    const v1::SyncMirrorRequest* request,
                                    v1::Job* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("SyncMirror");
  if (!error.ok()) return error;
  sync_mirror_requests.push_back(*request);
  *response = NewJob("mirror.sync", request->request_id());
  return grpc::Status::OK;
}

grpc::Status FakeServer::ListMirrorPackages(
    grpc::ServerContext*, const v1::ListMirrorPackagesRequest* request,
    v1::ListMirrorPackagesResponse* response) {
  absl::MutexLock lock(&mu_);
  calls.push_back("ListMirrorPackages");
  if (!error.ok()) return error;
  list_mirror_packages_requests.push_back(*request);
  response->set_next_page_token(ServePage(
      mirror_packages, request->page_token(), response->mutable_packages()));
  return grpc::Status::OK;
}

}  // namespace debrepo::cli
