// Upload directories: reads for the server, transactional writes for jobs.
#ifndef DEBREPO_STORAGE_UPLOAD_STORE_H_
#define DEBREPO_STORAGE_UPLOAD_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/files.pb.h"
#include "storage/database.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// ListUploadDirectories returns up to `limit` directories that have files,
// with names after `after_name`, by name.
absl::StatusOr<std::vector<v1::UploadDirectory>> ListUploadDirectories(
    Database& db, absl::string_view after_name, int limit);

// ListUploadFiles returns up to `limit` files of a directory with names
// after `after_filename`, by name; NOT_FOUND when the directory has no
// files at all.
absl::StatusOr<std::vector<v1::UploadFile>> ListUploadFiles(
    Database& db, absl::string_view directory, absl::string_view after_filename,
    int limit);

// UploadNotFound is the NOT_FOUND for an upload directory without files,
// or, with a `filename`, for a file the directory does not have.
absl::Status UploadNotFound(absl::string_view directory,
                            absl::string_view filename = "");

// CheckUploadExists is OK when `directory` has files (and, unless
// `filename` is empty, one named `filename`); else NOT_FOUND saying what is
// missing.
absl::Status CheckUploadExists(Database& db, absl::string_view directory,
                               absl::string_view filename);

// ListUploadFilesIn returns all of a directory's files by name, inside a
// transaction; an empty directory gives an empty list.
absl::StatusOr<std::vector<v1::UploadFile>> ListUploadFilesIn(
    Transaction& tx, absl::string_view directory);

// ReplaceUploadFiles records files in their directories in one statement,
// each replacing a file of the same name, and returns them as stored, in
// no particular order. No two of `files` may share directory and name.
absl::StatusOr<std::vector<v1::UploadFile>> ReplaceUploadFiles(
    Transaction& tx,
    const google::protobuf::RepeatedPtrField<v1::UploadFile>& files);

// DeleteUploadFiles removes one file (or, with an empty `filename`, every
// file) of a directory and returns how many were removed.
absl::StatusOr<int64_t> DeleteUploadFiles(Transaction& tx,
                                          absl::string_view directory,
                                          absl::string_view filename);

// DeleteUploadFilesNamed removes the named files of a directory.
absl::Status DeleteUploadFilesNamed(Transaction& tx,
                                    absl::string_view directory,
                                    const std::vector<std::string>& filenames);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_UPLOAD_STORE_H_
