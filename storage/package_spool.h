// Packages read from files, staged on disk until a job's transaction stores
// them: an import of tens of thousands of packages then holds one package
// at a time in memory instead of all of them.
#ifndef DEBREPO_STORAGE_PACKAGE_SPOOL_H_
#define DEBREPO_STORAGE_PACKAGE_SPOOL_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/checksums.h"
#include "deb/control.h"
#include "proto/debrepo/v1/packages_types.pb.h"

namespace debrepo::storage {

// NewPackage is a package read from a file, ready to store.
struct NewPackage {
  std::string key;
  std::string name;
  std::string version;
  std::string architecture;
  std::string source;
  std::string package_type;
  std::vector<std::string> provides;
  // The control stanza as in the package.
  deb::Paragraph control;
  std::vector<v1::PackageFile> files;
  // The paths a binary package installs (deb::DebFile::paths), sorted in
  // byte order, for Contents indices; none for a source package.
  std::vector<std::string> paths;
};

// PackageFileOf is the file of a new package named `name` with
// `checksums` (those it lacks stay empty).
v1::PackageFile PackageFileOf(absl::string_view name,
                              const deb::Checksums& checksums);

// PackageSpool holds packages in an unlinked temporary file under $TMPDIR
// (or /tmp), one row per package in the form the package store inserts;
// the file disappears with the spool, or with the process.
class PackageSpool {
 public:
  static absl::StatusOr<std::unique_ptr<PackageSpool>> Create();
  ~PackageSpool();
  PackageSpool(const PackageSpool&) = delete;
  PackageSpool& operator=(const PackageSpool&) = delete;

  // Append adds a package as entry number size().
  absl::Status Append(const NewPackage& package);
  size_t size() const { return size_; }

  // ForEachBatch calls `insert` with JSON arrays of up to `batch_size`
  // spooled packages, in spool order, skipping entry i unless take[i].
  absl::Status ForEachBatch(
      const std::vector<bool>& take, size_t batch_size,
      const std::function<absl::Status(const std::string& json_array)>& insert);

 private:
  explicit PackageSpool(std::FILE* file) : file_(file) {}

  std::FILE* file_;
  size_t size_ = 0;
};

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_PACKAGE_SPOOL_H_
