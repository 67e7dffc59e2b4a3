#include "cli/client.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/job_progress.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

// Calls the server could not take are retried a few times with backoff.
constexpr absl::string_view kServiceConfig = R"json({
  "methodConfig": [{
    "name": [{"service": "debrepo.v1.Jobs"}, {"service": "debrepo.v1.Repos"},
             {"service": "debrepo.v1.Admin"},
             {"service": "debrepo.v1.Files"},
             {"service": "debrepo.v1.Packages"},
             {"service": "debrepo.v1.Snapshots"},
             {"service": "debrepo.v1.Publish"},
             {"service": "debrepo.v1.Mirrors"}],
    "retryPolicy": {
      "maxAttempts": 5,
      "initialBackoff": "0.2s",
      "maxBackoff": "2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})json";

// How long one WaitJob call waits: short when progress wants showing,
// longer otherwise.
constexpr absl::Duration kProgressPoll = absl::Seconds(1);
constexpr absl::Duration kQuietPoll = absl::Seconds(30);
// For how long a wait polls at kProgressPoll before the job has reported
// progress: a job's first report (a sync's, as it starts)
// then shows within a second, and a job that reports none costs a few
// calls more.
constexpr absl::Duration kProgressWatch = absl::Seconds(10);
// What a WaitJob call's deadline allows beyond its timeout.
constexpr absl::Duration kWaitSlack = absl::Seconds(15);
// The least time between two WaitJob calls, in case a server returns early.
constexpr absl::Duration kMinPoll = absl::Milliseconds(200);

std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// The request fields the server's hints name, and the flags that set them.
constexpr std::pair<absl::string_view, absl::string_view> kFlagsOfFields[] = {
    {"force", "-force"},
    {"force_replace", "-force-replace"},
    {"accept_unsigned", "-accept-unsigned"},
    {"ignore_signature", "-ignore-signatures"},
    {"only_matching", "-only-matching"},
    {"no_remove", "-no-remove"},
    {"no_deps", "-no-deps"},
    {"all_matches", "-all-matches"},
    {"with_deps", "-with-deps"},
    {"dry_run", "-dry-run"},
    {"follow_recommends", "-dep-follow-recommends"},
    {"follow_suggests", "-dep-follow-suggests"},
    {"force_drop", "-force-drop"},
    {"skip_signing", "-skip-signing"},
    {"skip_contents", "-skip-contents"},
    {"acquire_by_hash", "-acquire-by-hash"},
    {"gpg_key", "-gpg-key"},
    {"ignore_signatures", "-ignore-signatures"},
    {"filter_with_deps", "-filter-with-deps"},
    {"with_sources", "-with-sources"},
    {"with_udebs", "-with-udebs"},
};

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// JoinsWord reports whether `c` next to a word makes the word part of a
// name ("a.force", "no_remove-x") or of a quotation ("\"force\"", a
// snapshot called force), which are not hints.
bool JoinsWord(char c) {
  return IsWordChar(c) ||
         absl::string_view("-.+~\"'`").find(c) != absl::string_view::npos;
}

}  // namespace

Client::Client(std::shared_ptr<grpc::Channel> channel, std::string target,
               Options options, std::ostream& out, std::ostream& err)
    : channel_(std::move(channel)),
      target_(std::move(target)),
      options_(options),
      out_(out),
      err_(err),
      jobs_(v1::Jobs::NewStub(channel_)),
      repos_(v1::Repos::NewStub(channel_)),
      admin_(v1::Admin::NewStub(channel_)),
      files_(v1::Files::NewStub(channel_)),
      packages_(v1::Packages::NewStub(channel_)),
      snapshots_(v1::Snapshots::NewStub(channel_)),
      publish_(v1::Publish::NewStub(channel_)),
      mirrors_(v1::Mirrors::NewStub(channel_)) {}

std::shared_ptr<grpc::Channel> Client::Dial(const std::string& target) {
  grpc::ChannelArguments arguments;
  arguments.SetServiceConfigJSON(std::string(kServiceConfig));
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   arguments);
}

absl::Status Client::FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  if (code == absl::StatusCode::kCancelled && interrupted()) {
    return absl::CancelledError("interrupted");
  }
  if (code == absl::StatusCode::kUnimplemented &&
      status.error_message().empty()) {
    // What gRPC answers for a service or method the server lacks.
    return absl::UnimplementedError(absl::StrCat(
        "UNIMPLEMENTED: debrepo-server at ", target_,
        " does not offer this call: it is older than this client; upgrade "
        "it"));
  }
  const std::string message = absl::StrCat(CodeName(status.error_code()), ": ",
                                           InFlagTerms(status.error_message()));
  if (code == absl::StatusCode::kUnavailable &&
      channel_->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_READY) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach debrepo-server at ", target_, " (", message,
        "); set its address with --server HOST:PORT or DEBREPO_SERVER"));
  }
  return absl::Status(code, message);
}

absl::StatusOr<v1::Job> Client::WaitForJob(int64_t id) {
  const absl::Time start = absl::Now();
  const absl::Time give_up = start + options_.timeout;
  bool reports_progress = false;
  ProgressLine last_line;
  while (true) {
    const absl::Time call_start = absl::Now();
    const bool watch = options_.progress || reports_progress ||
                       call_start - start < kProgressWatch;
    const absl::Duration poll = watch ? kProgressPoll : kQuietPoll;
    const absl::Duration wait =
        std::max(absl::ZeroDuration(), std::min(poll, give_up - call_start));
    v1::WaitJobRequest request;
    request.set_id(id);
    const int64_t wait_ms = absl::ToInt64Milliseconds(wait);
    request.mutable_timeout()->set_seconds(wait_ms / 1000);
    request.mutable_timeout()->set_nanos((wait_ms % 1000) * 1000000);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(call_start + wait + kWaitSlack));
    v1::Job job;
    absl::Status status;
    {
      const Interruptible interruptible(*this, context);
      status = FromGrpc(jobs_->WaitJob(&context, request, &job));
    }
    const absl::Time now = absl::Now();
    if (!status.ok() || JobEnded(job.state())) {
      ClearProgress();
      if (absl::IsCancelled(status) && interrupted()) {
        return absl::CancelledError(absl::StrCat(
            "interrupted while waiting for task ", id,
            ", which goes on; run 'debrepo task wait ", id,
            "' to wait again or 'debrepo task cancel ", id, "' to stop it"));
      }
      if (!status.ok()) return status;
      return job;
    }
    if (now >= give_up) {
      ClearProgress();
      return absl::DeadlineExceededError(absl::StrCat(
          "gave up waiting for task ", id, " after ",
          absl::FormatDuration(options_.timeout), " (it is ",
          v1::JobState_Name(job.state()),
          " and goes on); run 'debrepo task wait ", id, "' to wait again"));
    }
    reports_progress = job.has_progress();
    ShowJobProgress(job, now - start);
    PrintProgressLine(job, last_line);
    if (now - call_start < kMinPoll) {
      absl::SleepFor(kMinPoll - (now - call_start));
    }
  }
}

absl::StatusOr<v1::Job> Client::AwaitJob(int64_t id) {
  absl::StatusOr<v1::Job> job = WaitForJob(id);
  if (!job.ok()) return job.status();
  if (options_.json) PrintJson(*job);
  RETURN_IF_ERROR(EndedJobStatus(*job));
  return job;
}

absl::Status Client::FollowJob(
    const v1::Job& job, absl::FunctionRef<void(const v1::Job&)> print_success) {
  if (options_.async) {
    if (options_.json) {
      PrintJson(job);
    } else {
      out_ << job.id() << "\n";
    }
    return absl::OkStatus();
  }
  absl::StatusOr<v1::Job> ended = AwaitJob(job.id());
  if (!ended.ok()) return ended.status();
  if (!options_.json) print_success(*ended);
  return absl::OkStatus();
}

void Client::Interrupt() {
  absl::MutexLock lock(&mu_);
  interrupted_ = true;
  cancel_calls_ = true;
  for (grpc::ClientContext* context : calls_) context->TryCancel();
}

bool Client::interrupted() {
  absl::MutexLock lock(&mu_);
  return interrupted_;
}

void Client::ResumeAfterInterrupt() {
  absl::MutexLock lock(&mu_);
  cancel_calls_ = false;
}

Client::Interruptible::Interruptible(Client& client,
                                     grpc::ClientContext& context)
    : client_(client), context_(context) {
  absl::MutexLock lock(&client_.mu_);
  client_.calls_.insert(&context_);
  // A context cancelled before its call starts fails the call at once.
  if (client_.cancel_calls_) context_.TryCancel();
}

Client::Interruptible::~Interruptible() {
  absl::MutexLock lock(&client_.mu_);
  client_.calls_.erase(&context_);
}

void Client::PrintJson(const google::protobuf::Message& message) {
  out_ << MessageToJson(message) << "\n";
}

void Client::ShowJobProgress(const v1::Job& job, absl::Duration elapsed) {
  if (!options_.progress) return;
  if (job.has_progress()) {
    // The bar first: a long phase name or count is what the width cuts.
    // "task 12 [=====>      ]  42% downloading: files 120/500, 12.30
    // MiB/29.10 MiB" fits 79 columns.
    constexpr int kBarWidth = 12;
    std::string line = absl::StrCat("task ", job.id(), " ");
    if (const std::optional<double> fraction =
            ProgressFraction(job.progress())) {
      absl::StrAppend(&line, ProgressBar(*fraction, kBarWidth), " ");
    }
    absl::StrAppend(&line, ProgressCounts(job.progress()));
    ShowProgress(line);
    return;
  }
  std::string line = absl::StrFormat("task %d (%s): %s, %ds", job.id(),
                                     job.kind(), v1::JobState_Name(job.state()),
                                     absl::ToInt64Seconds(elapsed));
  if (!job.worker().empty()) absl::StrAppend(&line, ", worker ", job.worker());
  if (job.attempts() > 1) absl::StrAppend(&line, ", attempt ", job.attempts());
  if (job.log_size() > 0) {
    absl::StrAppend(&line, ": ", job.log(job.log_size() - 1));
  }
  ShowProgress(line);
}

void Client::PrintProgressLine(const v1::Job& job, ProgressLine& last) {
  if (options_.progress || !job.has_progress()) return;
  std::string summary = ProgressSummary(job.progress());
  const absl::Time now = absl::Now();
  if (summary == last.summary || (job.progress().phase() == last.phase &&
                                  now - last.printed < kProgressLineInterval)) {
    return;
  }
  {
    absl::MutexLock lock(&progress_mu_);
    err_ << "task " << job.id() << " (" << job.kind() << "): " << summary
         << "\n"
         << std::flush;
  }
  last = {job.progress().phase(), std::move(summary), now};
}

void Client::ShowProgress(absl::string_view line) {
  if (!options_.progress) return;
  constexpr size_t kMaxWidth = 79;
  absl::MutexLock lock(&progress_mu_);
  err_ << "\r\033[K" << line.substr(0, kMaxWidth) << std::flush;
  progress_shown_ = true;
}

void Client::ClearProgress() {
  absl::MutexLock lock(&progress_mu_);
  if (!progress_shown_) return;
  err_ << "\r\033[K" << std::flush;
  progress_shown_ = false;
}

std::string NewRequestId() {
  absl::BitGen gen;
  const uint64_t high = absl::Uniform<uint64_t>(gen);
  const uint64_t low = absl::Uniform<uint64_t>(gen);
  // Version 4, variant 1 (RFC 4122).
  return absl::StrFormat(
      "%08x-%04x-4%03x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
      high & 0x0fff, 0x8000 | ((low >> 48) & 0x3fff), low & 0xffffffffffffULL);
}

bool JobEnded(v1::JobState state) {
  return state == v1::SUCCEEDED || state == v1::FAILED ||
         state == v1::CANCELLED;
}

std::string MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.preserve_proto_field_names = true;
  std::string json;
  // Printing a message with only known fields cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &json,
                                                    json_options);
  return json;
}

std::string InFlagTerms(absl::string_view message) {
  std::string out;
  size_t i = 0;
  while (i < message.size()) {
    if (!IsWordChar(message[i])) {
      out.push_back(message[i++]);
      continue;
    }
    size_t end = i;
    while (end < message.size() && IsWordChar(message[end])) ++end;
    const absl::string_view word = message.substr(i, end - i);
    // A '.' after a word ends a sentence unless a name goes on after it.
    const bool joined_after =
        end < message.size() &&
        (message[end] == '.'
             ? end + 1 < message.size() && IsWordChar(message[end + 1])
             : JoinsWord(message[end]));
    const bool standalone =
        (i == 0 || !JoinsWord(message[i - 1])) && !joined_after;
    absl::string_view replacement = word;
    for (const auto& [field, flag] : kFlagsOfFields) {
      if (standalone && word == field) replacement = flag;
    }
    absl::StrAppend(&out, replacement);
    i = end;
  }
  return out;
}

absl::Status EndedJobStatus(const v1::Job& job) {
  if (job.state() == v1::SUCCEEDED) return absl::OkStatus();
  std::string message = InFlagTerms(job.status_message());
  if (message.empty()) {
    message = absl::StrCat("task ", job.id(), " ended ",
                           v1::JobState_Name(job.state()));
  }
  const auto code = job.status_code() != 0
                        ? static_cast<absl::StatusCode>(job.status_code())
                        : absl::StatusCode::kUnknown;
  return absl::Status(code, message);
}

std::string JobStatusToString(const v1::Job& job) {
  if (job.status_code() == 0) return "OK";
  return absl::StrCat(CodeName(job.status_code()), ": ", job.status_message());
}

}  // namespace debrepo::cli
