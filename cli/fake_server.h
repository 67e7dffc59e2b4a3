// FakeServer: an in-memory debrepo-server (Jobs, Repos, Admin, Files,
// Packages, Snapshots, Publish, Mirrors) on a local port, for testing the CLI's
// commands without PostgreSQL or workers.
#ifndef DEBREPO_CLI_FAKE_SERVER_H_
#define DEBREPO_CLI_FAKE_SERVER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "cli/client.h"
#include "cli/command.h"
#include "grpcpp/server.h"
#include "grpcpp/support/status.h"
#include "proto/debrepo/v1/admin.grpc.pb.h"
#include "proto/debrepo/v1/files.grpc.pb.h"
#include "proto/debrepo/v1/jobs.grpc.pb.h"
#include "proto/debrepo/v1/mirrors.grpc.pb.h"
#include "proto/debrepo/v1/packages.grpc.pb.h"
#include "proto/debrepo/v1/publish.grpc.pb.h"
#include "proto/debrepo/v1/repos.grpc.pb.h"
#include "proto/debrepo/v1/snapshots.grpc.pb.h"

namespace debrepo::cli {

// FakeServer records the mutations it receives and turns each into a job
// that reports RUNNING for `running_polls` WaitJob calls and then ends as
// `end_state`, with `end_code` and `end_message` (or as `end_by_kind` says
// for its kind). Reads serve `repos` and `packages`, two to a page,
// GetPackage the package of `packages` with the key asked for,
// `upload_directories` and `upload_files`, and `snapshots`,
// `snapshot_packages`, `snapshot_changes` and `unsatisfied`, two to a page,
// `publications` (GetPublication by storage, prefix and distribution,
// the defaults "filesystem:default" and "." alike to empty ones), and
// `mirrors` and `mirror_packages`. A running job reports the progress
// `progress_script` gives for its poll. Set the public fields before
// calls; read them after.
class FakeServer final : public debrepo::v1::Jobs::Service,
                         public debrepo::v1::Repos::Service,
                         public debrepo::v1::Admin::Service,
                         public debrepo::v1::Files::Service,
                         public debrepo::v1::Packages::Service,
                         public debrepo::v1::Snapshots::Service,
                         public debrepo::v1::Publish::Service,
                         public debrepo::v1::Mirrors::Service {
 public:
  // FakeServer starts listening on a free port of 127.0.0.1.
  FakeServer();
  ~FakeServer() override;

  // address returns "127.0.0.1:PORT".
  std::string address() const;

  // RunCommand parses `args` (a command line without argv[0] and without
  // global flags) against `commands` and runs the command against this
  // server with `options`, collecting its output in `out` and, if `err` is
  // not null, its error stream in `err`.
  absl::Status RunCommand(const std::vector<Command>& commands,
                          const std::vector<std::string>& args,
                          const Options& options, std::string* out,
                          std::string* err = nullptr);

  // The script.
  int running_polls = 1;
  debrepo::v1::JobState end_state = debrepo::v1::SUCCEEDED;
  int end_code = 0;
  std::string end_message;
  // How jobs of a kind (e.g. "repo.add_from_upload") end instead: the
  // state, status_code, status_message and result of the Job given.
  std::map<std::string, debrepo::v1::Job> end_by_kind;
  std::vector<debrepo::v1::Repo> repos;
  // Served by ListRepoPackages for any repo and query, and by
  // SearchPackages for any query.
  std::vector<debrepo::v1::Package> packages;
  std::vector<debrepo::v1::UploadDirectory> upload_directories;
  // Served for any directory.
  std::vector<debrepo::v1::UploadFile> upload_files;
  // Served by GetSnapshot (by name) and ListSnapshots (in this order,
  // whatever the order asked for).
  std::vector<debrepo::v1::Snapshot> snapshots;
  // Served by ListSnapshotPackages for any snapshot and query.
  std::vector<debrepo::v1::Package> snapshot_packages;
  // Served by DiffSnapshots for any two snapshots (with only_matching, only
  // the changes that have both sides).
  std::vector<debrepo::v1::PackageChange> snapshot_changes;
  // Served by VerifySnapshots for any snapshots.
  std::vector<debrepo::v1::UnsatisfiedDependency> unsatisfied;
  // Served by GetPublication and ListPublications (in this order).
  std::vector<debrepo::v1::Publication> publications;
  // Served by GetMirror (by name) and ListMirrors (in this order, two to a
  // page).
  std::vector<debrepo::v1::Mirror> mirrors;
  // Served by ListMirrorPackages for any mirror and query.
  std::vector<debrepo::v1::Package> mirror_packages;
  // The progress a job reports on the WaitJob calls that find it running:
  // the first on the first, and so on; the last one from then on. None
  // when empty.
  std::vector<debrepo::v1::JobProgress> progress_script;
  // ListUploadDirectories and ListUploadFiles answer pages of at most this
  // many items.
  int page_limit = 1000;
  // When not OK, every call fails with it.
  grpc::Status error = grpc::Status::OK;

  // What was received.
  std::vector<debrepo::v1::CreateRepoRequest> create_requests;
  std::vector<debrepo::v1::UpdateRepoRequest> update_requests;
  std::vector<debrepo::v1::DeleteRepoRequest> delete_requests;
  std::vector<debrepo::v1::SubmitNoopRequest> noop_requests;
  std::vector<debrepo::v1::CleanupRequest> cleanup_requests;
  std::vector<debrepo::v1::ListJobsRequest> list_jobs_requests;
  // Every message of every Upload stream, in the order received.
  std::vector<std::vector<debrepo::v1::UploadRequest>> uploads;
  std::vector<debrepo::v1::ListUploadFilesRequest> list_upload_files_requests;
  std::vector<debrepo::v1::DeleteUploadRequest> delete_upload_requests;
  std::vector<debrepo::v1::AddFromUploadRequest> add_from_upload_requests;
  std::vector<debrepo::v1::RemovePackagesRequest> remove_packages_requests;
  std::vector<debrepo::v1::ListRepoPackagesRequest> list_repo_packages_requests;
  std::vector<debrepo::v1::CopyPackagesRequest> copy_packages_requests;
  std::vector<debrepo::v1::CopyPackagesRequest> move_packages_requests;
  std::vector<debrepo::v1::IncludeChangesRequest> include_changes_requests;
  std::vector<debrepo::v1::SearchPackagesRequest> search_packages_requests;
  std::vector<debrepo::v1::CreateSnapshotRequest> create_snapshot_requests;
  std::vector<debrepo::v1::ListSnapshotsRequest> list_snapshots_requests;
  std::vector<debrepo::v1::UpdateSnapshotRequest> update_snapshot_requests;
  std::vector<debrepo::v1::DeleteSnapshotRequest> delete_snapshot_requests;
  std::vector<debrepo::v1::ListSnapshotPackagesRequest>
      list_snapshot_packages_requests;
  std::vector<debrepo::v1::DiffSnapshotsRequest> diff_snapshots_requests;
  std::vector<debrepo::v1::MergeSnapshotsRequest> merge_snapshots_requests;
  std::vector<debrepo::v1::PullSnapshotRequest> pull_snapshot_requests;
  std::vector<debrepo::v1::FilterSnapshotRequest> filter_snapshot_requests;
  std::vector<debrepo::v1::VerifySnapshotsRequest> verify_snapshots_requests;
  std::vector<debrepo::v1::CreatePublicationRequest>
      create_publication_requests;
  std::vector<debrepo::v1::ListPublicationsRequest> list_publications_requests;
  std::vector<debrepo::v1::UpdatePublicationRequest>
      update_publication_requests;
  std::vector<debrepo::v1::SwitchPublicationRequest>
      switch_publication_requests;
  std::vector<debrepo::v1::DeletePublicationRequest>
      delete_publication_requests;
  std::vector<debrepo::v1::ImportFromMirrorRequest> import_from_mirror_requests;
  std::vector<debrepo::v1::CreateMirrorRequest> create_mirror_requests;
  std::vector<debrepo::v1::UpdateMirrorRequest> update_mirror_requests;
  std::vector<debrepo::v1::DeleteMirrorRequest> delete_mirror_requests;
  std::vector<debrepo::v1::SyncMirrorRequest> sync_mirror_requests;
  std::vector<debrepo::v1::ListMirrorPackagesRequest>
      list_mirror_packages_requests;
  int wait_calls = 0;
  // The methods called, in order, e.g. "Upload", "WaitJob 1" (with the job
  // ID), "AddFromUpload".
  std::vector<std::string> calls;

  // Jobs, by ID.
  std::map<int64_t, debrepo::v1::Job> jobs;

  grpc::Status GetJob(grpc::ServerContext* context,
                      const debrepo::v1::GetJobRequest* request,
                      debrepo::v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context,
                        const debrepo::v1::ListJobsRequest* request,
                        debrepo::v1::ListJobsResponse* response) override;
  grpc::Status WaitJob(grpc::ServerContext* context,
                       const debrepo::v1::WaitJobRequest* request,
                       debrepo::v1::Job* response) override;
  grpc::Status CancelJob(grpc::ServerContext* context,
                         const debrepo::v1::CancelJobRequest* request,
                         debrepo::v1::Job* response) override;
  grpc::Status CreateRepo(grpc::ServerContext* context,
                          const debrepo::v1::CreateRepoRequest* request,
                          debrepo::v1::Job* response) override;
  grpc::Status GetRepo(grpc::ServerContext* context,
                       const debrepo::v1::GetRepoRequest* request,
                       debrepo::v1::Repo* response) override;
  grpc::Status ListRepos(grpc::ServerContext* context,
                         const debrepo::v1::ListReposRequest* request,
                         debrepo::v1::ListReposResponse* response) override;
  grpc::Status UpdateRepo(grpc::ServerContext* context,
                          const debrepo::v1::UpdateRepoRequest* request,
                          debrepo::v1::Job* response) override;
  grpc::Status DeleteRepo(grpc::ServerContext* context,
                          const debrepo::v1::DeleteRepoRequest* request,
                          debrepo::v1::Job* response) override;
  grpc::Status AddFromUpload(grpc::ServerContext* context,
                             const debrepo::v1::AddFromUploadRequest* request,
                             debrepo::v1::Job* response) override;
  grpc::Status RemovePackages(grpc::ServerContext* context,
                              const debrepo::v1::RemovePackagesRequest* request,
                              debrepo::v1::Job* response) override;
  grpc::Status ListRepoPackages(
      grpc::ServerContext* context,
      const debrepo::v1::ListRepoPackagesRequest* request,
      debrepo::v1::ListRepoPackagesResponse* response) override;
  grpc::Status CopyPackages(grpc::ServerContext* context,
                            const debrepo::v1::CopyPackagesRequest* request,
                            debrepo::v1::Job* response) override;
  grpc::Status MovePackages(grpc::ServerContext* context,
                            const debrepo::v1::CopyPackagesRequest* request,
                            debrepo::v1::Job* response) override;
  grpc::Status IncludeChanges(grpc::ServerContext* context,
                              const debrepo::v1::IncludeChangesRequest* request,
                              debrepo::v1::Job* response) override;
  grpc::Status ImportFromMirror(
      grpc::ServerContext* context,
      const debrepo::v1::ImportFromMirrorRequest* request,
      debrepo::v1::Job* response) override;
  grpc::Status GetPackage(grpc::ServerContext* context,
                          const debrepo::v1::GetPackageRequest* request,
                          debrepo::v1::Package* response) override;
  grpc::Status SearchPackages(
      grpc::ServerContext* context,
      const debrepo::v1::SearchPackagesRequest* request,
      debrepo::v1::SearchPackagesResponse* response) override;
  grpc::Status SubmitNoop(grpc::ServerContext* context,
                          const debrepo::v1::SubmitNoopRequest* request,
                          debrepo::v1::Job* response) override;
  grpc::Status Cleanup(grpc::ServerContext* context,
                       const debrepo::v1::CleanupRequest* request,
                       debrepo::v1::Job* response) override;
  grpc::Status Upload(grpc::ServerContext* context,
                      grpc::ServerReader<debrepo::v1::UploadRequest>* reader,
                      debrepo::v1::Job* response) override;
  grpc::Status ListUploadDirectories(
      grpc::ServerContext* context,
      const debrepo::v1::ListUploadDirectoriesRequest* request,
      debrepo::v1::ListUploadDirectoriesResponse* response) override;
  grpc::Status ListUploadFiles(
      grpc::ServerContext* context,
      const debrepo::v1::ListUploadFilesRequest* request,
      debrepo::v1::ListUploadFilesResponse* response) override;
  grpc::Status DeleteUpload(grpc::ServerContext* context,
                            const debrepo::v1::DeleteUploadRequest* request,
                            debrepo::v1::Job* response) override;
  grpc::Status CreateSnapshot(grpc::ServerContext* context,
                              const debrepo::v1::CreateSnapshotRequest* request,
                              debrepo::v1::Job* response) override;
  grpc::Status GetSnapshot(grpc::ServerContext* context,
                           const debrepo::v1::GetSnapshotRequest* request,
                           debrepo::v1::Snapshot* response) override;
  grpc::Status ListSnapshots(
      grpc::ServerContext* context,
      const debrepo::v1::ListSnapshotsRequest* request,
      debrepo::v1::ListSnapshotsResponse* response) override;
  grpc::Status UpdateSnapshot(grpc::ServerContext* context,
                              const debrepo::v1::UpdateSnapshotRequest* request,
                              debrepo::v1::Job* response) override;
  grpc::Status DeleteSnapshot(grpc::ServerContext* context,
                              const debrepo::v1::DeleteSnapshotRequest* request,
                              debrepo::v1::Job* response) override;
  grpc::Status ListSnapshotPackages(
      grpc::ServerContext* context,
      const debrepo::v1::ListSnapshotPackagesRequest* request,
      debrepo::v1::ListSnapshotPackagesResponse* response) override;
  grpc::Status DiffSnapshots(
      grpc::ServerContext* context,
      const debrepo::v1::DiffSnapshotsRequest* request,
      debrepo::v1::DiffSnapshotsResponse* response) override;
  grpc::Status MergeSnapshots(grpc::ServerContext* context,
                              const debrepo::v1::MergeSnapshotsRequest* request,
                              debrepo::v1::Job* response) override;
  grpc::Status PullSnapshot(grpc::ServerContext* context,
                            const debrepo::v1::PullSnapshotRequest* request,
                            debrepo::v1::Job* response) override;
  grpc::Status FilterSnapshot(grpc::ServerContext* context,
                              const debrepo::v1::FilterSnapshotRequest* request,
                              debrepo::v1::Job* response) override;
  grpc::Status VerifySnapshots(
      grpc::ServerContext* context,
      const debrepo::v1::VerifySnapshotsRequest* request,
      debrepo::v1::VerifySnapshotsResponse* response) override;
  grpc::Status CreatePublication(
      grpc::ServerContext* context,
      const debrepo::v1::CreatePublicationRequest* request,
      debrepo::v1::Job* response) override;
  grpc::Status GetPublication(grpc::ServerContext* context,
                              const debrepo::v1::GetPublicationRequest* request,
                              debrepo::v1::Publication* response) override;
  grpc::Status ListPublications(
      grpc::ServerContext* context,
      const debrepo::v1::ListPublicationsRequest* request,
      debrepo::v1::ListPublicationsResponse* response) override;
  grpc::Status UpdatePublication(
      grpc::ServerContext* context,
      const debrepo::v1::UpdatePublicationRequest* request,
      debrepo::v1::Job* response) override;
  grpc::Status SwitchPublication(
      grpc::ServerContext* context,
      const debrepo::v1::SwitchPublicationRequest* request,
      debrepo::v1::Job* response) override;
  grpc::Status DeletePublication(
      grpc::ServerContext* context,
      const debrepo::v1::DeletePublicationRequest* request,
      debrepo::v1::Job* response) override;

  grpc::Status CreateMirror(grpc::ServerContext* context,
                            const debrepo::v1::CreateMirrorRequest* request,
                            debrepo::v1::Job* response) override;
  grpc::Status GetMirror(grpc::ServerContext* context,
                         const debrepo::v1::GetMirrorRequest* request,
                         debrepo::v1::Mirror* response) override;
  grpc::Status ListMirrors(grpc::ServerContext* context,
                           const debrepo::v1::ListMirrorsRequest* request,
                           debrepo::v1::ListMirrorsResponse* response) override;
  grpc::Status UpdateMirror(grpc::ServerContext* context,
                            const debrepo::v1::UpdateMirrorRequest* request,
                            debrepo::v1::Job* response) override;
  grpc::Status DeleteMirror(grpc::ServerContext* context,
                            const debrepo::v1::DeleteMirrorRequest* request,
                            debrepo::v1::Job* response) override;
  grpc::Status SyncMirror(grpc::ServerContext* context,
                          const debrepo::v1::SyncMirrorRequest* request,
                          debrepo::v1::Job* response) override;
  grpc::Status ListMirrorPackages(
      grpc::ServerContext* context,
      const debrepo::v1::ListMirrorPackagesRequest* request,
      debrepo::v1::ListMirrorPackagesResponse* response) override;

 private:
  // NewJob adds a QUEUED job of `kind` and returns it.
  debrepo::v1::Job NewJob(const std::string& kind,
                          const std::string& request_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<int64_t, int> polls_left_ ABSL_GUARDED_BY(mu_);
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_FAKE_SERVER_H_
