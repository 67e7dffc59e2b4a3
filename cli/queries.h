// Package queries given on the command line, as aptly takes them: each
// QUERY argument is a query of its own, "@FILE" reads one from FILE, and
// several are ORed.
#ifndef DEBREPO_CLI_QUERIES_H_
#define DEBREPO_CLI_QUERIES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace debrepo::cli {

// QueryFromArguments returns the one query the server gets for the QUERY
// `arguments`: each is a query (from FILE for "@FILE"), checked on its own
// so that an error names the bad one ("query \"...\" at offset N: ...",
// INVALID_ARGUMENT); several become "(q1) | (q2) | ...", none "" (every
// package). A blank query is a usage error; an unreadable FILE is "cannot
// read FILE: <reason>".
absl::StatusOr<std::string> QueryFromArguments(
    absl::Span<const std::string> arguments);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_QUERIES_H_
