// Streaming decoding of a remote archive's index (Packages, Sources) as its
// compressed bytes arrive: checked against the Release's size and SHA-256,
// decompressed within bounds (a hostile archive's decompression bomb fails
// early), and split into stanzas without ever holding the whole index.
// Decompression and parsing run on two threads, pipelined.
#ifndef DEBREPO_MIRROR_INDEX_DECODER_H_
#define DEBREPO_MIRROR_INDEX_DECODER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/checksums.h"
#include "deb/control.h"
#include "mirror/release.h"

namespace debrepo::mirror {
namespace internal {
// Decompressor turns compressed bytes into text; one per compression.
class Decompressor;
}  // namespace internal

// IndexLimits bound what one index may hold.
struct IndexLimits {
  // max_bytes bounds the decompressed index (Debian's largest, main's
  // Sources, is about 50 MB).
  int64_t max_bytes = int64_t{4} << 30;
  // max_ratio bounds the decompressed size as a multiple of the compressed
  // Size in the Release (real indices compress 5 to 10 times).
  int64_t max_ratio = 200;
  // max_stanza_bytes bounds one stanza (real ones are a few KiB; the
  // largest Sources stanzas about 100 KiB).
  size_t max_stanza_bytes = size_t{8} << 20;
};

// IndexDecoder decodes one index file, by the compression its path's
// extension names (".xz", ".gz", or none), calling a callback with each
// stanza in index order. Feed and Finish decompress on the caller's thread
// while a thread of the decoder's own parses the text and calls the
// callback: a sync's two halves then take two cores, and the decompression
// (a third of a filtered sync's time) runs beside the rest. The callback
// runs on that thread, one stanza at a time (the last stanza on Finish's
// thread, after that thread has ended); Finish, a Feed that fails and the
// destructor return only after its last call.
class IndexDecoder {
 public:
  // StanzaCallback receives each stanza; an error it returns stops the
  // decoding and is returned unchanged by Feed (a later call, as the
  // parsing lags the decompression) or Finish.
  using StanzaCallback = std::function<absl::Status(const deb::Paragraph&)>;
  // StanzaViewCallback receives each stanza as a view into the decoded
  // text, valid during the call, as StanzaCallback does its Paragraph: the
  // same stanzas and errors, without copying every field (a filtered sync
  // reads a few of 63,000 stanzas' fields); and `offset`, where the
  // stanza's text starts in the decoded index.
  using StanzaViewCallback = std::function<absl::Status(
      const deb::ParagraphView& stanza, int64_t offset)>;
  // TextCallback receives the decoded index, a block at a time, in order,
  // on the thread of Feed and Finish (beside the parsing); its error stops
  // the decoding as the stanza callback's does.
  using TextCallback = std::function<absl::Status(absl::string_view text)>;

  // Create returns a decoder of `file`, named `name` (its URL, say) in
  // errors. INVALID_ARGUMENT for an extension other than .xz and .gz.
  static absl::StatusOr<std::unique_ptr<IndexDecoder>> Create(
      const ReleaseIndexFile& file, std::string name, StanzaCallback on_stanza,
      const IndexLimits& limits = {});
  // Create returns a decoder calling `on_stanza` with views, and `on_text`
  // (unless null) with the text.
  static absl::StatusOr<std::unique_ptr<IndexDecoder>> Create(
      const ReleaseIndexFile& file, std::string name,
      StanzaViewCallback on_stanza, TextCallback on_text,
      const IndexLimits& limits = {});

  ~IndexDecoder();
  IndexDecoder(const IndexDecoder&) = delete;
  IndexDecoder& operator=(const IndexDecoder&) = delete;

  // Feed decodes the next compressed bytes, calling the callback for every
  // stanza they complete. Errors (after one, every call returns it):
  // FAILED_PRECONDITION when the bytes exceed the Release's Size, are not
  // valid compressed data or do not parse as stanzas; RESOURCE_EXHAUSTED
  // when the index decompresses to more than the limits allow.
  absl::Status Feed(absl::string_view chunk);

  // Finish ends the index: it checks the size and SHA-256 against the
  // Release (FAILED_PRECONDITION naming the index when they differ), that
  // the compressed data is complete, and delivers the last stanza.
  absl::Status Finish();

  // stanzas is the number of stanzas delivered: all of them once Finish
  // has returned.
  int64_t stanzas() const { return stanzas_.load(); }

  // decompressed_bytes is the size of the index text decoded so far.
  int64_t decompressed_bytes() const { return decompressed_bytes_; }

 private:
  // One of `on_stanza` and `on_stanza_view` is set.
  IndexDecoder(const ReleaseIndexFile& file, std::string name,
               StanzaCallback on_stanza, StanzaViewCallback on_stanza_view,
               TextCallback on_text, const IndexLimits& limits,
               std::unique_ptr<internal::Decompressor> decompressor);

  std::function<absl::Status(absl::string_view)> TextOutput();
  // Queue hands a block of text to the parsing thread, waiting while
  // kQueuedBlocks are queued; it returns the parsing's error, if any.
  absl::Status Queue(absl::string_view text);
  // ParseQueued is the parsing thread: FeedText on each queued block until
  // the end (an empty block) or an error.
  void ParseQueued();
  // StopParsing ends the parsing thread once it has parsed what is queued,
  // and returns its error.
  absl::Status StopParsing();
  // Abandon ends the parsing thread without parsing what is queued.
  void Abandon();
  absl::Status FeedText(absl::string_view text);
  absl::Status ParseStanzas(absl::string_view text);
  absl::Status Fail(absl::Status status);

  ReleaseIndexFile file_;
  std::string name_;
  StanzaCallback on_stanza_;
  StanzaViewCallback on_stanza_view_;
  TextCallback on_text_;
  IndexLimits limits_;
  int64_t max_decompressed_bytes_;
  std::unique_ptr<internal::Decompressor> decompressor_;
  // Only SHA-256 is checked against the Release: the other digests were a
  // fifth of the decompressing thread's time.
  deb::ChecksumCalculator checksums_{deb::DigestSet::kSha256Only};
  int64_t compressed_bytes_ = 0;
  int64_t decompressed_bytes_ = 0;
  std::atomic<int64_t> stanzas_ = 0;
  // The decompressed blocks the parsing thread has yet to parse (an empty
  // one ends it), its error, and whether it has ended; under mutex_.
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queued_;
  absl::Status parse_status_;
  bool parsing_ended_ = false;
  // Text of the stanza being received: lines after the last blank line.
  std::string pending_;
  // Where in pending_ the line being received starts.
  size_t line_start_ = 0;
  // Where pending_ starts in the decoded index.
  int64_t pending_offset_ = 0;
  // Lines parsed before pending_ (for error messages).
  int64_t lines_before_ = 0;
  // pending_ and the three above are the parsing thread's
  // until it has ended.
  absl::Status status_;
  // Whether status_ came from the text side, not the decompressor.
  bool text_failed_ = false;
  bool finished_ = false;
  // Last: it starts in the constructor and uses the members above.
  std::thread parser_;
};

}  // namespace debrepo::mirror

#endif  // DEBREPO_MIRROR_INDEX_DECODER_H_
