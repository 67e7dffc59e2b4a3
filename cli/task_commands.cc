#include "cli/task_commands.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/job_progress.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;
using ::google::protobuf::util::TimeUtil;

absl::StatusOr<int64_t> ParseTaskId(absl::string_view text) {
  int64_t id;
  if (!absl::SimpleAtoi(text, &id) || id <= 0) {
    return UsageError(
        absl::StrCat("bad task ID \"", text, "\": want a positive number"));
  }
  return id;
}

absl::Status ListTasks(const ParsedArgs& args, Client& client) {
  v1::ListJobsRequest request;
  if (args.Has("state")) {
    v1::JobState state;
    if (!v1::JobState_Parse(absl::AsciiStrToUpper(args.Get("state")), &state) ||
        state == v1::JOB_STATE_UNSPECIFIED) {
      return UsageError(absl::StrCat(
          "flag -state: bad state \"", args.Get("state"),
          "\" (want queued, running, succeeded, failed or cancelled)"));
    }
    request.set_state(state);
  }
  request.set_kind(args.Get("kind"));
  ASSIGN_OR_RETURN(const v1::ListJobsResponse all,
                   client.CallForAllPages(client.jobs(),
                                          &v1::Jobs::Stub::ListJobs, request));

  std::ostream& out = client.out();
  if (client.options().json) {
    client.PrintJson(all);
  } else if (all.jobs().empty()) {
    out << "No tasks found.\n";
  } else {
    out << "List of tasks:\n";
    for (const v1::Job& job : all.jobs()) {
      out << " * [" << job.id() << "] " << job.kind() << ": "
          << v1::JobState_Name(job.state()) << "\n";
    }
  }
  return absl::OkStatus();
}

absl::Status ShowTask(const ParsedArgs& args, Client& client) {
  ASSIGN_OR_RETURN(const int64_t id, ParseTaskId(args.arguments[0]));
  v1::GetJobRequest request;
  request.set_id(id);
  v1::Job job;
  RETURN_IF_ERROR(
      client.Call(client.jobs(), &v1::Jobs::Stub::GetJob, request, &job));
  if (client.options().json) {
    client.PrintJson(job);
    return absl::OkStatus();
  }
  std::ostream& out = client.out();
  out << "ID: " << job.id() << "\n"
      << "Kind: " << job.kind() << "\n"
      << "State: " << v1::JobState_Name(job.state()) << "\n";
  if (!job.waiting_reason().empty()) {
    out << "Why queued: " << job.waiting_reason() << "\n";
  }
  if (!job.request_id().empty()) {
    out << "Request ID: " << job.request_id() << "\n";
  }
  if (job.has_create_time()) {
    out << "Created: " << TimeUtil::ToString(job.create_time()) << "\n";
  }
  if (job.has_start_time()) {
    out << "Started: " << TimeUtil::ToString(job.start_time()) << "\n";
  }
  if (job.has_end_time()) {
    out << "Ended: " << TimeUtil::ToString(job.end_time()) << "\n";
  }
  out << "Attempts: " << job.attempts() << "\n";
  if (!job.worker().empty()) out << "Worker: " << job.worker() << "\n";
  if (job.cancel_requested()) out << "Cancel requested: yes\n";
  if (!job.exclusive_keys().empty()) {
    out << "Exclusive keys: " << absl::StrJoin(job.exclusive_keys(), ", ")
        << "\n";
  }
  if (!job.shared_keys().empty()) {
    out << "Shared keys: " << absl::StrJoin(job.shared_keys(), ", ") << "\n";
  }
  if (job.has_progress()) {
    out << "Progress: " << ProgressSummary(job.progress());
    if (job.progress().has_update_time()) {
      out << " (at " << TimeUtil::ToString(job.progress().update_time()) << ")";
    }
    out << "\n";
  }
  if (JobEnded(job.state()))
    out << "Status: " << JobStatusToString(job) << "\n";
  if (!job.log().empty()) {
    out << "Log:\n";
    for (const std::string& line : job.log()) out << "  " << line << "\n";
  }
  return absl::OkStatus();
}

absl::Status WaitTask(const ParsedArgs& args, Client& client) {
  ASSIGN_OR_RETURN(const int64_t id, ParseTaskId(args.arguments[0]));
  ASSIGN_OR_RETURN(const v1::Job job, client.AwaitJob(id));
  if (!client.options().json) {
    client.out() << "Task " << id << " (" << job.kind() << ") succeeded.\n";
  }
  return absl::OkStatus();
}

absl::Status CancelTask(const ParsedArgs& args, Client& client) {
  ASSIGN_OR_RETURN(const int64_t id, ParseTaskId(args.arguments[0]));
  v1::CancelJobRequest request;
  request.set_id(id);
  v1::Job job;
  RETURN_IF_ERROR(
      client.Call(client.jobs(), &v1::Jobs::Stub::CancelJob, request, &job));
  if (!JobEnded(job.state()) && client.options().async) {
    if (client.options().json) {
      client.PrintJson(job);
    } else {
      client.out() << "Cancellation of task " << id
                   << " requested; it stops at its next check.\n";
    }
    return absl::OkStatus();
  }
  if (!JobEnded(job.state())) {
    ASSIGN_OR_RETURN(job, client.WaitForJob(id));
  }
  if (client.options().json) client.PrintJson(job);
  if (job.state() != v1::CANCELLED) {
    return absl::FailedPreconditionError(
        absl::StrCat("task ", id, " ended ", v1::JobState_Name(job.state()),
                     " before it could be cancelled"));
  }
  if (!client.options().json) {
    client.out() << "Task " << id << " has been cancelled.\n";
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> TaskCommands() {
  return {
      {{"task",
        "list",
        {},
        {{"state", false, "STATE",
          "only tasks in this state: queued, running, succeeded, failed or "
          "cancelled"},
         {"kind", false, "KIND", "only tasks of this kind, e.g. repo.create"}},
        "List tasks, newest first."},
       &ListTasks},
      {{"task", "show", {"ID"}, {}, "Show a task, with its progress and log."},
       &ShowTask},
      {{"task", "wait", {"ID"}, {}, "Wait until a task ends."}, &WaitTask},
      {{"task",
        "cancel",
        {"ID"},
        {},
        "Cancel a task and wait until it has stopped."},
       &CancelTask},
  };
}

}  // namespace debrepo::cli
