// PublicationTrees: what the publish jobs share. Stage writes a
// publication's dists/<dist> tree in the long phase, under
// <root>/.debrepo-staging/job-<id>/attempt-<n>/ (the root's file system, so
// putting it in place is a rename); PutInPlace and TakeDown are the
// after-commit steps that link the pool files a job added, switch or
// remove the tree, and prune the pool files it removed, under the pool lock
// of the storage's prefix.
#ifndef DEBREPO_WORKER_PUBLISH_PUBLICATION_TREE_H_
#define DEBREPO_WORKER_PUBLISH_PUBLICATION_TREE_H_

#include <functional>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "blobstore/blob_store.h"
#include "proto/debrepo/v1/publish.pb.h"
#include "proto/debrepo/v1/publish_types.pb.h"
#include "storage/database.h"
#include "storage/transaction.h"
#include "worker/job_handler.h"
#include "worker/publish/publish_roots.h"

namespace debrepo::worker {

// RefOf names the distribution `publication` is published as.
v1::PublicationRef RefOf(const v1::Publication& publication);

// ReadPublished reads the publication `ref` names, for a long phase that
// writes its tree again (the job holds its key, so it is still so at
// commit); NOT_FOUND when there is none.
absl::StatusOr<v1::Publication> ReadPublished(const v1::PublicationRef& ref,
                                              JobContext& context);

// RecordTree records `staged` as written by this job and returns it as the
// job's result; FAILED_PRECONDITION, naming them, when its pool files
// would collide with other files of the same name in its prefix's pool.
absl::StatusOr<v1::JobResult> RecordTree(storage::Transaction& tx,
                                         const v1::Publication& staged,
                                         JobContext& context);

// CheckSourcesUnchanged fails FAILED_PRECONDITION when `published` is no
// longer published from the sources `asked` names (the components the
// server saw when the job was asked for, whose sources the job holds).
absl::Status CheckSourcesUnchanged(
    const v1::Publication& published,
    const google::protobuf::RepeatedPtrField<v1::PublishedComponent>& asked);

// RecordRewrittenTree is RecordTree for a job that wrote an existing
// publication's tree again (NOT_FOUND if it is gone), after
// `check_sources` passes for the publication as `tx` reads it: so that the
// package ids recorded are those of the sources the tree was written from.
absl::StatusOr<v1::JobResult> RecordRewrittenTree(
    storage::Transaction& tx, const v1::Publication& staged,
    absl::FunctionRef<absl::Status(const v1::Publication&)> check_sources,
    JobContext& context);

// PublicationTrees writes and places trees. Thread-safe (stateless).
class PublicationTrees {
 public:
  PublicationTrees(PublishConfig config, blobstore::BlobStore* blobs,
                   storage::Database* db)
      : config_(std::move(config)), blobs_(*blobs), db_(*db) {}

  // ListedSource is told the component and source package of each package
  // a tree lists, on the thread listing them.
  using ListedSource = std::function<void(absl::string_view component,
                                          absl::string_view source)>;

  // Stage writes the tree of `publication` (storage and prefix normalised)
  // into this attempt's staging directory, reading its sources' packages
  // as they are now (the job holds them shared), and signs it unless
  // skip_signing; `listed`, if set, is told of every package listed.
  // Returns the publication with its architectures resolved (those of its
  // packages when none were named). FAILED_PRECONDITION when there are no
  // architectures to publish, the storage has no root here, or no usable
  // signing key.
  absl::StatusOr<v1::Publication> Stage(const v1::Publication& publication,
                                        JobContext& context,
                                        const ListedSource& listed = {}) const;

  // StageWithPoolDirectories is Stage while, on threads of their own (two
  // mkdirs at a time), the pool directories of the source packages the
  // tree lists are created as the listing names them: a mkdir per source
  // package was most of a first publish's pool work (4.9 s of 63,440
  // under load, against 1.0 s for linking their files into them), and it
  // overlaps the long phase here. Those of the packages the prefix lists
  // already exist, and a failed mkdir of each costs less than a query
  // for the new ones (0.5 s of the database's time at 63,440). Safe
  // before the commit: apt reaches pool files only through indices, and an
  // empty directory is no file; one that a sibling's prune removes
  // meanwhile, or that was not made, the after-commit step makes. Best
  // effort: a failure is logged. When Stage fails (a refused package, a
  // key that cannot sign), the directories made are removed again if
  // still empty; a tree the transaction then refuses leaves them empty.
  absl::StatusOr<v1::Publication> StageWithPoolDirectories(
      const v1::Publication& publication, JobContext& context) const;

  // PutInPlace is the after-commit step of a job that recorded a tree it
  // staged: links the pool files of the packages its tree lists and the
  // one before did not (two links at a time), puts the staged dists/<dist> in
  // place in one rename (unless a replay finds it there already), then deletes
  // the pool files of the packages the tree before listed that no publication
  // of the prefix lists now.
  absl::Status PutInPlace(const v1::PublicationRef& ref,
                          JobContext& context) const;

  // TakeDown is the after-commit step of a dropped publication: removes
  // its dists/<dist> and those of its pool files no other publication of
  // the prefix lists.
  absl::Status TakeDown(const v1::PublicationRef& ref,
                        JobContext& context) const;

 private:
  // Under the pool lock of `ref`'s prefix (at `prefix_directory`), links
  // the pool files the job added and prunes those it removed that nothing
  // lists any more (storage::PoolChanges) around `switch_tree`,
  // which changes dists/ while the pool holds every file of the old and
  // the new tree.
  absl::Status WithPool(const v1::PublicationRef& ref,
                        const std::string& prefix_directory,
                        JobContext& context,
                        const std::function<absl::Status()>& switch_tree) const;

  const PublishConfig config_;
  blobstore::BlobStore& blobs_;
  storage::Database& db_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PUBLISH_PUBLICATION_TREE_H_
