// The file lists of packages (recorded when each package is added), read
// back as the (path, package) pairs of a Contents index.
#ifndef DEBREPO_STORAGE_PACKAGE_CONTENTS_H_
#define DEBREPO_STORAGE_PACKAGE_CONTENTS_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// ContentsEntrySink receives one Contents pair: a path and the package
// installing it as Debian's Contents files qualify it, "section/name" (the
// name alone for a package without a Section).
using ContentsEntrySink = std::function<absl::Status(
    absl::string_view path, absl::string_view qualified_name)>;

// ContentsQuery selects the packages of one Contents index.
struct ContentsQuery {
  // The packages to take from (others, source packages, and packages of
  // other architectures or types among them are skipped).
  std::vector<int64_t> package_ids;
  // The index's architecture; packages of architecture "all" count for
  // every architecture.
  absl::string_view architecture;
  // Udebs (Contents-udeb-<arch>) instead of debs (Contents-<arch>).
  bool udeb = false;
};

// StreamContents calls `sink` with every (path, qualified name) pair of
// the packages `query` selects, sorted by path and then name in byte order
// (what deb::ContentsWriter takes), through a server-side cursor: memory
// stays bounded by one batch of rows whatever the index's size. Run it in
// a read-only transaction (JobContext::Read); an error from `sink` stops
// the stream and is returned. Packages added before their file lists were
// recorded (schema version 13) contribute nothing.
absl::Status StreamContents(Transaction& tx, const ContentsQuery& query,
                            const ContentsEntrySink& sink);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_PACKAGE_CONTENTS_H_
