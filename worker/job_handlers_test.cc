#include "worker/job_handlers.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "blobstore/fs_blob_store.h"
#include "gtest/gtest.h"
#include "jobs/job_kinds.h"

namespace debrepo::worker {
namespace {

class JobHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<blobstore::FsBlobStore>> opened =
        blobstore::FsBlobStore::Open(std::string(std::getenv("TEST_TMPDIR")) +
                                     "/blobs");
    ASSERT_TRUE(opened.ok()) << opened.status();
    blobs_ = *std::move(opened);
  }

  std::unique_ptr<blobstore::FsBlobStore> blobs_;
  // Never connects: no job runs here.
  storage::Database db_{"postgresql://unused"};
  PublicationTrees trees_{PublishConfig(), blobs_.get(), &db_};
};

// A kind declared in jobs/ (and listed in AllJobKinds) that no handler
// runs would wait forever for a worker.
TEST_F(JobHandlersTest, EveryDeclaredKindHasAHandler) {
  const JobHandlers handlers =
      MakeJobHandlers(blobs_.get(), std::nullopt, &trees_);
  for (const jobs::RegisteredJobKind& kind : jobs::AllJobKinds().kinds()) {
    EXPECT_NE(handlers.Find(kind.name()), nullptr)
        << kind.name()
        << " has no handler: register one in MakeJobHandlers "
           "(worker/job_handlers.cc)";
  }
}

// A handler bound to a declaration missing from AllJobKinds runs jobs no
// server can submit; one registered twice hides the other.
TEST_F(JobHandlersTest, EveryHandlerRunsOneDeclaredKind) {
  const JobHandlers handlers =
      MakeJobHandlers(blobs_.get(), std::nullopt, &trees_);
  absl::flat_hash_set<absl::string_view> declared;
  for (const jobs::RegisteredJobKind& kind : jobs::AllJobKinds().kinds()) {
    declared.insert(kind.name());
  }
  absl::flat_hash_set<std::string> seen;
  for (const std::string& kind : handlers.kinds()) {
    EXPECT_TRUE(declared.contains(kind))
        << "a handler is registered for " << kind
        << ", which AllJobKinds (jobs/job_kinds.cc) does not list";
    EXPECT_TRUE(seen.insert(kind).second)
        << kind << " has two handlers registered";
  }
}

TEST_F(JobHandlersTest, UnknownKindHasNoHandler) {
  const JobHandlers handlers =
      MakeJobHandlers(blobs_.get(), std::nullopt, &trees_);
  EXPECT_EQ(handlers.Find("no.such_kind"), nullptr);
}

}  // namespace
}  // namespace debrepo::worker
