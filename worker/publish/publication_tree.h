// PublicationTrees: what the publish jobs share. Stage writes a
// publication's dists/<dist> tree in the long phase, under
// <root>/.debrepo-staging/job-<id>/attempt-<n>/ (the root's file system, so
// putting it in place is a rename); PutInPlace and TakeDown are the
// after-commit steps that link pool files, switch or remove the tree, and
// prune the pool, under the pool lock of the storage's prefix.
#ifndef DEBREPO_WORKER_PUBLISH_PUBLICATION_TREE_H_
#define DEBREPO_WORKER_PUBLISH_PUBLICATION_TREE_H_

#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "blobstore/blob_store.h"
#include "proto/debrepo/v1/publish.pb.h"
#include "proto/debrepo/v1/publish_types.pb.h"
#include "storage/database.h"
#include "worker/job_handler.h"
#include "worker/publish/publish_roots.h"

namespace debrepo::worker {

// RefOf names the distribution `publication` is published as.
v1::PublicationRef RefOf(const v1::Publication& publication);

// PublicationTrees writes and places trees. Thread-safe (stateless).
class PublicationTrees {
 public:
  PublicationTrees(PublishConfig config, blobstore::BlobStore* blobs,
                   storage::Database* db)
      : config_(std::move(config)), blobs_(*blobs), db_(*db) {}

  // Stage writes the tree of `publication` (storage and prefix normalised)
  // into this attempt's staging directory, reading its sources' packages
  // as they are now (the job holds them shared), and signs it unless
  // skip_signing. Returns the publication with its architectures resolved
  // (those of its packages when none were named). FAILED_PRECONDITION when
  // there are no architectures to publish, the storage has no root here,
  // or no usable signing key.
  absl::StatusOr<v1::Publication> Stage(const v1::Publication& publication,
                                        JobContext& context) const;

  // PutInPlace is the after-commit step of a job that recorded a tree it
  // staged: links every pool file the prefix's publications list, puts
  // the staged dists/<dist> in place in one rename (unless a replay finds
  // it there already), then deletes pool files no publication of the
  // prefix lists.
  absl::Status PutInPlace(const v1::PublicationRef& ref,
                          JobContext& context) const;

  // TakeDown is the after-commit step of a dropped publication: removes
  // its dists/<dist> and the pool files no other publication of the
  // prefix lists.
  absl::Status TakeDown(const v1::PublicationRef& ref,
                        JobContext& context) const;

 private:
  // Links the pool files and prunes the ones nothing lists around
  // `switch_tree`, which changes dists/ while the pool holds every file of
  // the old and the new tree.
  absl::Status WithPool(const v1::PublicationRef& ref, JobContext& context,
                        const std::function<absl::Status()>& switch_tree) const;

  const PublishConfig config_;
  blobstore::BlobStore& blobs_;
  storage::Database& db_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PUBLISH_PUBLICATION_TREE_H_
