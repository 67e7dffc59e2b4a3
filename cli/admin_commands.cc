#include "cli/admin_commands.h"

#include <vector>

#include "absl/status/status.h"
#include "common/status_macros.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

absl::Status Noop(const ParsedArgs& args, Client& client) {
  v1::SubmitNoopRequest request;
  request.set_request_id(NewRequestId());
  request.set_resource(args.Get("resource"));
  v1::Job job;
  RETURN_IF_ERROR(
      client.Call(client.admin(), &v1::Admin::Stub::SubmitNoop, request, &job));
  return client.FollowJob(job, [&](const v1::Job& ended) {
    client.out() << "Task " << ended.id() << " (" << ended.kind()
                 << ") succeeded.\n";
  });
}

}  // namespace

std::vector<Command> AdminCommands() {
  return {
      {{"admin",
        "noop",
        {},
        {{"resource", false, "NAME",
          "hold noop/NAME exclusively while the task runs"}},
        "Run a task that changes nothing, to check servers, queue and "
        "workers."},
       &Noop},
  };
}

}  // namespace debrepo::cli
