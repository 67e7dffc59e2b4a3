// DistributionWriter: writes one published distribution's dists/<dist>
// tree (Packages, Sources, debian-installer and Contents indices in every
// requested compression, the per-architecture and top-level Release files,
// by-hash links, InRelease and Release.gpg) into a staging directory,
// compressing the indices of different components and architectures (and
// the variants of each) in parallel, with memory bounded by the
// compressors' state and the data buffered for them.
#ifndef DEBREPO_PUBLISH_DISTRIBUTION_WRITER_H_
#define DEBREPO_PUBLISH_DISTRIBUTION_WRITER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/checksums.h"
#include "deb/index_writer.h"
#include "publish/signer.h"

namespace debrepo::publish {

// PackageKind is which index a package is listed in.
enum class PackageKind { kDeb, kUdeb, kSource };

// PublishedFile is one file of a package, as the blob store holds it.
struct PublishedFile {
  // The file's own name (no directory), e.g. "hello_2.10-3_amd64.deb".
  std::string name;
  deb::Checksums checksums;
};

// IndexedPackage is what the indices need of one package.
struct IndexedPackage {
  std::string name;
  // The package's own architecture ("amd64", "all", "source").
  std::string architecture;
  PackageKind kind = PackageKind::kDeb;
  // The package's control stanza as stored (packages.stanza): a binary
  // package's control file, or a source package's .dsc paragraph.
  std::string stanza;
  // The package's source package name (for the pool path).
  std::string source;
  // A binary package's one file; a source package's .dsc first, then the
  // files it lists.
  std::vector<PublishedFile> files;
};

// DistributionOptions say what to write.
struct DistributionOptions {
  // The directory to write into (the staging copy of dists/<dist>); it is
  // created and must not exist.
  std::string directory;
  // The Release file's fields (Origin, Label, Suite, Codename, Date,
  // NotAutomatic, ButAutomaticUpgrades, Acquire-By-Hash) and what to
  // publish: `components`, and `architectures` with "source" among them
  // when Sources indices are wanted (the Release file's Architectures field
  // leaves "source" out, as Debian's and aptly's do).
  deb::ReleaseInfo release;
  // Compressed variants besides the uncompressed index (gzip, xz, bzip2).
  std::vector<deb::Compression> compressions;
  // Write Contents-<arch>.gz (and Contents-udeb-<arch>.gz) files.
  bool contents = true;
  // Threads compressing indices at once (at least 1), besides the caller's
  // thread, which formats the stanzas. Each index variant (say
  // main/binary-amd64/Packages.xz) is compressed in order on one thread at
  // a time, different variants at once, and a .bz2 in pieces on every
  // thread, or through lbzip2 on this many threads of its own when it is on
  // PATH (at most this many lbzip2 processes at once); at most 4 MiB per
  // thread of written data waits for them.
  int threads = 2;
  // The live tree this one replaces (dists/<dist>), if any. With
  // Acquire-By-Hash, the by-hash directories also hold hard links to the
  // files its Release lists, so that a client holding its InRelease still
  // finds them after the switch (one previous generation is kept: its own
  // by-hash links to older trees are not carried over). Empty, or a
  // directory that does not exist or has no Release: none.
  std::string previous_directory;
};

// DistributionWriter writes a tree. Add every package, feed each
// Contents index, then Finish once. Add is called from one thread at a
// time; Contents, and feeding the writers it returns, may happen on
// another thread at the same time (so that Contents indices are read and
// written beside the packages), each writer fed by one thread; Finish is
// called once both are done. It runs its compressions on its own threads.
class DistributionWriter {
 public:
  // Create makes options.directory and opens the indices every tree has.
  // INVALID_ARGUMENT for no component or architecture, a component or
  // architecture that is not a plain name, or threads < 1;
  // FAILED_PRECONDITION when the directory exists.
  static absl::StatusOr<std::unique_ptr<DistributionWriter>> Create(
      DistributionOptions options);
  virtual ~DistributionWriter() = default;

  // Add lists `package` in `component`'s indices: a deb in
  // binary-<arch>/Packages (every architecture's for "all"), a udeb in
  // debian-installer/binary-<arch>/Packages, a source in source/Sources
  // (when "source" is among the architectures), with Filename / Directory
  // under deb::PoolDirectory(component, package.source). Architectures not
  // published are skipped. INVALID_ARGUMENT for an unknown component, a
  // stanza that does not parse, or a source or file name that is not a
  // plain name (which would place a file outside the pool).
  virtual absl::Status Add(absl::string_view component,
                           const IndexedPackage& package) = 0;

  // Contents returns the writer of `component`'s Contents-<arch>.gz (or
  // Contents-udeb-<arch>.gz when `udeb`); feed it (path, "section/name")
  // pairs sorted by path. nullptr when Contents are not written.
  virtual deb::ContentsWriter* Contents(absl::string_view component,
                                        absl::string_view architecture,
                                        bool udeb) = 0;

  // Finish closes every index, writes the Release files (and, with
  // Acquire-By-Hash, links every file the Release lists as
  // <dir>/by-hash/{MD5Sum,SHA1,SHA256,SHA512}/<digest>), and signs the
  // top-level Release with `signer` (InRelease and Release.gpg) unless it is
  // nullptr (unsigned).
  virtual absl::Status Finish(const Signer* signer) = 0;
};

}  // namespace debrepo::publish

#endif  // DEBREPO_PUBLISH_DISTRIBUTION_WRITER_H_
