// The CLI's connection to debrepo-server: gRPC calls with deadlines and
// retries, error messages for people, waiting for jobs, and output.
#ifndef DEBREPO_CLI_CLIENT_H_
#define DEBREPO_CLI_CLIENT_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
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

// Options are the settings every command shares (from the global flags).
struct Options {
  // Print response messages as JSON instead of text.
  bool json = false;
  // Print a submitted job instead of waiting for it.
  bool async = false;
  // How long to wait for a job in total.
  absl::Duration timeout = absl::InfiniteDuration();
  // Whether the error stream is a terminal: while waiting, redraw a
  // progress line there (a bar for jobs that report progress). Otherwise
  // jobs that report progress get a plain line now and then.
  bool progress = false;
};

// Client talks to one debrepo-server address. Errors it returns carry a
// message ready to show after "debrepo: ".
class Client {
 public:
  // Client uses `channel` (see Dial) to reach `target`, writing results to
  // `out` and progress to `err`.
  Client(std::shared_ptr<grpc::Channel> channel, std::string target,
         Options options, std::ostream& out, std::ostream& err);

  // Dial opens a channel to `target` (HOST:PORT) that retries calls the
  // server could not take (UNAVAILABLE); every mutation carries a
  // request_id, so a retried one runs once.
  static std::shared_ptr<grpc::Channel> Dial(const std::string& target);

  const Options& options() const { return options_; }
  std::ostream& out() { return out_; }
  // err is the error stream, for messages beside the output (e.g. files a
  // command could not handle).
  std::ostream& err() { return err_; }
  debrepo::v1::Jobs::Stub& jobs() { return *jobs_; }
  debrepo::v1::Repos::Stub& repos() { return *repos_; }
  debrepo::v1::Admin::Stub& admin() { return *admin_; }
  debrepo::v1::Files::Stub& files() { return *files_; }
  debrepo::v1::Packages::Stub& packages() { return *packages_; }
  debrepo::v1::Snapshots::Stub& snapshots() { return *snapshots_; }
  debrepo::v1::Publish::Stub& publish() { return *publish_; }
  debrepo::v1::Mirrors::Stub& mirrors() { return *mirrors_; }

  // Call runs the unary RPC `method` on `stub` with a deadline, returning
  // its error as described in FromGrpc.
  template <typename Stub, typename Request, typename Response>
  absl::Status Call(Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Request&, Response*),
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    const Interruptible interruptible(*this, context);
    return FromGrpc((stub.*method)(&context, request, response));
  }

  // Submit calls the mutation `method` of `stub` with `request` and follows
  // the job it returns (see FollowJob), calling `print_success` once it
  // has succeeded.
  template <typename Stub, typename Request>
  absl::Status Submit(
      Stub& stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   debrepo::v1::Job*),
      const Request& request,
      absl::FunctionRef<void(const debrepo::v1::Job&)> print_success) {
    debrepo::v1::Job job;
    if (absl::Status status = Call(stub, method, request, &job); !status.ok()) {
      return status;
    }
    return FollowJob(job, print_success);
  }

  // CallForAllPages runs the List RPC `method` for every page of `request`
  // and returns one response holding every page's items (and no
  // next_page_token).
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> CallForAllPages(
      Stub& stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      Request request) {
    Response all;
    do {
      Response page;
      if (absl::Status status = Call(stub, method, request, &page);
          !status.ok()) {
        return status;
      }
      request.set_page_token(page.next_page_token());
      page.clear_next_page_token();
      all.MergeFrom(page);
    } while (!request.page_token().empty());
    return all;
  }

  // FromGrpc turns an RPC error into "CODE: message" (in flag terms, see
  // InFlagTerms) under the same code, or, when the server cannot be reached
  // at all, into a message that says so and names --server and
  // DEBREPO_SERVER. A call the server does not know (an older server) is
  // UNIMPLEMENTED saying so. A call cut short by Interrupt is CANCELLED
  // "interrupted".
  absl::Status FromGrpc(const grpc::Status& status);

  // WaitForJob waits until job `id` ends (SUCCEEDED, FAILED or CANCELLED)
  // and returns it; DEADLINE_EXCEEDED when --timeout passes first. It asks
  // every second while the job reports progress (Job.progress) and in the
  // first seconds, before it may, and shows the progress: as a bar on a
  // terminal (see Options::progress), otherwise as a line "task ID (KIND):
  // <ProgressSummary>" on the error stream when the phase changes, and at
  // most every kProgressLineInterval otherwise.
  absl::StatusOr<debrepo::v1::Job> WaitForJob(int64_t id);

  // AwaitJob waits for job `id` to end, prints it as JSON with --json, and
  // returns it if it SUCCEEDED; otherwise returns its status (code and
  // message) as an error.
  absl::StatusOr<debrepo::v1::Job> AwaitJob(int64_t id);

  // FollowJob handles a job just submitted: with --async it prints the job
  // id (the job with --json); otherwise it awaits the job (see AwaitJob)
  // and, without --json, calls `print_success` on success.
  absl::Status FollowJob(
      const debrepo::v1::Job& job,
      absl::FunctionRef<void(const debrepo::v1::Job&)> print_success);

  // ShowProgress redraws `line` (cut to one terminal line) as the progress
  // line on the error stream, when --progress is on. Thread-safe.
  void ShowProgress(absl::string_view line);

  // ClearProgress erases the progress line, if one is shown. Thread-safe.
  void ClearProgress();

  // Interrupt makes the calls in progress (see Interruptible) and those
  // started later fail at once as CANCELLED, until ResumeAfterInterrupt.
  // It is called from another thread when the user interrupts the client
  // (SIGINT, SIGTERM).
  void Interrupt() ABSL_LOCKS_EXCLUDED(mu_);
  // interrupted reports whether Interrupt was called.
  bool interrupted() ABSL_LOCKS_EXCLUDED(mu_);
  // ResumeAfterInterrupt lets calls run again, to clean up after an
  // interruption; interrupted() stays true.
  void ResumeAfterInterrupt() ABSL_LOCKS_EXCLUDED(mu_);

  // Interruptible registers a call's context, for its lifetime, as one
  // that Interrupt cancels.
  class Interruptible {
   public:
    Interruptible(Client& client, grpc::ClientContext& context);
    ~Interruptible();
    Interruptible(const Interruptible&) = delete;
    Interruptible& operator=(const Interruptible&) = delete;

   private:
    Client& client_;
    grpc::ClientContext& context_;
  };

  // PrintJson writes `message` to the output as one line of JSON with the
  // proto field names.
  void PrintJson(const google::protobuf::Message& message);

 private:
  // The deadline of calls that do not wait for jobs.
  static constexpr absl::Duration kCallDeadline = absl::Seconds(60);

  // The least time between two plain progress lines of one phase: a log
  // gets a line every 10 s of a long download, not one a poll.
  static constexpr absl::Duration kProgressLineInterval = absl::Seconds(10);

  // The last plain progress line WaitForJob printed.
  struct ProgressLine {
    std::string phase;
    std::string summary;
    absl::Time printed = absl::InfinitePast();
  };

  void ShowJobProgress(const debrepo::v1::Job& job, absl::Duration elapsed);
  // PrintProgressLine prints `job`'s progress as a plain line when it is
  // due (see WaitForJob), updating `last`.
  void PrintProgressLine(const debrepo::v1::Job& job, ProgressLine& last);

  std::shared_ptr<grpc::Channel> channel_;
  std::string target_;
  Options options_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<debrepo::v1::Jobs::Stub> jobs_;
  std::unique_ptr<debrepo::v1::Repos::Stub> repos_;
  std::unique_ptr<debrepo::v1::Admin::Stub> admin_;
  std::unique_ptr<debrepo::v1::Files::Stub> files_;
  std::unique_ptr<debrepo::v1::Packages::Stub> packages_;
  std::unique_ptr<debrepo::v1::Snapshots::Stub> snapshots_;
  std::unique_ptr<debrepo::v1::Publish::Stub> publish_;
  std::unique_ptr<debrepo::v1::Mirrors::Stub> mirrors_;
  // Guards the progress line, which several upload streams draw.
  absl::Mutex progress_mu_;
  bool progress_shown_ ABSL_GUARDED_BY(progress_mu_) = false;
  absl::Mutex mu_;
  // Contexts of the calls in progress.
  absl::flat_hash_set<grpc::ClientContext*> calls_ ABSL_GUARDED_BY(mu_);
  bool interrupted_ ABSL_GUARDED_BY(mu_) = false;
  // Whether calls fail at once (after Interrupt, until resumed).
  bool cancel_calls_ ABSL_GUARDED_BY(mu_) = false;
};

// NewRequestId returns a random idempotency key (a version 4 UUID).
std::string NewRequestId();

// JobEnded reports whether `state` is final.
bool JobEnded(debrepo::v1::JobState state);

// MessageToJson renders `message` as one line of JSON with the proto field
// names, as PrintJson prints it.
std::string MessageToJson(const google::protobuf::Message& message);

// EndedJobStatus returns OK if `job` SUCCEEDED, otherwise its status (code
// and message in flag terms, see InFlagTerms; "task ID ended STATE" when it
// has no message) as an error.
absl::Status EndedJobStatus(const debrepo::v1::Job& job);

// InFlagTerms returns the server's `message` with the request fields its
// hints name (e.g. force_replace, ignore_signature, no_remove,
// follow_recommends, a mirror's ignore_signatures) written as the flags that
// set them (-force-replace, -ignore-signatures, -no-remove,
// -dep-follow-recommends). Only whole words
// are rewritten: a field name within a name or a quotation (a snapshot
// called "force") stays as it is.
std::string InFlagTerms(absl::string_view message);

// JobStatusToString renders a job's status as "CODE: message" ("OK" when
// the code is 0).
std::string JobStatusToString(const debrepo::v1::Job& job);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_CLIENT_H_
