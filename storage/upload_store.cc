#include "storage/upload_store.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"

namespace debrepo::storage {
namespace {

constexpr char kFileColumns[] =
    "directory, filename, size, sha256, " DEBREPO_SQL_MICROS("create_time");

v1::UploadFile FileFromRow(const pqxx::row& row) {
  v1::UploadFile file;
  file.set_directory(row[0].c_str());
  file.set_filename(row[1].c_str());
  file.set_size(row[2].as<int64_t>());
  file.set_sha256(row[3].c_str());
  if (auto time = internal::TimestampFrom(row[4])) {
    *file.mutable_create_time() = *time;
  }
  return file;
}

}  // namespace

absl::StatusOr<std::vector<v1::UploadDirectory>> ListUploadDirectories(
    Database& db, absl::string_view after_name, int limit) {
  std::vector<v1::UploadDirectory> directories;
  absl::Status status =
      db.Run("listing upload directories", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        for (const pqxx::row& row : tx.exec_params(
                 "SELECT directory, count(*), sum(size) FROM upload_files "
                 "WHERE directory > $1 GROUP BY directory ORDER BY directory "
                 "LIMIT $2",
                 std::string(after_name), limit)) {
          v1::UploadDirectory& directory = directories.emplace_back();
          directory.set_name(row[0].c_str());
          directory.set_file_count(row[1].as<int64_t>());
          directory.set_total_size(row[2].as<int64_t>());
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return directories;
}

absl::StatusOr<std::vector<v1::UploadFile>> ListUploadFilesIn(
    Transaction& tx, absl::string_view directory) {
  return internal::Guard(
      "listing upload files",
      [&]() -> absl::StatusOr<std::vector<v1::UploadFile>> {
        std::vector<v1::UploadFile> files;
        for (const pqxx::row& row : tx.pqxx().exec_params(
                 absl::StrCat("SELECT ", kFileColumns,
                              " FROM upload_files WHERE directory = $1 "
                              "ORDER BY filename"),
                 std::string(directory))) {
          files.push_back(FileFromRow(row));
        }
        return files;
      });
}

absl::Status UploadNotFound(absl::string_view directory,
                            absl::string_view filename) {
  if (filename.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "upload directory \"", directory,
        "\" does not exist (it has no files); `debrepo file list` shows the "
        "directories"));
  }
  return absl::NotFoundError(absl::StrCat(
      "upload directory \"", directory, "\" has no file \"", filename,
      "\"; `debrepo file list ", directory, "` shows its files"));
}

absl::StatusOr<std::vector<v1::UploadFile>> ListUploadFiles(
    Database& db, absl::string_view directory, absl::string_view after_filename,
    int limit) {
  std::vector<v1::UploadFile> files;
  absl::Status status =
      db.Run("listing upload files", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        for (const pqxx::row& row : tx.exec_params(
                 absl::StrCat("SELECT ", kFileColumns,
                              " FROM upload_files WHERE directory = $1 "
                              "AND filename > $2 ORDER BY filename LIMIT $3"),
                 std::string(directory), std::string(after_filename), limit)) {
          files.push_back(FileFromRow(row));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  if (files.empty() && after_filename.empty()) {
    return UploadNotFound(directory);
  }
  return files;
}

absl::Status CheckUploadExists(Database& db, absl::string_view directory,
                               absl::string_view filename) {
  bool has_directory = false, has_file = false;
  RETURN_IF_ERROR(
      db.Run("looking up an upload", [&](pqxx::connection& connection) {
        pqxx::row row =
            pqxx::nontransaction(connection)
                .exec_params1(
                    "SELECT EXISTS (SELECT 1 FROM upload_files WHERE directory "
                    "= $1), "
                    "EXISTS (SELECT 1 FROM upload_files WHERE directory = $1 "
                    "AND filename = $2)",
                    std::string(directory), std::string(filename));
        has_directory = row[0].as<bool>();
        has_file = row[1].as<bool>();
        return absl::OkStatus();
      }));
  if (!has_directory) return UploadNotFound(directory);
  if (filename.empty() || has_file) return absl::OkStatus();
  return UploadNotFound(directory, filename);
}

absl::StatusOr<std::vector<v1::UploadFile>> ReplaceUploadFiles(
    Transaction& tx,
    const google::protobuf::RepeatedPtrField<v1::UploadFile>& files) {
  std::vector<std::string> directories, filenames, sizes, digests;
  for (const v1::UploadFile& file : files) {
    directories.push_back(file.directory());
    filenames.push_back(file.filename());
    sizes.push_back(absl::StrCat(file.size()));
    digests.push_back(file.sha256());
  }
  return internal::Guard(
      "recording uploaded files",
      [&]() -> absl::StatusOr<std::vector<v1::UploadFile>> {
        std::vector<v1::UploadFile> stored;
        for (const pqxx::row& row : tx.pqxx().exec_params(
                 absl::StrCat("INSERT INTO upload_files "
                              "(directory, filename, size, sha256) "
                              "SELECT * FROM unnest($1::text[], $2::text[], "
                              "$3::bigint[], $4::text[]) "
                              "ON CONFLICT (directory, filename) DO UPDATE SET "
                              "size = excluded.size, sha256 = excluded.sha256, "
                              "create_time = now() RETURNING ",
                              kFileColumns),
                 internal::PgTextArray(directories),
                 internal::PgTextArray(filenames), internal::PgTextArray(sizes),
                 internal::PgTextArray(digests))) {
          stored.push_back(FileFromRow(row));
        }
        return stored;
      });
}

absl::StatusOr<int64_t> DeleteUploadFiles(Transaction& tx,
                                          absl::string_view directory,
                                          absl::string_view filename) {
  return internal::Guard(
      "deleting uploaded files", [&]() -> absl::StatusOr<int64_t> {
        return static_cast<int64_t>(
            tx.pqxx()
                .exec_params("DELETE FROM upload_files WHERE directory = $1 "
                             "AND ($2 = '' OR filename = $2)",
                             std::string(directory), std::string(filename))
                .affected_rows());
      });
}

absl::Status DeleteUploadFilesNamed(Transaction& tx,
                                    absl::string_view directory,
                                    const std::vector<std::string>& filenames) {
  return internal::Guard("deleting uploaded files", [&]() -> absl::Status {
    tx.pqxx().exec_params0(
        "DELETE FROM upload_files WHERE directory = $1 AND "
        "filename = ANY($2::text[])",
        std::string(directory), internal::PgTextArray(filenames));
    return absl::OkStatus();
  });
}

}  // namespace debrepo::storage
