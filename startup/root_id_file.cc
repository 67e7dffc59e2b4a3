#include "startup/root_id_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace debrepo::startup {
namespace {

// An id is 128 random bits in lowercase hex.
constexpr size_t kIdLength = 32;

bool IsId(absl::string_view text) {
  if (text.size() != kIdLength) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

std::string NewId() {
  absl::BitGen random;
  return absl::StrCat(
      absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16),
      absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16));
}

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::FailedPreconditionError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno),
                   "; check the directory and its permissions"));
}

// WriteDurably writes `contents` to a new file at `path` and syncs it.
absl::Status WriteDurably(const std::string& path,
                          const std::string& contents) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("creating", path);
  const bool written = write(fd, contents.data(), contents.size()) ==
                           static_cast<ssize_t>(contents.size()) &&
                       fsync(fd) == 0;
  absl::Status status =
      written ? absl::OkStatus() : ErrnoError("writing", path);
  close(fd);
  return status;
}

// SyncDirectory makes the names in `dir` durable.
absl::Status SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("opening", dir);
  const int result = fsync(fd);
  close(fd);
  if (result != 0) return ErrnoError("syncing", dir);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<std::string>> ReadRootId(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kRootIdFileName);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    return ErrnoError("opening", path);
  }
  // An id and a newline; reading a little more shows a file that is not.
  char contents[2 * kIdLength];
  const ssize_t length = read(fd, contents, sizeof(contents));
  absl::Status read_error =
      length < 0 ? ErrnoError("reading", path) : absl::OkStatus();
  close(fd);
  RETURN_IF_ERROR(read_error);
  const std::string id(
      absl::StripAsciiWhitespace(absl::string_view(contents, length)));
  if (!IsId(id)) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " does not hold a debrepo store id (", kIdLength,
        " lowercase hex digits); write the id the database records in it "
        "(SELECT kind, name, id FROM storage_roots)"));
  }
  return id;
}

absl::StatusOr<std::string> CreateRootId(const std::string& dir) {
  ASSIGN_OR_RETURN(std::optional<std::string> existing, ReadRootId(dir));
  if (existing.has_value()) return *std::move(existing);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("creating ", dir, ": ", error.message(),
                     "; check the directory and its permissions"));
  }
  const std::string id = NewId();
  const std::string path = absl::StrCat(dir, "/", kRootIdFileName);
  const std::string temp_path = absl::StrCat(path, ".tmp.", NewId());
  RETURN_IF_ERROR(WriteDurably(temp_path, absl::StrCat(id, "\n")));
  // link(2), unlike rename(2), never replaces a name: the first process to
  // link wins, and the others read its id.
  const bool linked = link(temp_path.c_str(), path.c_str()) == 0;
  const int link_error = errno;
  unlink(temp_path.c_str());
  if (!linked) {
    if (link_error != EEXIST) {
      errno = link_error;
      return ErrnoError("creating", path);
    }
    ASSIGN_OR_RETURN(existing, ReadRootId(dir));
    if (!existing.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " vanished while it was being created; start again"));
    }
    return *std::move(existing);
  }
  RETURN_IF_ERROR(SyncDirectory(dir));
  return id;
}

}  // namespace debrepo::startup
