// debrepo: the command-line client of debrepo-server, with aptly's verbs.
// See docs/cli.md.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/admin_commands.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/command.h"
#include "cli/db_commands.h"
#include "cli/file_commands.h"
#include "cli/mirror_commands.h"
#include "cli/package_commands.h"
#include "cli/publish_commands.h"
#include "cli/repo_commands.h"
#include "cli/snapshot_commands.h"
#include "cli/task_commands.h"
#include "common/stop_signals.h"

namespace debrepo::cli {
namespace {

constexpr char kDefaultServer[] = "127.0.0.1:50051";

// Exit statuses.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

const std::vector<FlagSpec>& GlobalFlags() {
  static const auto* flags = new std::vector<FlagSpec>{
      {"server", false, "HOST:PORT",
       "debrepo-server address (env DEBREPO_SERVER; default " +
           std::string(kDefaultServer) + ")"},
      {"json", true, "", "print responses as JSON"},
      {"async", true, "", "print the task ID instead of waiting for the task"},
      {"timeout", false, "DURATION",
       "wait at most this long for a task, e.g. 90s or 5m (default: no limit)"},
  };
  return *flags;
}

// The signal that interrupted the client (SIGINT or SIGTERM), or 0.
std::atomic<int> interrupting_signal{0};

int ReportError(const absl::Status& status) {
  std::cerr << "debrepo: " << status.message() << "\n";
  if (IsUsageError(status)) return kExitUsage;
  // As a shell reports a process the signal ended.
  if (absl::IsCancelled(status) && interrupting_signal != 0) {
    return 128 + interrupting_signal;
  }
  return kExitFailure;
}

// WatchInterrupts starts a thread that takes the `signals` BlockStopSignals
// blocked: the first interrupts `client` (see Client::Interrupt), so that
// the command can clean up (e.g. delete the upload directory it filled)
// and say what it did; a second ends the process at once.
void WatchInterrupts(const sigset_t& signals, Client& client) {
  std::thread([signals, &client] {
    while (true) {
      const int signal = WaitForStopSignal(signals);
      if (interrupting_signal.exchange(signal) != 0) {
        constexpr char kMessage[] =
            "debrepo: interrupted again; exiting without cleaning up\n";
        (void)!write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
        std::_Exit(128 + signal);
      }
      client.Interrupt();
    }
  }).detach();
}

int Run(const std::vector<std::string>& argv) {
  std::vector<Command> commands = RepoCommands();
  for (std::vector<Command> more :
       {MirrorCommands(), SnapshotCommands(), PublishCommands(),
        PackageCommands(), FileCommands(), TaskCommands(), DbCommands(),
        AdminCommands()}) {
    commands.insert(commands.end(), more.begin(), more.end());
  }
  std::vector<CommandSpec> specs;
  for (const Command& command : commands) specs.push_back(command.spec);

  absl::StatusOr<ParsedArgs> parsed = ParseArgs(argv, GlobalFlags(), specs);
  if (!parsed.ok()) return ReportError(parsed.status());
  if (parsed->help) {
    std::cout << FormatUsage(*parsed, GlobalFlags(), specs);
    return EXIT_SUCCESS;
  }

  const CommandSpec& spec = specs[parsed->command];
  Options options;
  options.json = parsed->GetBool("json");
  options.async = parsed->GetBool("async");
  options.progress = isatty(STDERR_FILENO) != 0;
  if (parsed->Has("timeout")) {
    absl::StatusOr<absl::Duration> timeout =
        ParseDurationFlag("timeout", parsed->Get("timeout"));
    if (!timeout.ok()) return ReportError(WithUsage(spec, timeout.status()));
    options.timeout = *timeout;
  }
  std::string server = parsed->Get("server");
  if (server.empty()) {
    const char* from_env = std::getenv("DEBREPO_SERVER");
    server =
        from_env != nullptr && *from_env != '\0' ? from_env : kDefaultServer;
  }

  // Before Dial: gRPC's threads inherit the blocked signals.
  const sigset_t signals = BlockStopSignals();
  Client client(Client::Dial(server), server, options, std::cout, std::cerr);
  WatchInterrupts(signals, client);
  const absl::Status status =
      WithUsage(spec, commands[parsed->command].run(*parsed, client));
  std::cout.flush();
  if (!status.ok()) return ReportError(status);
  return EXIT_SUCCESS;
}

}  // namespace
}  // namespace debrepo::cli

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  return debrepo::cli::Run(std::vector<std::string>(argv + 1, argv + argc));
}
