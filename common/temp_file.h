// Unlinked temporary files under $TMPDIR, for data a process stages on
// disk rather than in memory: the file disappears when it is closed, or
// with the process, whatever way it ends.
#ifndef DEBREPO_COMMON_TEMP_FILE_H_
#define DEBREPO_COMMON_TEMP_FILE_H_

#include <cstdio>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace debrepo {

// OpenUnlinkedTempFile opens a new, already unlinked file for reading and
// writing under $TMPDIR (or /tmp); the caller closes it with std::fclose.
// Errors are TempFileError("create in <directory>", `description`).
absl::StatusOr<std::FILE*> OpenUnlinkedTempFile(absl::string_view description);

// TempFileError is the error for an `errno` failure to `what` ("write",
// "read") the temporary file `description` names ("the package spool
// file"), with what to do about it: free space or point TMPDIR elsewhere.
absl::Status TempFileError(absl::string_view what,
                           absl::string_view description);

}  // namespace debrepo

#endif  // DEBREPO_COMMON_TEMP_FILE_H_
