// gzip through zlib (deflate with a gzip wrapper, no timestamp, so output is
// reproducible) and xz through liblzma (preset 6, CRC64, like xz(1)).
#include "deb/compressed_writer.h"

#include <lzma.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"

namespace debrepo::deb {

absl::string_view CompressionSuffix(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "";
    case Compression::kGzip:
      return ".gz";
    case Compression::kXz:
      return ".xz";
  }
  return "";
}

// Output writes one variant to its file, hashing what reaches the file.
class CompressedWriter::Output {
 public:
  Output(std::string path, Compression compression)
      : path_(std::move(path)), compression_(compression) {}

  ~Output() {
    if (file_ != nullptr) fclose(file_);
    if (compression_ == Compression::kGzip && stream_open_) deflateEnd(&zlib_);
    if (compression_ == Compression::kXz && stream_open_) lzma_end(&lzma_);
  }

  absl::Status Open() {
    file_ = fopen(path_.c_str(), "wb");
    if (file_ == nullptr) {
      return absl::InternalError(
          absl::StrCat("cannot create ", path_, ": ", std::strerror(errno)));
    }
    if (compression_ == Compression::kGzip) {
      // windowBits 15 + 16 selects the gzip wrapper.
      if (deflateInit2(&zlib_, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK) {
        return absl::InternalError("deflateInit2 failed");
      }
      stream_open_ = true;
    } else if (compression_ == Compression::kXz) {
      if (lzma_easy_encoder(&lzma_, 6, LZMA_CHECK_CRC64) != LZMA_OK) {
        return absl::InternalError("lzma_easy_encoder failed");
      }
      stream_open_ = true;
    }
    return absl::OkStatus();
  }

  absl::Status Write(absl::string_view data, bool finish) {
    if (compression_ == Compression::kNone) return Emit(data);
    // zlib counts input in uInt (32 bits): never hand a compressor more
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

 private:
  // Compress feeds `data` (at most kMaxChunk bytes) to the compressor.
  absl::Status Compress(absl::string_view data, bool finish) {
    return compression_ == Compression::kGzip ? Deflate(data, finish)
                                              : Lzma(data, finish);
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

  std::string path_;
  Compression compression_;
  FILE* file_ = nullptr;
  bool stream_open_ = false;
  z_stream zlib_{};
  lzma_stream lzma_ = LZMA_STREAM_INIT;
  ChecksumCalculator calculator_;
  char buffer_[1 << 16];
};

absl::StatusOr<std::unique_ptr<CompressedWriter>> CompressedWriter::Create(
    const std::string& base_path, const std::vector<Compression>& variants) {
  std::unique_ptr<CompressedWriter> writer(new CompressedWriter);
  for (Compression compression : variants) {
    auto output = std::make_unique<Output>(
        absl::StrCat(base_path, CompressionSuffix(compression)), compression);
    if (absl::Status s = output->Open(); !s.ok()) return s;
    writer->outputs_.push_back(std::move(output));
  }
  return writer;
}

CompressedWriter::~CompressedWriter() = default;

absl::Status CompressedWriter::Write(absl::string_view data) {
  for (auto& output : outputs_) {
    if (absl::Status s = output->Write(data, /*finish=*/false); !s.ok())
      return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<WrittenFile>> CompressedWriter::Finish() {
  std::vector<WrittenFile> files;
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
