#include "storage/package_contents.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/internal_pg.h"

namespace debrepo::storage {
namespace {

using internal::Guard;

// $1 the package ids (bigint[]), $2 the architecture, $3 the package type.
// Sorting happens in PostgreSQL (spilling to disk beyond work_mem), the
// only place that sees every package's paths at once. The file list rows
// carry what the index needs of their packages (migration 20); for a row
// without it, written by an older worker, the package is read (OFFSET 0
// keeps that read a subplan, run only for such a row).
constexpr char kDeclareContents[] = R"sql(
  DECLARE contents NO SCROLL CURSOR FOR
  SELECT path, qualified_name
  FROM (
    SELECT c.paths,
           coalesce(c.qualified_name, old.qualified_name) AS qualified_name
    FROM unnest($1::bigint[]) AS wanted (id)
    JOIN package_contents c ON c.package_id = wanted.id
    LEFT JOIN LATERAL (
      SELECT contents_name(p.fields, p.name) AS qualified_name,
             p.architecture, p.package_type
      FROM packages p
      WHERE c.qualified_name IS NULL AND p.id = c.package_id
      OFFSET 0) AS old ON TRUE
    WHERE coalesce(c.architecture, old.architecture) IN ($2, 'all')
      AND coalesce(c.package_type, old.package_type) = $3) AS selected
  CROSS JOIN LATERAL unnest(string_to_array(selected.paths, E'\n')) AS path
  ORDER BY path COLLATE "C", qualified_name COLLATE "C")sql";

// Rows per FETCH: large enough that round trips cost little next to the
// rows, small enough to bound memory (paths average ~60 bytes).
constexpr int kBatch = 5000;

}  // namespace

absl::Status StreamContents(Transaction& tx, const ContentsQuery& query,
                            const ContentsEntrySink& sink) {
  return Guard("reading packages' file lists", [&]() -> absl::Status {
    tx.pqxx().exec_params0(
        kDeclareContents,
        absl::StrCat("{", absl::StrJoin(query.package_ids, ","), "}"),
        std::string(query.architecture), query.udeb ? "udeb" : "deb");
    return internal::FetchAll(
        tx.pqxx(), "contents", kBatch, [&](const pqxx::row& row) {
          return sink(absl::string_view(row[0].c_str(), row[0].size()),
                      absl::string_view(row[1].c_str(), row[1].size()));
        });
  });
}

}  // namespace debrepo::storage
