// Index stanzas staged on disk as their deb822 text, so that a sync can
// put off converting and spooling them (storage/package_spool.h) until it
// knows which it keeps: with a filter and dependencies, the choice is made
// only after the last index, and it keeps a few hundred of 63,000.
#ifndef DEBREPO_MIRROR_STANZA_SPOOL_H_
#define DEBREPO_MIRROR_STANZA_SPOOL_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/control.h"

namespace debrepo::mirror {

// StanzaSpool holds stanzas in an unlinked temporary file under $TMPDIR
// (or /tmp), which disappears with the spool or with the process.
class StanzaSpool {
 public:
  // Location is where Append wrote a stanza.
  struct Location {
    int64_t offset = 0;
    uint32_t length = 0;
  };

  static absl::StatusOr<std::unique_ptr<StanzaSpool>> Create();
  ~StanzaSpool();
  StanzaSpool(const StanzaSpool&) = delete;
  StanzaSpool& operator=(const StanzaSpool&) = delete;

  // Append writes `stanza` and returns where it is, for Read.
  absl::StatusOr<Location> Append(const deb::Paragraph& stanza);
  // Append writes `text` as it is and returns where it is: a stanza's
  // deb822 text (a ParagraphView's, say), for Read; or a run of an index's
  // text, whose stanzas the caller then reads at their own offsets in it.
  absl::StatusOr<Location> Append(absl::string_view text);

  // size is the number of bytes appended: where the next Append writes.
  int64_t size() const { return size_; }

  // Read returns the stanza Append wrote at `at`: the same fields, in the
  // same order (deb::Paragraph::AppendTo's promise; a text appended as it
  // is parses as it did).
  absl::StatusOr<deb::Paragraph> Read(Location at);

 private:
  explicit StanzaSpool(std::FILE* file) : file_(file) {}

  std::FILE* file_;
  int64_t size_ = 0;     // Bytes appended.
  bool flushed_ = true;  // Whether every appended byte is in the file.
  std::string text_;     // Reused for each stanza's text.
};

}  // namespace debrepo::mirror

#endif  // DEBREPO_MIRROR_STANZA_SPOOL_H_
