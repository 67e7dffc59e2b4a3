#include "storage/package_spool.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/temp_file.h"
#include "storage/package_file_fields.h"
#include "storage/query_sql.h"

namespace debrepo::storage {
namespace {

// JsonString quotes `text` as a JSON string (so a row never holds a raw
// newline: rows are lines). Runs of characters that need no escape are
// copied whole: a mirror sync spools tens of megabytes of stanzas.
std::string JsonString(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  size_t plain_from = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain_from, i - plain_from);
    plain_from = i + 1;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
    }
  }
  out.append(text.data() + plain_from, text.size() - plain_from);
  out += '"';
  return out;
}

// PackageRow is a package as the JSON object the package store's insert
// statement reads.
std::string PackageRow(const NewPackage& package) {
  std::string files = "[";
  for (size_t j = 0; j < package.files.size(); ++j) {
    const v1::PackageFile& file = package.files[j];
    absl::StrAppend(
        &files, j > 0 ? "," : "", "{\"name\":", JsonString(file.name()),
        ",\"size\":", file.size(), ",\"md5\":", JsonString(file.md5()),
        ",\"sha1\":", JsonString(file.sha1()),
        ",\"sha256\":", JsonString(file.sha256()),
        ",\"sha512\":", JsonString(file.sha512()), "}");
  }
  files += "]";
  std::string provides = "[";
  for (size_t j = 0; j < package.provides.size(); ++j) {
    absl::StrAppend(&provides, j > 0 ? "," : "",
                    JsonString(package.provides[j]));
  }
  provides += "]";
  std::string fields = "{";
  for (size_t j = 0; j < package.control.fields().size(); ++j) {
    const deb::Field& field = package.control.fields()[j];
    absl::StrAppend(&fields, j > 0 ? "," : "",
                    JsonString(CanonicalFieldName(field.name)), ":",
                    JsonString(field.value));
  }
  fields += "}";
  // Source packages install nothing: no file list at all, unlike a binary
  // package with an empty one.
  const std::string paths =
      package.package_type == "source"
          ? "null"
          : JsonString(absl::StrJoin(package.paths, "\n"));
  // What publishing reads of the files (packages.file_fields).
  const std::string file_fields = JsonString(PackageFileFields(package.files));
  return absl::StrCat("{\"key\":", JsonString(package.key),
                      ",\"name\":", JsonString(package.name),
                      ",\"version\":", JsonString(package.version),
                      ",\"architecture\":", JsonString(package.architecture),
                      ",\"source\":", JsonString(package.source),
                      ",\"package_type\":", JsonString(package.package_type),
                      ",\"provides\":", provides,
                      ",\"stanza\":", JsonString(package.control.ToString()),
                      ",\"fields\":", fields, ",\"files\":", files,
                      ",\"file_fields\":", file_fields, ",\"paths\":", paths,
                      "}");
}

// kSpoolFile names the spool's file in errors.
constexpr absl::string_view kSpoolFile = "the package spool file";

absl::Status SpoolError(absl::string_view what) {
  return TempFileError(what, kSpoolFile);
}

}  // namespace

v1::PackageFile PackageFileOf(absl::string_view name,
                              const deb::Checksums& checksums) {
  v1::PackageFile file;
  file.set_name(std::string(name));
  file.set_size(static_cast<int64_t>(checksums.size));
  file.set_md5(checksums.md5);
  file.set_sha1(checksums.sha1);
  file.set_sha256(checksums.sha256);
  file.set_sha512(checksums.sha512);
  return file;
}

absl::StatusOr<std::unique_ptr<PackageSpool>> PackageSpool::Create() {
  absl::StatusOr<std::FILE*> file = OpenUnlinkedTempFile(kSpoolFile);
  if (!file.ok()) return file.status();
  return std::unique_ptr<PackageSpool>(new PackageSpool(*file));
}

PackageSpool::~PackageSpool() { std::fclose(file_); }

absl::Status PackageSpool::Append(const NewPackage& package) {
  const std::string row = PackageRow(package) + "\n";
  if (std::fwrite(row.data(), 1, row.size(), file_) != row.size()) {
    return SpoolError("write");
  }
  ++size_;
  return absl::OkStatus();
}

absl::Status PackageSpool::ForEachBatch(
    const std::vector<bool>& take, size_t batch_size,
    const std::function<absl::Status(const std::string& json_array)>& insert) {
  if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) {
    return SpoolError("rewind");
  }
  std::string batch;
  size_t in_batch = 0;
  char* line = nullptr;
  size_t capacity = 0;
  absl::Status status;
  for (size_t index = 0; index < size_ && status.ok(); ++index) {
    const ssize_t length = getline(&line, &capacity, file_);
    if (length <= 0) {
      status = SpoolError("read");
      break;
    }
    if (index >= take.size() || !take[index]) continue;
    absl::StrAppend(&batch, in_batch == 0 ? "[" : ",",
                    absl::string_view(line, length - 1));
    if (++in_batch == batch_size) {
      status = insert(batch + "]");
      batch.clear();
      in_batch = 0;
    }
  }
  std::free(line);
  if (status.ok() && in_batch > 0) status = insert(batch + "]");
  // Leave the file positioned for further appends.
  if (std::fseek(file_, 0, SEEK_END) != 0 && status.ok()) {
    status = SpoolError("seek in");
  }
  return status;
}

}  // namespace debrepo::storage
