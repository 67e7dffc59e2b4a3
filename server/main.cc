// debrepo-server: the stateless gRPC front. Validates requests, answers
// reads from PostgreSQL, and turns mutations into jobs.
#include <fstream>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "blobstore/fs_blob_store.h"
#include "common/env_flags.h"
#include "common/logging.h"
#include "common/stop_signals.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/admin_service.h"
#include "server/files_service.h"
#include "server/job_waiter.h"
#include "server/jobs_service.h"
#include "server/mirrors_service.h"
#include "server/packages_service.h"
#include "server/publish_service.h"
#include "server/repos_service.h"
#include "server/snapshots_service.h"
#include "server/submit.h"
#include "startup/startup.h"
#include "storage/database.h"
#include "storage/job_store.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve gRPC on (DEBREPO_LISTEN); port 0 picks a free "
          "one (see --port_file).");
ABSL_FLAG(std::string, database_url,
          "postgresql://debrepo@127.0.0.1:5433/debrepo",
          "PostgreSQL connection URI or libpq string (DEBREPO_DATABASE_URL).");
ABSL_FLAG(std::string, port_file, "",
          "Write the bound port to this file once serving (for tests and "
          "supervisors).");
ABSL_FLAG(std::string, blob_dir, "/var/lib/debrepo/blobs",
          "Directory of the content-addressed blob store, shared by every "
          "server and worker (DEBREPO_BLOB_DIR).");
ABSL_FLAG(uint64_t, max_upload_bytes, uint64_t{2} << 30,
          "Largest file Files.Upload accepts (DEBREPO_MAX_UPLOAD_BYTES).");
ABSL_FLAG(int, db_pool_size, 32,
          "Database connections this server opens at most, besides one for "
          "LISTEN (DEBREPO_DB_POOL_SIZE).");
ABSL_FLAG(absl::Duration, test_delay_fail_fast, absl::ZeroDuration(),
          "Testing only: wait this long between looking up a retried "
          "request_id and the fail-fast existence check.");

int main(int argc, char** argv) {
  const sigset_t stop_signals = debrepo::BlockStopSignals();

  debrepo::ParseFlagsWithEnvironment(
      argc, argv,
      {{"listen", "DEBREPO_LISTEN"},
       {"database_url", "DEBREPO_DATABASE_URL"},
       {"db_pool_size", "DEBREPO_DB_POOL_SIZE"},
       {"blob_dir", "DEBREPO_BLOB_DIR"},
       {"max_upload_bytes", "DEBREPO_MAX_UPLOAD_BYTES"}});
  const std::string database_url = absl::GetFlag(FLAGS_database_url);

  absl::StatusOr<debrepo::startup::Started> started =
      debrepo::startup::StartUp({.database_url = database_url,
                                 .blob_dir = absl::GetFlag(FLAGS_blob_dir)});
  if (!started.ok()) {
    debrepo::LogError("cannot start: ", started.status().ToString());
    return 1;
  }
  debrepo::storage::Database db(database_url,
                                absl::GetFlag(FLAGS_db_pool_size));
  debrepo::storage::JobStore jobs(&db);
  debrepo::server::JobWaiter waiter(database_url, &jobs);
  debrepo::server::JobsService jobs_service(&jobs, &waiter);
  debrepo::server::JobSubmitter submitter(
      &db, &jobs,
      {.waiter = &waiter,
       .test_delay_fail_fast = absl::GetFlag(FLAGS_test_delay_fail_fast)});
  debrepo::server::ReposService repos_service(&db, &submitter);
  debrepo::server::SnapshotsService snapshots_service(&db, &submitter);
  debrepo::server::MirrorsService mirrors_service(&db, &submitter);
  debrepo::server::PublishService publish_service(&db, &submitter);
  debrepo::server::AdminService admin_service(&submitter);
  debrepo::server::PackagesService packages_service(&db);
  debrepo::server::FilesService files_service(
      &db, &submitter, started->blobs.get(),
      absl::GetFlag(FLAGS_max_upload_bytes));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&jobs_service);
  builder.RegisterService(&repos_service);
  builder.RegisterService(&admin_service);
  builder.RegisterService(&files_service);
  builder.RegisterService(&packages_service);
  builder.RegisterService(&snapshots_service);
  builder.RegisterService(&mirrors_service);
  builder.RegisterService(&publish_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    debrepo::LogError("cannot listen on ", absl::GetFlag(FLAGS_listen),
                      "; is another process using it? Pick another address "
                      "with --listen");
    return 1;
  }
  if (const std::string port_file = absl::GetFlag(FLAGS_port_file);
      !port_file.empty()) {
    std::ofstream(port_file) << port << "\n";
  }
  debrepo::LogInfo("debrepo-server listening on port ", port);

  std::thread signal_waiter([&] {
    const int signal = debrepo::WaitForStopSignal(stop_signals);
    debrepo::LogInfo("received signal ", signal, "; shutting down");
    // Waits are answered at once; other in-flight calls get a few seconds.
    waiter.Shutdown();
    server->Shutdown(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
  });
  server->Wait();
  signal_waiter.join();
  return 0;
}
