#include "mirror/stanza_spool.h"

#include <unistd.h>

#include <limits>

#include "absl/strings/str_cat.h"
#include "common/temp_file.h"

namespace debrepo::mirror {
namespace {

// kSpoolFile names the spool's file in errors.
constexpr absl::string_view kSpoolFile = "the stanza spool file";

// kSpoolBufferBytes is the size of the spool's writes.
constexpr size_t kSpoolBufferBytes = size_t{1} << 20;

}  // namespace

absl::StatusOr<std::unique_ptr<StanzaSpool>> StanzaSpool::Create() {
  absl::StatusOr<std::FILE*> file = OpenUnlinkedTempFile(kSpoolFile);
  if (!file.ok()) return file.status();
  // A filtered sync of bookworm main spools about 45 MB: in stdio's
  // default 4 KiB writes, the system calls cost more than the copying.
  std::setvbuf(*file, nullptr, _IOFBF, kSpoolBufferBytes);
  return std::unique_ptr<StanzaSpool>(new StanzaSpool(*file));
}

StanzaSpool::~StanzaSpool() { std::fclose(file_); }

absl::StatusOr<StanzaSpool::Location> StanzaSpool::Append(
    const deb::Paragraph& stanza) {
  text_.clear();
  stanza.AppendTo(&text_);
  return Append(text_);
}

absl::StatusOr<StanzaSpool::Location> StanzaSpool::Append(
    absl::string_view text) {
  if (text.size() > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a stanza of ", text.size(), " bytes is too large"));
  }
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    return TempFileError("write", kSpoolFile);
  }
  const Location at{.offset = size_,
                    .length = static_cast<uint32_t>(text.size())};
  size_ += static_cast<int64_t>(text.size());
  flushed_ = false;
  return at;
}

absl::StatusOr<deb::Paragraph> StanzaSpool::Read(Location at) {
  if (at.offset < 0 || at.offset + at.length > size_) {
    return absl::OutOfRangeError(
        absl::StrCat("no stanza of ", at.length, " bytes at ", at.offset,
                     " in ", kSpoolFile, " of ", size_, " bytes"));
  }
  if (!flushed_) {
    if (std::fflush(file_) != 0) return TempFileError("write", kSpoolFile);
    flushed_ = true;
  }
  std::string text(at.length, '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t got = pread(fileno(file_), text.data() + done,
                              text.size() - done, at.offset + done);
    if (got < 0) return TempFileError("read", kSpoolFile);
    if (got == 0) {
      return absl::DataLossError(
          absl::StrCat(kSpoolFile, " ends before its ", size_, " bytes"));
    }
    done += static_cast<size_t>(got);
  }
  return deb::ParseParagraph(text);
}

}  // namespace debrepo::mirror
