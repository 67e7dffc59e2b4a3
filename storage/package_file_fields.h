// A package's files in the compact text form of packages.file_fields
// (migration 18): what publishing reads of them, without PostgreSQL taking
// the files' jsonb apart for every package of every publish.
#ifndef DEBREPO_STORAGE_PACKAGE_FILE_FIELDS_H_
#define DEBREPO_STORAGE_PACKAGE_FILE_FIELDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/packages_types.pb.h"

namespace debrepo::storage {

// PackageFileFields is `files` as packages.file_fields holds them: one line
// per file, in order, "name size md5 sha1 sha256 sha512", a missing digest
// written "-", lines joined by newlines. A file name with a space or a
// control character, which deb::PoolPath refuses to publish, does not
// parse back. Migration 18's package_file_fields(files jsonb) writes the
// same text.
std::string PackageFileFields(const std::vector<v1::PackageFile>& files);

// ParsePackageFileFields appends the files `text` (PackageFileFields' form)
// lists to `files`; DATA_LOSS when a line is not of that form.
absl::Status ParsePackageFileFields(absl::string_view text,
                                    std::vector<v1::PackageFile>& files);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_PACKAGE_FILE_FIELDS_H_
