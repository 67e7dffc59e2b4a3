#include "storage/cleanup_store.h"

#include "absl/strings/str_cat.h"
#include "storage/internal_pg.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

// The ids of the packages something holds, as `held (id)`. Snapshots,
// mirrors and publications hold theirs in arrays, which no foreign key
// guards: this is where they count.
constexpr char kHeldPackages[] = R"sql(
  held (id) AS (
    SELECT package_id FROM repo_packages
    UNION ALL SELECT unnest(package_ids) FROM snapshots
    UNION ALL SELECT unnest(package_ids) FROM mirrors
    UNION ALL SELECT unnest(package_ids) FROM publication_components))sql";

// Rows per FETCH of referenced digests (65 bytes each).
constexpr int kDigestBatch = 10000;

}  // namespace

absl::StatusOr<DeletedPackages> DeleteUnheldPackages(Transaction& tx,
                                                     int max_keys) {
  // NOT EXISTS plans as a hash anti-join over the held ids (spilling to
  // disk past work_mem); only the count and the first keys come back.
  const std::string sql = absl::StrCat("WITH ", kHeldPackages, R"sql(,
    deleted AS (
      DELETE FROM packages p
      WHERE NOT EXISTS (SELECT 1 FROM held WHERE held.id = p.id)
      RETURNING p.id, p.key),
    file_lists AS (
      DELETE FROM package_contents c USING deleted
      WHERE c.package_id = deleted.id)
    SELECT (SELECT count(*) FROM deleted),
           ARRAY(SELECT key FROM deleted ORDER BY key LIMIT $1))sql");
  return Guard("deleting unreferenced packages",
               [&]() -> absl::StatusOr<DeletedPackages> {
                 const pqxx::row row = tx.pqxx().exec_params1(sql, max_keys);
                 DeletedPackages deleted;
                 deleted.count = row[0].as<int64_t>();
                 deleted.keys = internal::ParseTextArray(row[1]);
                 return deleted;
               });
}

absl::Status ForEachReferencedBlob(
    Transaction& tx, BlobReferrers referrers,
    const std::function<absl::Status(absl::string_view sha256)>& fn) {
  const bool held_only = referrers == BlobReferrers::kHeldPackages;
  const std::string sql = absl::StrCat(
      "DECLARE referenced_blobs NO SCROLL CURSOR FOR ",
      held_only ? absl::StrCat("WITH ", kHeldPackages, " ") : "", R"sql(
      SELECT DISTINCT sha256 COLLATE "C" FROM (
        SELECT file->>'sha256' AS sha256
        FROM packages p CROSS JOIN LATERAL jsonb_array_elements(p.files) file
        WHERE )sql",
      held_only ? "EXISTS (SELECT 1 FROM held WHERE held.id = p.id)" : "TRUE",
      R"sql(
        UNION ALL SELECT sha256 FROM upload_files) AS referenced
      ORDER BY 1)sql");
  return Guard(
      "listing the files packages and uploads refer to", [&]() -> absl::Status {
        tx.pqxx().exec0(sql);
        return internal::FetchAll(
            tx.pqxx(), "referenced_blobs", kDigestBatch,
            [&](const pqxx::row& row) {
              return fn(absl::string_view(row[0].c_str(), row[0].size()));
            });
      });
}

}  // namespace debrepo::storage
