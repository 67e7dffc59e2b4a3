// Repo rows: reads for the server and transactional writes for jobs.
#ifndef DEBREPO_STORAGE_REPO_STORE_H_
#define DEBREPO_STORAGE_REPO_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/repos_types.pb.h"
#include "storage/database.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// GetRepo reads one repo with the snapshots made from it; NOT_FOUND when
// there is none of that name.
absl::StatusOr<v1::Repo> GetRepo(Database& db, absl::string_view name);

// RepoExists says whether a repo called `name` exists, in one statement
// outside any transaction: for the fail-fast checks before a job is
// submitted, which the job makes again in its own transaction.
absl::StatusOr<bool> RepoExists(Database& db, absl::string_view name);

// RepoNotFound is the NOT_FOUND for a request naming repo `name`, which
// does not exist.
absl::Status RepoNotFound(absl::string_view name);

// ListRepos returns up to `limit` repos whose names sort after
// `after_name`, by name.
absl::StatusOr<std::vector<v1::Repo>> ListRepos(Database& db,
                                                absl::string_view after_name,
                                                int limit);

// FindRepo reads a repo inside a job's transaction; nullopt when absent.
absl::StatusOr<std::optional<v1::Repo>> FindRepo(Transaction& tx,
                                                 absl::string_view name);

// RepoAlreadyExists is the ALREADY_EXISTS for creating (or renaming to) a
// name that repo `name` holds.
absl::Status RepoAlreadyExists(absl::string_view name);

// LoadRepo reads a repo inside a job's transaction; NOT_FOUND (saying it
// may have been renamed or dropped since the request) when absent.
absl::StatusOr<v1::Repo> LoadRepo(Transaction& tx, absl::string_view name);

// InsertRepo adds a repo and returns it as stored (with create_time);
// ALREADY_EXISTS (RepoAlreadyExists) when the name is taken.
absl::StatusOr<v1::Repo> InsertRepo(Transaction& tx, const v1::Repo& repo);

// ReplaceRepo overwrites the name, comment and defaults of the repo called
// `name` with those of `repo`, and returns it as stored.
absl::StatusOr<v1::Repo> ReplaceRepo(Transaction& tx, absl::string_view name,
                                     const v1::Repo& repo);

// DeleteRepo removes the repo called `name`.
absl::Status DeleteRepo(Transaction& tx, absl::string_view name);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_REPO_STORE_H_
