// Decompression runs in fixed-size output blocks, so the text in memory at
// any time is a few blocks (those queued for the parsing thread) plus the
// stanza being received, however large the index or its compression ratio.
#include "mirror/index_decoder.h"

#include <lzma.h>
#include <string.h>
#include <zlib.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace debrepo::mirror {
namespace internal {

// Decompressor turns compressed bytes into text, handing it to `out` in
// blocks of at most kBlockBytes.
class Decompressor {
 public:
  using Output = std::function<absl::Status(absl::string_view text)>;
  static constexpr size_t kBlockBytes = 256 << 10;

  virtual ~Decompressor() = default;
  // Decompress consumes all of `in`. Errors: DATA_LOSS for corrupt data;
  // RESOURCE_EXHAUSTED when the decoder needs more memory than allowed;
  // whatever `out` returns.
  virtual absl::Status Decompress(absl::string_view in, const Output& out) = 0;
  // Finish flushes the rest; DATA_LOSS when the data ends early.
  virtual absl::Status Finish(const Output& out) = 0;
};

}  // namespace internal

namespace {

using ::debrepo::mirror::internal::Decompressor;

// kQueuedBlocks bounds the decompressed blocks waiting for the parsing
// thread: enough to ride out the unevenness of both sides, and a megabyte
// of memory.
constexpr size_t kQueuedBlocks = 4;

// kXzMemoryLimit bounds xz's decoder: `xz -9` needs 65 MiB, Debian's
// indices (xz -6) 9 MiB. A header asking for more is hostile.
constexpr uint64_t kXzMemoryLimit = uint64_t{80} << 20;

class PlainText : public Decompressor {
 public:
  absl::Status Decompress(absl::string_view in, const Output& out) override {
    while (!in.empty()) {
      size_t n = std::min(in.size(), kBlockBytes);
      RETURN_IF_ERROR(out(in.substr(0, n)));
      in.remove_prefix(n);
    }
    return absl::OkStatus();
  }
  absl::Status Finish(const Output&) override { return absl::OkStatus(); }
};

// XzText decodes .xz, concatenated streams included (as xz does).
class XzText : public Decompressor {
 public:
  XzText() : block_(kBlockBytes, '\0') {}
  ~XzText() override { lzma_end(&stream_); }

  absl::Status Init() {
    if (lzma_stream_decoder(&stream_, kXzMemoryLimit, LZMA_CONCATENATED) !=
        LZMA_OK) {
      return absl::InternalError("cannot start an xz decoder");
    }
    return absl::OkStatus();
  }

  absl::Status Decompress(absl::string_view in, const Output& out) override {
    stream_.next_in = reinterpret_cast<const uint8_t*>(in.data());
    stream_.avail_in = in.size();
    while (stream_.avail_in > 0) RETURN_IF_ERROR(Step(LZMA_RUN, out));
    return absl::OkStatus();
  }

  absl::Status Finish(const Output& out) override {
    stream_.avail_in = 0;
    while (!ended_) RETURN_IF_ERROR(Step(LZMA_FINISH, out));
    return absl::OkStatus();
  }

 private:
  absl::Status Step(lzma_action action, const Output& out) {
    stream_.next_out = reinterpret_cast<uint8_t*>(block_.data());
    stream_.avail_out = block_.size();
    lzma_ret ret = lzma_code(&stream_, action);
    size_t produced = block_.size() - stream_.avail_out;
    if (produced > 0) {
      RETURN_IF_ERROR(out(absl::string_view(block_.data(), produced)));
    }
    switch (ret) {
      case LZMA_OK:
        return absl::OkStatus();
      case LZMA_STREAM_END:
        ended_ = true;
        return absl::OkStatus();
      case LZMA_MEMLIMIT_ERROR:
        return absl::ResourceExhaustedError(
            absl::StrCat("its xz data needs more than ", kXzMemoryLimit >> 20,
                         " MiB to decompress"));
      case LZMA_BUF_ERROR:
        return absl::DataLossError("its xz data ends early");
      default:
        return absl::DataLossError(
            absl::StrCat("its xz data is corrupt (liblzma error ",
                         static_cast<int>(ret), ")"));
    }
  }

  lzma_stream stream_ = LZMA_STREAM_INIT;
  std::string block_;
  bool ended_ = false;
};

// GzipText decodes .gz, with several members (as gzip does).
class GzipText : public Decompressor {
 public:
  GzipText() : block_(kBlockBytes, '\0') {}
  ~GzipText() override {
    if (initialised_) inflateEnd(&stream_);
  }

  absl::Status Init() {
    if (inflateInit2(&stream_, 15 + 16) != Z_OK) {
      return absl::InternalError("cannot start a gzip decoder");
    }
    initialised_ = true;
    return absl::OkStatus();
  }

  absl::Status Decompress(absl::string_view in, const Output& out) override {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(in.size());
    while (stream_.avail_in > 0) {
      if (member_ended_) {
        // Another member follows.
        inflateReset(&stream_);
        member_ended_ = false;
      }
      stream_.next_out = reinterpret_cast<Bytef*>(block_.data());
      stream_.avail_out = static_cast<uInt>(block_.size());
      int ret = inflate(&stream_, Z_NO_FLUSH);
      size_t produced = block_.size() - stream_.avail_out;
      if (produced > 0) {
        RETURN_IF_ERROR(out(absl::string_view(block_.data(), produced)));
      }
      if (ret == Z_STREAM_END) {
        member_ended_ = true;
      } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        return absl::DataLossError(absl::StrCat(
            "its gzip data is corrupt (",
            stream_.msg != nullptr ? stream_.msg : "zlib error", ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Finish(const Output& out) override {
    // inflate keeps no output back once its input is consumed with room to
    // spare, so only the member's end is left to check.
    (void)out;
    if (!member_ended_) {
      return absl::DataLossError("its gzip data ends early");
    }
    return absl::OkStatus();
  }

 private:
  z_stream stream_ = {};
  bool initialised_ = false;
  std::string block_;
  bool member_ended_ = false;
};

absl::StatusOr<std::unique_ptr<Decompressor>> MakeDecompressor(
    absl::string_view path) {
  absl::string_view base = path.substr(path.rfind('/') + 1);
  if (absl::EndsWith(base, ".xz")) {
    auto xz = std::make_unique<XzText>();
    RETURN_IF_ERROR(xz->Init());
    return xz;
  }
  if (absl::EndsWith(base, ".gz")) {
    auto gzip = std::make_unique<GzipText>();
    RETURN_IF_ERROR(gzip->Init());
    return gzip;
  }
  if (absl::StrContains(base, '.')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot decompress ", path, ": only .xz and .gz are read"));
  }
  return std::make_unique<PlainText>();
}

}  // namespace

absl::StatusOr<std::unique_ptr<IndexDecoder>> IndexDecoder::Create(
    const ReleaseIndexFile& file, std::string name, StanzaCallback on_stanza,
    const IndexLimits& limits) {
  ASSIGN_OR_RETURN(std::unique_ptr<Decompressor> decompressor,
                   MakeDecompressor(file.path));
  return std::unique_ptr<IndexDecoder>(
      new IndexDecoder(file, std::move(name), std::move(on_stanza), nullptr,
                       nullptr, limits, std::move(decompressor)));
}

absl::StatusOr<std::unique_ptr<IndexDecoder>> IndexDecoder::Create(
    const ReleaseIndexFile& file, std::string name,
    StanzaViewCallback on_stanza, TextCallback on_text,
    const IndexLimits& limits) {
  ASSIGN_OR_RETURN(std::unique_ptr<Decompressor> decompressor,
                   MakeDecompressor(file.path));
  return std::unique_ptr<IndexDecoder>(
      new IndexDecoder(file, std::move(name), nullptr, std::move(on_stanza),
                       std::move(on_text), limits, std::move(decompressor)));
}

IndexDecoder::IndexDecoder(const ReleaseIndexFile& file, std::string name,
                           StanzaCallback on_stanza,
                           StanzaViewCallback on_stanza_view,
                           TextCallback on_text, const IndexLimits& limits,
                           std::unique_ptr<Decompressor> decompressor)
    : file_(file),
      name_(std::move(name)),
      on_stanza_(std::move(on_stanza)),
      on_stanza_view_(std::move(on_stanza_view)),
      on_text_(std::move(on_text)),
      limits_(limits),
      // Saturating: a hostile Size near 2^63 must not overflow the product.
      max_decompressed_bytes_(
          file.size > limits.max_bytes / std::max<int64_t>(limits.max_ratio, 1)
              ? limits.max_bytes
              : std::min(limits.max_bytes, file.size * limits.max_ratio)),
      decompressor_(std::move(decompressor)),
      parser_([this] { ParseQueued(); }) {}

IndexDecoder::~IndexDecoder() { Abandon(); }

void IndexDecoder::Abandon() {
  {
    // What is queued is not wanted any more.
    std::lock_guard<std::mutex> lock(mutex_);
    queued_.clear();
  }
  StopParsing().IgnoreError();
}

absl::Status IndexDecoder::Queue(absl::string_view text) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] {
    return queued_.size() < kQueuedBlocks || parsing_ended_;
  });
  if (!parse_status_.ok()) return parse_status_;
  if (parsing_ended_) return absl::InternalError("index parsing has ended");
  queued_.emplace_back(text);
  changed_.notify_all();
  return absl::OkStatus();
}

void IndexDecoder::ParseQueued() {
  absl::Status status;
  while (status.ok()) {
    std::string block;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return !queued_.empty(); });
      block = std::move(queued_.front());
      queued_.pop_front();
      changed_.notify_all();
    }
    if (block.empty()) break;  // The end.
    status = FeedText(block);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  parse_status_ = std::move(status);
  parsing_ended_ = true;
  queued_.clear();
  changed_.notify_all();
}

absl::Status IndexDecoder::StopParsing() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!parsing_ended_) {
      queued_.emplace_back();  // The end, after what is queued.
      changed_.notify_all();
    }
  }
  if (parser_.joinable()) parser_.join();
  return parse_status_;
}

absl::Status IndexDecoder::Fail(absl::Status status) {
  if (status.ok()) return status;
  // No callback runs once an error is returned.
  Abandon();
  if (text_failed_) {
    // From the text side (limits, parsing, the callback): final already.
    status_ = std::move(status);
    return status_;
  }
  switch (status.code()) {
    case absl::StatusCode::kDataLoss:
      status_ = absl::FailedPreconditionError(absl::StrCat(
          "index ", name_, " cannot be decompressed: ", status.message(),
          "; the archive is damaged or changed while it was read: try again "
          "later"));
      break;
    case absl::StatusCode::kResourceExhausted:
      status_ = absl::ResourceExhaustedError(absl::StrCat(
          "index ", name_, ": ", status.message(), "; check the archive"));
      break;
    default:
      status_ = std::move(status);
  }
  return status_;
}

absl::Status IndexDecoder::Feed(absl::string_view chunk) {
  if (!status_.ok()) return status_;
  if (finished_) return absl::FailedPreconditionError("index already finished");
  absl::Status parsed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    parsed = parse_status_;
  }
  if (!parsed.ok()) {
    // The parsing's error (the callback's, say) ends the decoding as soon
    // as it is known.
    text_failed_ = true;
    return Fail(std::move(parsed));
  }
  compressed_bytes_ += static_cast<int64_t>(chunk.size());
  if (compressed_bytes_ > file_.size) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(
        "index ", name_, " is larger than the ", file_.size,
        " bytes the Release lists; the archive is inconsistent or changing: "
        "try again later")));
  }
  checksums_.Update(chunk);
  return Fail(decompressor_->Decompress(chunk, TextOutput()));
}

std::function<absl::Status(absl::string_view)> IndexDecoder::TextOutput() {
  return [this](absl::string_view text) {
    decompressed_bytes_ += static_cast<int64_t>(text.size());
    absl::Status status;
    if (decompressed_bytes_ > max_decompressed_bytes_) {
      status = absl::ResourceExhaustedError(absl::StrCat(
          "index ", name_, " decompresses to more than ",
          max_decompressed_bytes_, " bytes (at most ", limits_.max_ratio,
          " times its ", file_.size, " bytes, and at most ", limits_.max_bytes,
          "): a decompression bomb? check the archive"));
    } else if (on_text_ != nullptr) {
      // Before queueing: while the parsing thread is busy, not after
      // waiting for room in the queue.
      status = on_text_(text);
    }
    if (status.ok()) status = Queue(text);
    text_failed_ = !status.ok();
    return status;
  };
}

absl::Status IndexDecoder::FeedText(absl::string_view text) {
  // Find the last blank line among the new lines: everything before it is
  // complete stanzas. From the end backwards, it is usually in the last
  // stanza (the parsing reads each line anyway; a second forward scan of
  // every line cost as much as a tenth of it).
  const size_t scan = pending_.size();
  pending_.append(text.data(), text.size());
  size_t complete = 0;
  const char* const begin = pending_.data();
  const size_t last_newline = pending_.rfind('\n');
  if (last_newline != std::string::npos && last_newline >= scan) {
    // Each line, from the last complete one back to the first new one.
    size_t end = last_newline;
    while (complete == 0 && end >= scan && end >= line_start_) {
      const void* previous =
          memrchr(begin + line_start_, '\n', end - line_start_);
      const size_t start = previous == nullptr
                               ? line_start_
                               : static_cast<const char*>(previous) - begin + 1;
      absl::string_view line(begin + start, end - start);
      // Most lines start with a field name: only one starting with blank
      // space (or empty) needs the whole look.
      if (line.empty() ||
          ((line[0] == ' ' || line[0] == '\t' || line[0] == '\r') &&
           line.find_first_not_of(" \t\r") == absl::string_view::npos)) {
        complete = end + 1;
      }
      if (start == line_start_) break;
      end = start - 1;
    }
    line_start_ = last_newline + 1;
  }
  if (complete > 0) {
    RETURN_IF_ERROR(ParseStanzas(absl::string_view(pending_.data(), complete)));
    pending_.erase(0, complete);
    pending_offset_ += static_cast<int64_t>(complete);
    line_start_ -= complete;
  }
  if (pending_.size() > limits_.max_stanza_bytes) {
    return absl::FailedPreconditionError(absl::StrCat(
        "index ", name_, " has a stanza larger than ", limits_.max_stanza_bytes,
        " bytes near line ", lines_before_ + 1, "; check the archive"));
  }
  return absl::OkStatus();
}

absl::Status IndexDecoder::ParseStanzas(absl::string_view text) {
  deb::ParagraphReader reader(text, limits_.max_stanza_bytes);
  // The stanza type is the callback's: a Paragraph, or a view.
  auto deliver = [&](auto& stanza, const auto& on_stanza) -> absl::Status {
    while (true) {
      absl::StatusOr<bool> next = reader.Next(&stanza);
      if (!next.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("index ", name_, " does not parse (",
                         next.status().message(), ", counting from line ",
                         lines_before_ + 1, "); check the archive"));
      }
      if (!*next) return absl::OkStatus();
      ++stanzas_;
      RETURN_IF_ERROR(on_stanza(stanza));
    }
  };
  if (on_stanza_view_ != nullptr) {
    // `text` starts pending_.
    deb::ParagraphView stanza;
    RETURN_IF_ERROR(
        deliver(stanza, [&](const deb::ParagraphView& view) -> absl::Status {
          return on_stanza_view_(
              view, pending_offset_ + (view.text().data() - text.data()));
        }));
  } else {
    deb::Paragraph stanza;
    RETURN_IF_ERROR(deliver(stanza, on_stanza_));
  }
  // The reader has read every line of `text`, which ends with one (but
  // for the index's last stanza, after which the count is not used).
  lines_before_ += reader.line() - 1;
  return absl::OkStatus();
}

absl::Status IndexDecoder::Finish() {
  if (!status_.ok()) return status_;
  if (finished_) return absl::FailedPreconditionError("index already finished");
  finished_ = true;
  deb::Checksums checksums = checksums_.Finish();
  if (compressed_bytes_ != file_.size || checksums.sha256 != file_.sha256) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(
        "index ", name_, " does not match the Release (", compressed_bytes_,
        " bytes with SHA-256 ", checksums.sha256, ", not ", file_.size,
        " bytes with SHA-256 ", file_.sha256,
        "); the archive is inconsistent or changing: try again later")));
  }
  RETURN_IF_ERROR(Fail(decompressor_->Finish(TextOutput())));
  text_failed_ = true;
  RETURN_IF_ERROR(Fail(StopParsing()));
  // The last stanza need not end in a blank line; the parsing thread has
  // ended, so its text is this thread's.
  RETURN_IF_ERROR(Fail(ParseStanzas(pending_)));
  pending_.clear();
  return absl::OkStatus();
}

}  // namespace debrepo::mirror
