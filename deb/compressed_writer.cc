// gzip through zlib (deflate with a gzip wrapper, no timestamp, so output is
// reproducible), xz through liblzma (CRC64, like xz(1)) and bzip2 through
// libbz2. Presets were chosen with the command-line tools on Debian's
// bookworm main amd64 Packages (50.1 MB, 63,440 stanzas) on this 2-core
// machine; absolute times varied twofold with other work, so each line is
// one run (seconds, MB out):
//   gzip -9 3.2 11.7 | gzip -6 2.3 11.8 | xz -6 62.8 8.9 | xz -1 10.2 11.1
//   xz -1 4.3 11.1 | xz -2 11.1 10.8 | xz -3 18.4 10.6 | xz -4 24.1 9.7
//   bzip2 -9 5.1 9.1 (against xz -1's 4.3 in the same run)
// gzip -6: 28% faster than -9 for 1% more. xz -1: the only preset that
// costs about what bzip2 does; the next real gain in size (-4) costs five
// times as much and -6 six times (28 s alone on an idle core): a publish
// should not spend half a minute on one index. bzip2 has no faster setting
// worth its size (the block size hardly changes the speed): -9 as bzip2(1).
// Pooled, gzip and bzip2 are compressed in pieces on every thread. gzip's
// pieces of 1 MiB, each primed with the 32 KiB before it, cost the same
// CPU as one stream and 0.011% in size on that Packages (128 KiB pieces:
// 0.09%); bzip2's pieces of 700,000 bytes, one block each (bzip2(1) fills
// 900 kB blocks after its run-length stage), cost 1.1% (9.19 MB against
// 9.09 MB) and no CPU. On that file, in CPU seconds of one core: bzip2 -9
// 3.6-3.8 (-5 3.1, -1 2.75 for 15% more), gzip -6 0.9-1.0 (-1 0.5 for 18%
// more): no cheaper preset saves enough to give up the size. A faster
// encoder does: when the pool names lbzip2, a bzip2 variant is one lbzip2
// process on the pool's thread count, fed as the index is written (2.0-2.5
// CPU-s on that file for 9.06 MB), when its index reaches a chunk and the
// pool has a place for one more process. One lbzip2 per 700,000-byte
// piece was tried and cost more than libbz2 (4.2 against 3.3 CPU-s):
// each process pays its start and the page faults of its sort arrays.
#include "deb/compressed_writer.h"

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <variant>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "deb/internal/bzip2_join.h"
#include "deb/internal/gzip_join.h"
#include "deb/internal/subprocess.h"

namespace debrepo::deb {
namespace {

constexpr int kGzipLevel = 6;
constexpr uint32_t kXzPreset = 1;
constexpr int kBzip2BlockSize100k = 9;

// kLbzip2FinishTimeout bounds the wait for lbzip2 after its input ended:
// it then holds at most a few blocks per thread, a second's work at most
// on a loaded machine; past this it is stuck, and the index fails.
constexpr absl::Duration kLbzip2FinishTimeout = absl::Minutes(5);

// kChunkBytes is how much a pooled writer buffers before handing the data
// to its variants' compressors.
constexpr size_t kChunkBytes = size_t{1} << 20;

// kGzipPieceBytes is the input of one pooled gzip piece: a chunk. pigz's
// 128 KiB would work as well (a piece costs a 32 KiB dictionary, a deflate
// state and 5 flush bytes); a larger piece only makes fewer, equally
// parallel tasks, since a 50 MB index has 48 chunks for 2 threads.
constexpr size_t kGzipPieceBytes = kChunkBytes;

}  // namespace

absl::string_view CompressionSuffix(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "";
    case Compression::kGzip:
      return ".gz";
    case Compression::kXz:
      return ".xz";
    case Compression::kBzip2:
      return ".bz2";
  }
  return "";
}

// Output writes one variant to its file, hashing what reaches the file.
// Without a pool the writer calls Write directly; with one, Enqueue hands it
// chunks that pool threads compress one at a time, in order -- except
// bzip2 and gzip, the slowest of the variants a publication usually
// writes, whose pieces are compressed at once on every thread and spliced
// in order into one stream (internal/bzip2_join.h, internal/gzip_join.h).
// xz, whose pieces cannot be spliced into one stream, stays serial; so
// does bzip2 through lbzip2, whose own threads compress its blocks.
class CompressedWriter::Output {
 public:
  Output(std::string path, Compression compression, CompressionPool* pool)
      : path_(std::move(path)), compression_(compression), pool_(pool) {}

  ~Output() {
    if (pool_ != nullptr) {
      // A task of this output may still be running (an abandoned writer).
      absl::MutexLock lock(&mu_);
      auto idle = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return Idle(); };
      mu_.Await(absl::Condition(&idle));
    }
    // Stops it (the writer was abandoned or failed) and frees its place.
    if (lbzip2_ != nullptr) EndLbzip2();
    if (file_ != nullptr) fclose(file_);
    if (!stream_open_) return;
    switch (compression_) {
      case Compression::kGzip:
        deflateEnd(&zlib_);
        break;
      case Compression::kXz:
        lzma_end(&lzma_);
        break;
      case Compression::kBzip2:
        BZ2_bzCompressEnd(&bzip2_);
        break;
      case Compression::kNone:
        break;
    }
  }

  absl::Status Open() {
    file_ = fopen(path_.c_str(), "wb");
    if (file_ == nullptr) {
      return absl::InternalError(
          absl::StrCat("cannot create ", path_, ": ", std::strerror(errno)));
    }
    // Pooled gzip pieces each have a compressor of their own; pooled bzip2
    // takes pieces or lbzip2 at its first chunk (ChooseBzip2Route).
    if (pool_ != nullptr && (compression_ == Compression::kGzip ||
                             compression_ == Compression::kBzip2)) {
      return absl::OkStatus();
    }
    switch (compression_) {
      case Compression::kGzip:
        // windowBits 15 + 16 selects the gzip wrapper.
        if (deflateInit2(&zlib_, kGzipLevel, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
          return absl::InternalError("deflateInit2 failed");
        }
        break;
      case Compression::kXz:
        if (lzma_easy_encoder(&lzma_, kXzPreset, LZMA_CHECK_CRC64) != LZMA_OK) {
          return absl::InternalError("lzma_easy_encoder failed");
        }
        break;
      case Compression::kBzip2:
        if (BZ2_bzCompressInit(&bzip2_, kBzip2BlockSize100k, 0, 0) != BZ_OK) {
          return absl::InternalError("BZ2_bzCompressInit failed");
        }
        break;
      case Compression::kNone:
        return absl::OkStatus();
    }
    stream_open_ = true;
    return absl::OkStatus();
  }

  absl::Status Write(absl::string_view data, bool finish) {
    if (compression_ == Compression::kNone) return Emit(data);
    // zlib and libbz2 count input in 32 bits: never hand a compressor more
    // than kMaxChunk at once, so no length is silently truncated.
    static_assert(kMaxChunk <= std::numeric_limits<uInt>::max());
    while (!data.empty()) {
      absl::string_view chunk = data.substr(0, kMaxChunk);
      data.remove_prefix(chunk.size());
      if (absl::Status s = Compress(chunk, /*finish=*/false); !s.ok()) {
        return s;
      }
    }
    return finish ? Compress("", /*finish=*/true) : absl::OkStatus();
  }

  // kMaxChunk is the most input given to a compressor in one call.
  static constexpr size_t kMaxChunk = size_t{1} << 20;

  absl::StatusOr<WrittenFile> Close() {
    int result = fclose(file_);
    file_ = nullptr;
    if (result != 0) {
      return absl::InternalError(
          absl::StrCat("cannot write ", path_, ": ", std::strerror(errno)));
    }
    return WrittenFile{path_, compression_, calculator_.Finish()};
  }

  // Enqueue hands `chunk` to the pool for this variant; a null chunk
  // finishes and closes the file.
  void Enqueue(std::shared_ptr<const std::string> chunk) {
    absl::MutexLock lock(&mu_);
    if (compression_ == Compression::kBzip2 && !bzip2_route_chosen_) {
      ChooseBzip2Route(chunk.get());
    }
    if (Pieced()) {
      SubmitPieces(std::move(chunk));
      return;
    }
    queue_.push_back(std::move(chunk));
    if (!scheduled_) {
      scheduled_ = true;
      pool_->Submit([this] { CompressNext(); });
    }
  }

  // status is the first error of the pooled work so far.
  absl::Status status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }

  // AwaitClosed waits for the pooled work up to the null chunk and returns
  // what it wrote.
  absl::StatusOr<WrittenFile> AwaitClosed() {
    absl::MutexLock lock(&mu_);
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return Idle() && (written_.has_value() || !status_.ok());
    };
    mu_.Await(absl::Condition(&done));
    if (!status_.ok()) return status_;
    return *written_;
  }

 private:
  // CompressNext runs on a pool thread: it compresses the oldest chunk, then
  // queues itself again behind other outputs' work if more chunks wait, so
  // that every variant advances.
  void CompressNext() {
    std::shared_ptr<const std::string> chunk;
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      chunk = std::move(queue_.front());
      queue_.pop_front();
      status = status_;
    }
    std::optional<WrittenFile> written;
    if (status.ok() && chunk != nullptr) {
      status = Write(*chunk, /*finish=*/false);
    } else if (status.ok()) {
      status = Write("", /*finish=*/true);
      if (status.ok()) {
        absl::StatusOr<WrittenFile> closed = Close();
        status = closed.status();
        if (closed.ok()) written = *std::move(closed);
      }
    }
    chunk.reset();  // Returns its bytes to the budget when the last is done.
    absl::MutexLock lock(&mu_);
    status_.Update(status);
    if (written.has_value()) written_ = std::move(written);
    if (queue_.empty()) {
      scheduled_ = false;
    } else {
      pool_->Submit([this] { CompressNext(); });
    }
  }

  // Idle says that no task of this output is queued or running.
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !scheduled_ && piece_tasks_ == 0;
  }

  // Pieced says that pooled chunks are compressed in pieces at once.
  bool Pieced() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return pool_ != nullptr &&
           ((compression_ == Compression::kBzip2 && !through_lbzip2_) ||
            compression_ == Compression::kGzip);
  }

  // ChooseBzip2Route starts lbzip2 for a pooled bzip2 variant whose first
  // chunk is whole, if the pool has a place for it; the variant goes in
  // libbz2 pieces otherwise. An index smaller than a chunk is one or two
  // pieces, not worth a process; one whose first chunk finds no free place
  // stays in pieces, so that a distribution of many indices never runs more
  // lbzip2 processes (and memory) than the pool allows.
  void ChooseBzip2Route(const std::string* first_chunk)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    bzip2_route_chosen_ = true;
    if (first_chunk == nullptr || first_chunk->size() < kChunkBytes ||
        !pool_->TryStartLbzip2()) {
      return;
    }
    through_lbzip2_ = true;
    absl::StatusOr<std::unique_ptr<internal::StreamingCommand>> started =
        internal::StreamingCommand::Start(
            {pool_->lbzip2(), "-n", absl::StrCat(pool_->threads()), "-9", "-c"},
            [this](absl::string_view bytes) { return Emit(bytes); });
    if (!started.ok()) {
      pool_->Lbzip2Ended();
      status_.Update(Lbzip2Error(started.status().message()));
      return;
    }
    lbzip2_ = *std::move(started);
  }

  // EndLbzip2 stops lbzip2 if it still runs and gives its place back.
  void EndLbzip2() {
    lbzip2_.reset();
    pool_->Lbzip2Ended();
  }

  // Piece is one compressed piece: a one-block bzip2 stream, or gzip's
  // deflate data with the CRC-32 and length of its input.
  using Piece = std::variant<std::string, internal::GzipPiece>;

  // GzipDictionary returns the up to 32 KiB of input before `offset` in
  // `chunk` (reaching back into the chunks before it).
  std::string GzipDictionary(absl::string_view chunk, size_t offset) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::string_view before = chunk.substr(0, offset);
    if (before.size() >= internal::kGzipWindowBytes) {
      return std::string(
          before.substr(before.size() - internal::kGzipWindowBytes));
    }
    absl::string_view earlier(gzip_window_);
    std::string dictionary(earlier.substr(
        earlier.size() -
        std::min(earlier.size(), internal::kGzipWindowBytes - before.size())));
    dictionary.append(before.data(), before.size());
    return dictionary;
  }

  // CompressPiece compresses `data`; `dictionary` is gzip's.
  absl::StatusOr<Piece> CompressPiece(absl::string_view data,
                                      absl::string_view dictionary) const {
    if (compression_ == Compression::kGzip) {
      return internal::CompressGzipPiece(data, dictionary, kGzipLevel);
    }
    return internal::CompressBzip2Piece(data);
  }

  // SubmitPieces queues the compression of `chunk`'s pieces, or, for the
  // null chunk, the end of the stream once every piece is written.
  void SubmitPieces(std::shared_ptr<const std::string> chunk)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (chunk == nullptr) {
      finish_requested_ = true;
      ++piece_tasks_;
      pool_->Submit([this] { SplicePieces(); });
      return;
    }
    const bool gzip = compression_ == Compression::kGzip;
    const size_t piece_bytes =
        gzip ? kGzipPieceBytes : internal::kMaxBzip2PieceBytes;
    for (size_t offset = 0; offset < chunk->size(); offset += piece_bytes) {
      int64_t index = pieces_submitted_++;
      ++piece_tasks_;
      std::string dictionary = gzip ? GzipDictionary(*chunk, offset) : "";
      pool_->Submit([this, chunk, offset, piece_bytes, index,
                     dictionary = std::move(dictionary)] {
        absl::StatusOr<Piece> piece = CompressPiece(
            absl::string_view(*chunk).substr(offset, piece_bytes), dictionary);
        {
          absl::MutexLock lock(&mu_);
          if (piece.ok()) {
            ready_pieces_[index] = *std::move(piece);
          } else {
            status_.Update(piece.status());
          }
        }
        SplicePieces();
      });
    }
    if (gzip) gzip_window_ = GzipDictionary(*chunk, chunk->size());
  }

  // SplicePieces ends a piece's task: the first task to get here writes
  // every piece that is ready in order (and the end of the stream after the
  // last), while the others leave theirs to it; it looks again for ready
  // pieces before it stops, so none is left behind.
  void SplicePieces() ABSL_LOCKS_EXCLUDED(mu_) {
    mu_.Lock();
    if (!splicing_) {
      splicing_ = true;
      while (status_.ok()) {
        auto ready = ready_pieces_.find(pieces_written_);
        bool last = finish_requested_ && !written_.has_value() &&
                    pieces_written_ == pieces_submitted_;
        if (ready == ready_pieces_.end() && !last) break;
        Piece piece;
        if (!last) {
          piece = std::move(ready->second);
          ready_pieces_.erase(ready);
        }
        mu_.Unlock();
        std::string out;
        absl::Status status;
        std::optional<WrittenFile> written;
        if (last) {
          if (compression_ == Compression::kGzip) {
            gzip_joiner_.Finish(&out);
          } else {
            bzip2_joiner_.Finish(&out);
          }
          status = Emit(out);
          if (status.ok()) {
            absl::StatusOr<WrittenFile> closed = Close();
            status = closed.status();
            if (closed.ok()) written = *std::move(closed);
          }
        } else {
          if (auto* gzip = std::get_if<internal::GzipPiece>(&piece)) {
            gzip_joiner_.Append(*gzip, &out);
          } else {
            status = bzip2_joiner_.Append(std::get<std::string>(piece), &out);
          }
          if (status.ok()) status = Emit(out);
        }
        mu_.Lock();
        status_.Update(status);
        if (written.has_value()) written_ = std::move(written);
        if (!last) ++pieces_written_;
      }
      splicing_ = false;
    }
    --piece_tasks_;
    mu_.Unlock();
  }

  // Compress feeds `data` (at most kMaxChunk bytes) to the compressor.
  absl::Status Compress(absl::string_view data, bool finish) {
    switch (compression_) {
      case Compression::kGzip:
        return Deflate(data, finish);
      case Compression::kXz:
        return Lzma(data, finish);
      case Compression::kBzip2:
        return Bzip2(data, finish);
      case Compression::kNone:
        break;
    }
    return Emit(data);
  }

  absl::Status Emit(absl::string_view bytes) {
    if (bytes.empty()) return absl::OkStatus();
    calculator_.Update(bytes);
    if (fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
      return absl::InternalError(
          absl::StrCat("cannot write ", path_, ": ", std::strerror(errno)));
    }
    return absl::OkStatus();
  }

  absl::Status Deflate(absl::string_view data, bool finish) {
    zlib_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zlib_.avail_in = static_cast<uInt>(data.size());
    while (true) {
      zlib_.next_out = reinterpret_cast<Bytef*>(buffer_);
      zlib_.avail_out = sizeof(buffer_);
      int r = deflate(&zlib_, finish ? Z_FINISH : Z_NO_FLUSH);
      if (r == Z_STREAM_ERROR) return absl::InternalError("deflate failed");
      absl::Status s =
          Emit(absl::string_view(buffer_, sizeof(buffer_) - zlib_.avail_out));
      if (!s.ok()) return s;
      if (finish ? r == Z_STREAM_END : zlib_.avail_out != 0)
        return absl::OkStatus();
    }
  }

  absl::Status Lzma(absl::string_view data, bool finish) {
    lzma_.next_in = reinterpret_cast<const uint8_t*>(data.data());
    lzma_.avail_in = data.size();
    while (true) {
      lzma_.next_out = reinterpret_cast<uint8_t*>(buffer_);
      lzma_.avail_out = sizeof(buffer_);
      lzma_ret r = lzma_code(&lzma_, finish ? LZMA_FINISH : LZMA_RUN);
      if (r != LZMA_OK && r != LZMA_STREAM_END) {
        return absl::InternalError(absl::StrCat("xz compression failed: ", r));
      }
      absl::Status s =
          Emit(absl::string_view(buffer_, sizeof(buffer_) - lzma_.avail_out));
      if (!s.ok()) return s;
      if (finish ? r == LZMA_STREAM_END : lzma_.avail_out != 0)
        return absl::OkStatus();
    }
  }

  absl::Status Bzip2(absl::string_view data, bool finish) {
    if (through_lbzip2_) return Lbzip2(data, finish);
    bzip2_.next_in = const_cast<char*>(data.data());
    bzip2_.avail_in = static_cast<unsigned int>(data.size());
    while (true) {
      bzip2_.next_out = buffer_;
      bzip2_.avail_out = sizeof(buffer_);
      int r = BZ2_bzCompress(&bzip2_, finish ? BZ_FINISH : BZ_RUN);
      if (r < 0) {
        return absl::InternalError(
            absl::StrCat("bzip2 compression failed: ", r));
      }
      absl::Status s =
          Emit(absl::string_view(buffer_, sizeof(buffer_) - bzip2_.avail_out));
      if (!s.ok()) return s;
      // BZ_RUN takes all input into its block (output comes a block at a
      // time); BZ_FINISH is done at BZ_STREAM_END.
      if (finish ? r == BZ_STREAM_END : bzip2_.avail_in == 0)
        return absl::OkStatus();
    }
  }

  // Lbzip2 feeds `data` to the lbzip2 process, whose output Emit writes;
  // `finish` ends its input and checks that it exited well.
  absl::Status Lbzip2(absl::string_view data, bool finish) {
    if (!finish) return lbzip2_->Write(data);
    std::string stderr_data;
    absl::StatusOr<int> exit_code =
        lbzip2_->Finish(kLbzip2FinishTimeout, &stderr_data);
    EndLbzip2();
    if (!exit_code.ok()) return Lbzip2Error(exit_code.status().message());
    if (*exit_code != 0) {
      return Lbzip2Error(absl::StrCat("exit ", *exit_code, ": ", stderr_data));
    }
    return absl::OkStatus();
  }

  absl::Status Lbzip2Error(absl::string_view what) const {
    return absl::InternalError(
        absl::StrCat("cannot write ", path_, ": bzip2 compression with ",
                     pool_->lbzip2(), " failed (", what,
                     "); check that lbzip2 runs on this worker, or take "
                     "it off its PATH to use libbz2"));
  }

  std::string path_;
  Compression compression_;
  CompressionPool* pool_;
  // Set by the first Enqueue, before any task of this output runs: this
  // pooled bzip2 variant goes through lbzip2, not libbz2 pieces.
  bool bzip2_route_chosen_ = false;
  bool through_lbzip2_ = false;
  // The running lbzip2, while it holds one of the pool's places for one.
  std::unique_ptr<internal::StreamingCommand> lbzip2_;
  FILE* file_ = nullptr;
  bool stream_open_ = false;
  z_stream zlib_{};
  lzma_stream lzma_ = LZMA_STREAM_INIT;
  bz_stream bzip2_{};
  ChecksumCalculator calculator_;
  char buffer_[1 << 16];

  absl::Mutex mu_;
  // Chunks waiting for the pool, oldest first.
  std::deque<std::shared_ptr<const std::string>> queue_ ABSL_GUARDED_BY(mu_);
  // A task of this output is queued or running in the pool.
  bool scheduled_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::optional<WrittenFile> written_ ABSL_GUARDED_BY(mu_);

  // Pooled bzip2 and gzip: pieces are numbered in input order; compressed
  // ones wait in ready_pieces_ until those before them are written.
  int piece_tasks_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t pieces_submitted_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t pieces_written_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int64_t, Piece> ready_pieces_ ABSL_GUARDED_BY(mu_);
  bool splicing_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_requested_ ABSL_GUARDED_BY(mu_) = false;
  // Pooled gzip: the last 32 KiB of the chunks submitted so far.
  std::string gzip_window_ ABSL_GUARDED_BY(mu_);
  // Used by the one task holding splicing_.
  internal::Bzip2Joiner bzip2_joiner_;
  internal::GzipJoiner gzip_joiner_;
};

absl::StatusOr<std::unique_ptr<CompressedWriter>> CompressedWriter::Create(
    const std::string& base_path, const std::vector<Compression>& variants,
    CompressionPool* pool) {
  std::unique_ptr<CompressedWriter> writer(new CompressedWriter);
  writer->pool_ = pool;
  for (Compression compression : variants) {
    auto output = std::make_unique<Output>(
        absl::StrCat(base_path, CompressionSuffix(compression)), compression,
        pool);
    if (absl::Status s = output->Open(); !s.ok()) return s;
    writer->outputs_.push_back(std::move(output));
  }
  return writer;
}

CompressedWriter::~CompressedWriter() = default;

absl::Status CompressedWriter::Write(absl::string_view data) {
  if (pool_ != nullptr) {
    pending_.append(data.data(), data.size());
    return pending_.size() >= kChunkBytes ? Dispatch() : absl::OkStatus();
  }
  for (auto& output : outputs_) {
    if (absl::Status s = output->Write(data, /*finish=*/false); !s.ok())
      return s;
  }
  return absl::OkStatus();
}

absl::Status CompressedWriter::Dispatch() {
  for (auto& output : outputs_) {
    if (absl::Status s = output->status(); !s.ok()) return s;
  }
  size_t size = pending_.size();
  pool_->Reserve(size);
  CompressionPool* pool = pool_;
  std::shared_ptr<const std::string> chunk(new std::string(std::move(pending_)),
                                           [pool, size](const std::string* p) {
                                             delete p;
                                             pool->Release(size);
                                           });
  pending_.clear();
  for (auto& output : outputs_) output->Enqueue(chunk);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<WrittenFile>> CompressedWriter::Finish() {
  std::vector<WrittenFile> files;
  if (pool_ != nullptr) {
    if (!pending_.empty()) {
      if (absl::Status s = Dispatch(); !s.ok()) return s;
    }
    for (auto& output : outputs_) output->Enqueue(nullptr);
    for (auto& output : outputs_) {
      absl::StatusOr<WrittenFile> file = output->AwaitClosed();
      if (!file.ok()) return file.status();
      files.push_back(*std::move(file));
    }
    outputs_.clear();
    return files;
  }
  for (auto& output : outputs_) {
    if (absl::Status s = output->Write("", /*finish=*/true); !s.ok()) return s;
    absl::StatusOr<WrittenFile> file = output->Close();
    if (!file.ok()) return file.status();
    files.push_back(*std::move(file));
  }
  outputs_.clear();
  return files;
}

}  // namespace debrepo::deb
