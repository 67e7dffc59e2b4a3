#include "storage/migrations.h"

#include <algorithm>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "pqxx/pqxx"
#include "storage/database.h"

namespace debrepo::storage {
namespace {

// The advisory lock that serializes migrations across processes (an
// arbitrary constant: "debrepo-migrate").
constexpr int64_t kMigrationLockKey = 0x6465627265706f6dLL;

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// In version order; a migration that has shipped is never edited.
constexpr Migration kMigrations[] = {
    {1, "job queue and repos", R"sql(
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  args jsonb NOT NULL,
  state text NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  request_id text UNIQUE,
  exclusive_keys text[] NOT NULL,
  shared_keys text[] NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  worker text NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT now(),
  start_time timestamptz,
  end_time timestamptz,
  status_code integer NOT NULL DEFAULT 0,
  status_message text NOT NULL DEFAULT '',
  result jsonb
);
-- Claims and recovery look only at unfinished jobs.
CREATE INDEX jobs_unfinished ON jobs (id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_end_time ON jobs (end_time) WHERE end_time IS NOT NULL;

-- Resource keys of unfinished jobs only: a claim checks conflicts here
-- instead of scanning the whole queue.
CREATE TABLE job_keys (
  key text NOT NULL,
  job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  exclusive boolean NOT NULL,
  PRIMARY KEY (key, job_id)
);
CREATE INDEX job_keys_job_id ON job_keys (job_id);
CREATE INDEX job_keys_exclusive ON job_keys (key, exclusive, job_id);

-- A job's outcome, inserted in the job's own serializable transaction. The
-- primary key makes completion exactly-once. No foreign key to jobs: the
-- transaction must not touch the hot jobs table.
CREATE TABLE job_outcomes (
  job_id bigint PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('succeeded', 'failed', 'cancelled')),
  status_code integer NOT NULL,
  status_message text NOT NULL,
  result jsonb,
  end_time timestamptz NOT NULL DEFAULT now()
);

-- Cancellation requests for running jobs, read by the job's transaction.
CREATE TABLE job_cancellations (
  job_id bigint PRIMARY KEY
);

CREATE TABLE job_logs (
  job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  seq bigserial,
  time timestamptz NOT NULL DEFAULT now(),
  line text NOT NULL,
  PRIMARY KEY (job_id, seq)
);

-- The queue tables churn: every job inserts, updates and deletes rows
-- that the claim query scans. Vacuum them as soon as a few hundred rows
-- are dead, without throttling, so that dead index entries do not pile
-- up in front of the queue (see docs/operations.md for autovacuum_naptime).
ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 200, autovacuum_vacuum_cost_delay = 0,
  autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000);
ALTER TABLE job_keys SET (autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 200, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE job_cancellations SET (autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 200, autovacuum_vacuum_cost_delay = 0);

-- Live workers and their counters, refreshed by heartbeats.
CREATE TABLE workers (
  id text PRIMARY KEY,
  started timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  jobs_done bigint NOT NULL DEFAULT 0,
  transactions bigint NOT NULL DEFAULT 0,
  serialization_retries bigint NOT NULL DEFAULT 0
);

CREATE TABLE repos (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  comment text NOT NULL DEFAULT '',
  default_distribution text NOT NULL DEFAULT '',
  default_component text NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT now()
);
)sql"},
    {2, "upload directories", R"sql(
-- Files uploaded and not yet added to a repo. Their bytes live in the blob
-- store under sha256; a directory exists while it has files.
CREATE TABLE upload_files (
  directory text NOT NULL,
  filename text NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (directory, filename)
);
)sql"},
    {3, "dpkg version ordering for package queries", R"sql(
-- dpkg's version ordering (lib/dpkg/version.c), for package queries.
CREATE FUNCTION debversion_order(c text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN c = '' THEN 0
    WHEN c = '~' THEN -1
    WHEN c ~ '^[0-9]$' THEN 0
    WHEN c ~ '^[A-Za-z]$' THEN ascii(c)
    ELSE ascii(c) + 256
  END $$;

CREATE FUNCTION debversion_verrevcmp(a text, b text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  i integer := 1;
  j integer := 1;
  la integer := length(a);
  lb integer := length(b);
  ac integer;
  bc integer;
  first_diff integer;
BEGIN
  WHILE i <= la OR j <= lb LOOP
    first_diff := 0;
    WHILE (i <= la AND substr(a, i, 1) !~ '[0-9]')
       OR (j <= lb AND substr(b, j, 1) !~ '[0-9]') LOOP
      ac := debversion_order(substr(a, i, 1));
      bc := debversion_order(substr(b, j, 1));
      IF ac <> bc THEN RETURN ac - bc; END IF;
      i := i + 1;
      j := j + 1;
    END LOOP;
    WHILE i <= la AND substr(a, i, 1) = '0' LOOP i := i + 1; END LOOP;
    WHILE j <= lb AND substr(b, j, 1) = '0' LOOP j := j + 1; END LOOP;
    WHILE i <= la AND j <= lb AND substr(a, i, 1) ~ '[0-9]'
          AND substr(b, j, 1) ~ '[0-9]' LOOP
      IF first_diff = 0 THEN
        first_diff := ascii(substr(a, i, 1)) - ascii(substr(b, j, 1));
      END IF;
      i := i + 1;
      j := j + 1;
    END LOOP;
    IF i <= la AND substr(a, i, 1) ~ '[0-9]' THEN RETURN 1; END IF;
    IF j <= lb AND substr(b, j, 1) ~ '[0-9]' THEN RETURN -1; END IF;
    IF first_diff <> 0 THEN RETURN first_diff; END IF;
  END LOOP;
  RETURN 0;
END $$;

-- debversion_cmp(a, b) is <0, 0 or >0 as version a sorts before, with or
-- after b, exactly like `dpkg --compare-versions`.
CREATE FUNCTION debversion_cmp(a text, b text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  a_epoch bigint := 0;
  b_epoch bigint := 0;
  a_rest text := a;
  b_rest text := b;
  a_revision text := '';
  b_revision text := '';
  result integer;
BEGIN
  IF position(':' IN a_rest) > 0 THEN
    a_epoch := split_part(a_rest, ':', 1)::bigint;
    a_rest := substr(a_rest, position(':' IN a_rest) + 1);
  END IF;
  IF position(':' IN b_rest) > 0 THEN
    b_epoch := split_part(b_rest, ':', 1)::bigint;
    b_rest := substr(b_rest, position(':' IN b_rest) + 1);
  END IF;
  IF a_epoch <> b_epoch THEN RETURN CASE WHEN a_epoch < b_epoch THEN -1 ELSE 1 END; END IF;
  IF a_rest ~ '-' THEN
    a_revision := substring(a_rest FROM '-([^-]*)$');
    a_rest := substring(a_rest FROM '^(.*)-[^-]*$');
  END IF;
  IF b_rest ~ '-' THEN
    b_revision := substring(b_rest FROM '-([^-]*)$');
    b_rest := substring(b_rest FROM '^(.*)-[^-]*$');
  END IF;
  result := debversion_verrevcmp(a_rest, b_rest);
  IF result <> 0 THEN RETURN result; END IF;
  RETURN debversion_verrevcmp(a_revision, b_revision);
END $$;
)sql"},
    {4, "packages in repos", R"sql(
-- Immutable packages, stored once however many repos hold them. Column
-- names are those deb::Query::ToSql compiles queries against.
CREATE TABLE packages (
  id bigserial PRIMARY KEY,
  key text NOT NULL UNIQUE,
  name text NOT NULL,
  version text NOT NULL,
  architecture text NOT NULL,
  source text NOT NULL,
  package_type text NOT NULL CHECK (package_type IN ('deb', 'udeb')),
  provides text[] NOT NULL,
  -- The control stanza as written in the package (field order kept).
  stanza text NOT NULL,
  -- The same fields keyed by lower-cased name, for queries.
  fields jsonb NOT NULL,
  files jsonb NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX packages_name ON packages (name);

CREATE TABLE repo_packages (
  repo_id bigint NOT NULL REFERENCES repos (id) ON DELETE CASCADE,
  package_id bigint NOT NULL REFERENCES packages (id),
  PRIMARY KEY (repo_id, package_id)
);
CREATE INDEX repo_packages_package_id ON repo_packages (package_id);
)sql"},
    {5, "source packages", R"sql(
-- Source packages: a .dsc and the files it lists, architecture "source".
ALTER TABLE packages DROP CONSTRAINT packages_package_type_check;
ALTER TABLE packages ADD CONSTRAINT packages_package_type_check
  CHECK (package_type IN ('deb', 'udeb', 'source'));
)sql"},
    {6, "package listing index", R"sql(
-- Listings page through packages by key and return only these columns:
-- with them in the index, a page is an index-only scan in key order that
-- stops at the page's end, instead of a pass over the wide rows (stanza,
-- fields, files: 100 MB for 63,440 packages) and a sort, for every page.
CREATE INDEX packages_listing ON packages (key)
  INCLUDE (id, name, version, architecture, source, package_type);
)sql"},
    {7, "debversion_cmp of text that is not a version", R"sql(
-- Queries compare any field as a version ("Depends (>= 2)"), and fields
-- hold text that is not one ("python3:any"): such a comparison is NULL (no
-- match, as deb::Query::Matches says) instead of an error that fails the
-- whole listing. debversion_valid is deb::Version::Parse's rule.
ALTER FUNCTION debversion_cmp(text, text) RENAME TO debversion_cmp_valid;

CREATE FUNCTION debversion_valid(v text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN v !~ '^([0-9]+:)?[0-9][A-Za-z0-9.+~:-]*$' THEN false
    -- A colon makes what is before the first one an epoch.
    WHEN position(':' IN v) > 0 AND (v !~ '^[0-9]+:[0-9]'
        OR split_part(v, ':', 1)::numeric > 2147483647) THEN false
    -- What follows the last hyphen is a revision.
    WHEN position('-' IN v) > 0 AND v !~ '-[A-Za-z0-9.+~]+$' THEN false
    ELSE true
  END
$$;

-- debversion_cmp(a, b) is <0, 0 or >0 as version a sorts before, with or
-- after b, exactly like `dpkg --compare-versions`; NULL unless both are
-- valid versions.
CREATE FUNCTION debversion_cmp(a text, b text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN debversion_valid(a) AND debversion_valid(b)
    THEN debversion_cmp_valid(a, b) END
$$;
)sql"},
    {8, "after-commit outcomes", R"sql(
-- Which attempt committed the outcome (its staging files are the ones an
-- after-commit step puts in place), and whether the job still has an
-- after-commit step to run before it may show as ended.
ALTER TABLE job_outcomes ADD COLUMN attempt integer NOT NULL DEFAULT 1;
ALTER TABLE job_outcomes ADD COLUMN after_commit boolean NOT NULL DEFAULT false;
)sql"},
    {9, "the job kinds each worker runs", R"sql(
-- What each live worker has handlers for, from its heartbeats, so that a
-- queued job of a kind no live worker runs can say so. NULL for workers
-- older than this column: they may run any kind.
ALTER TABLE workers ADD COLUMN kinds text[];
)sql"},
    {10, "storage roots", R"sql(
-- The directory trees every server and worker must share (the blob store;
-- publish roots later), by kind and name. `id` is the random id the first
-- process wrote into the tree's .debrepo-store-id file; `path` is where
-- that process saw it. A process whose directory holds another id (or
-- none) refuses to start.
CREATE TABLE storage_roots (
  kind text NOT NULL,
  name text NOT NULL,
  id text NOT NULL,
  path text NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, name)
);
)sql"},
    {11, "snapshots", R"sql(
-- Snapshots never change once created, so a snapshot's packages are one
-- sorted array of distinct package ids rather than a row per package:
-- creating one from a 63,440-package repo is a single array_agg (49 ms
-- against 80-86 ms to INSERT ... SELECT as many rows), copying one for a
-- merge or filter is 1 ms, and diffs and merges unnest the arrays inside
-- one query. Nothing ever updates an element, which is what makes rows
-- worth their cost for repos.
CREATE TABLE snapshots (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT now(),
  package_ids bigint[] NOT NULL,
  package_count integer NOT NULL
    GENERATED ALWAYS AS (coalesce(array_length(package_ids, 1), 0)) STORED
);
-- Stored out of line but not compressed: compressing the 500 KB array of
-- 63,440 ids took 75 of the 106 ms of creating a snapshot from a repo of
-- that size (28 ms without).
ALTER TABLE snapshots ALTER COLUMN package_ids SET STORAGE EXTERNAL;

-- What each snapshot was made from, in the order given. The foreign keys
-- keep a source from being dropped under it: a forced drop first clears
-- the id and sets `dropped`, keeping the name the source had.
CREATE TABLE snapshot_sources (
  snapshot_id bigint NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  position integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('repo', 'snapshot', 'mirror')),
  name text NOT NULL,
  repo_id bigint REFERENCES repos (id),
  source_snapshot_id bigint REFERENCES snapshots (id),
  dropped boolean NOT NULL DEFAULT false,
  PRIMARY KEY (snapshot_id, position),
  CHECK (CASE WHEN dropped
    THEN repo_id IS NULL AND source_snapshot_id IS NULL
    ELSE (kind = 'repo') = (repo_id IS NOT NULL) AND
         (kind = 'snapshot') = (source_snapshot_id IS NOT NULL) END)
);
CREATE INDEX snapshot_sources_repo_id ON snapshot_sources (repo_id)
  WHERE repo_id IS NOT NULL;
CREATE INDEX snapshot_sources_source_snapshot_id
  ON snapshot_sources (source_snapshot_id)
  WHERE source_snapshot_id IS NOT NULL;
)sql"},
    {12, "publications", R"sql(
-- Published distributions: the tree <prefix>/dists/<distribution> under
-- the publish root of `storage`. `settings` holds the Publication's
-- options (origin, label, compressions, signing, ...) as proto JSON;
-- `generation` is the id of the job that wrote the tree now recorded, so
-- that an after-commit step replayed after a crash can tell whether the
-- tree in place is its own already.
CREATE TABLE publications (
  id bigserial PRIMARY KEY,
  storage text NOT NULL,
  prefix text NOT NULL,
  distribution text NOT NULL,
  architectures text[] NOT NULL,
  settings jsonb NOT NULL,
  generation bigint NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now(),
  UNIQUE (storage, prefix, distribution)
);

-- Each component of a publication, from one snapshot or one repo. The
-- foreign keys (without cascade) keep a published snapshot or repo from
-- being dropped, even with force, as aptly refuses to. `package_ids` is
-- the sorted set of packages the tree lists: the snapshot's, or the
-- repo's when the publishing job held its lock; pool pruning and garbage
-- collection read it, so a repo that changed since keeps its published
-- packages until the publication is updated.
CREATE TABLE publication_components (
  publication_id bigint NOT NULL
    REFERENCES publications (id) ON DELETE CASCADE,
  position integer NOT NULL,
  component text NOT NULL,
  snapshot_id bigint REFERENCES snapshots (id),
  repo_id bigint REFERENCES repos (id),
  package_ids bigint[] NOT NULL,
  PRIMARY KEY (publication_id, position),
  UNIQUE (publication_id, component),
  CHECK ((snapshot_id IS NULL) <> (repo_id IS NULL))
);
ALTER TABLE publication_components ALTER COLUMN package_ids
  SET STORAGE EXTERNAL;
CREATE INDEX publication_components_snapshot_id
  ON publication_components (snapshot_id) WHERE snapshot_id IS NOT NULL;
CREATE INDEX publication_components_repo_id
  ON publication_components (repo_id) WHERE repo_id IS NOT NULL;
)sql"},
    {13, "package file lists", R"sql(
-- The paths each binary package installs (data.tar's non-directories, as
-- Contents indices list them), recorded when the package is added so that
-- publishing never re-reads a .deb; a source package has no row. One row
-- per package, the paths sorted in byte order and joined by newlines (a
-- path never holds a control character). Measured with 10,000 real file
-- lists (144 paths, 9.2 KB each on average): 17 MB and 0.62 s to insert
-- as lz4-compressed text, against 15 MB and 1.03 s with pglz (and reading
-- them back 0.68 s against 1.00 s), 21 MB as text[], 92 MB uncompressed,
-- and 388 MB and 12.9 s as a row per path.
-- No foreign key to packages: checking it was most of the cost of these
-- rows (0.8-0.9 s against 0.4-0.6 s for 63,440 one-path lists in the add
-- job's batches). Rows are written only with their package, by the add
-- jobs, and deleted only with it, by garbage collection.
CREATE TABLE package_contents (
  package_id bigint PRIMARY KEY,
  paths text NOT NULL
);
ALTER TABLE package_contents ALTER COLUMN paths SET COMPRESSION lz4;
)sql"},
    {14, "mirrors and job progress", R"sql(
-- Mirrors of remote archives. Each sync replaces a mirror's package list
-- whole and nothing edits it in place, so, as for snapshots, it is one
-- sorted array of distinct package ids. `settings` holds the Mirror's
-- input fields but the keyring, as proto JSON; the keyring is its own
-- column so that listings never carry it.
CREATE TABLE mirrors (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  settings jsonb NOT NULL,
  keyring bytea NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT now(),
  -- Set by each successful sync, with what its Release said.
  last_sync_time timestamptz,
  release_date text NOT NULL DEFAULT '',
  release_suite text NOT NULL DEFAULT '',
  release_codename text NOT NULL DEFAULT '',
  package_ids bigint[] NOT NULL DEFAULT '{}',
  package_count integer NOT NULL
    GENERATED ALWAYS AS (coalesce(array_length(package_ids, 1), 0)) STORED
);
ALTER TABLE mirrors ALTER COLUMN package_ids SET STORAGE EXTERNAL;

-- Snapshots made from a mirror name it as a source; the foreign key keeps
-- the mirror from being dropped under them, as for repos and snapshots.
ALTER TABLE snapshot_sources ADD COLUMN mirror_id bigint
  REFERENCES mirrors (id);
ALTER TABLE snapshot_sources DROP CONSTRAINT snapshot_sources_check;
ALTER TABLE snapshot_sources ADD CONSTRAINT snapshot_sources_check
  CHECK (CASE WHEN dropped
    THEN repo_id IS NULL AND source_snapshot_id IS NULL AND mirror_id IS NULL
    ELSE (kind = 'repo') = (repo_id IS NOT NULL) AND
         (kind = 'snapshot') = (source_snapshot_id IS NOT NULL) AND
         (kind = 'mirror') = (mirror_id IS NOT NULL) END);
CREATE INDEX snapshot_sources_mirror_id ON snapshot_sources (mirror_id)
  WHERE mirror_id IS NOT NULL;

-- The last progress a job's long phase reported (a JobProgress as proto
-- JSON), written outside any job transaction, at most about once a second
-- per job: a row of its own, so that these writes never touch the hot
-- jobs table that claims scan. Pruned with its job, deleted when the job
-- is requeued; `attempt` is the attempt that wrote it (a stale attempt
-- never overwrites a newer one's). Updated about once a second per running
-- job: autovacuumed like the other queue tables.
CREATE TABLE job_progress (
  job_id bigint PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  progress jsonb NOT NULL,
  update_time timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE job_progress SET (autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 200, autovacuum_vacuum_cost_delay = 0);
)sql"},
    {15, "name-and-architecture pairs of members", R"sql(
-- A merge keeps, for each name and architecture, the packages of the last
-- source holding that pair. Finding the pairs was most of the merge of two
-- 63,440-package snapshots: an index probe of packages for each package a
-- later source may override and another for its rivals (6,344 of each for
-- a 10% upgrade), each with a predicate lock in the job's serializable
-- transaction. Measured on a loaded machine, in such a transaction: 10 ms
-- to read the two id arrays, 91 ms for the probes, 18 ms to write the
-- result. So every package gets a small integer naming its pair, interned
-- here, and every membership list carries its members' pairs beside their
-- ids: a repo's rows, and a snapshot's or a mirror's parallel array
-- (element i is the pair of package_ids[i]). A merge reads two arrays per
-- source and never looks at packages: 25 ms to read the four arrays, 3 ms
-- to merge, 10 ms to write ids and pairs (binary). The cost is a 4-byte
-- array beside the ids (254 KB at 63,440, stored like package_ids) and a
-- second scan when snapshotting a repo.
CREATE TABLE package_pairs (
  id integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
  name text NOT NULL,
  architecture text NOT NULL,
  UNIQUE (name, architecture)
);
INSERT INTO package_pairs (name, architecture)
  SELECT DISTINCT name, architecture FROM packages ORDER BY 1, 2;

-- No foreign key: its check, once per stored package, would cost adding
-- 63,440 packages a few tenths of a second (see package_contents). The
-- only writer (storage/package_store.cc) takes the pair of the package's
-- own name and architecture in the statement that stores it.
ALTER TABLE packages ADD COLUMN pair_id integer;
UPDATE packages p SET pair_id = pp.id FROM package_pairs pp
  WHERE pp.name = p.name AND pp.architecture = p.architecture;
ALTER TABLE packages ALTER COLUMN pair_id SET NOT NULL;

-- A repo's member rows carry their pair too, in the primary key's index,
-- so that a snapshot of a repo stays one index-only scan.
ALTER TABLE repo_packages ADD COLUMN pair_id integer;
UPDATE repo_packages rp SET pair_id = p.pair_id FROM packages p
  WHERE p.id = rp.package_id;
ALTER TABLE repo_packages ALTER COLUMN pair_id SET NOT NULL;
ALTER TABLE repo_packages DROP CONSTRAINT repo_packages_pkey;
ALTER TABLE repo_packages ADD PRIMARY KEY (repo_id, package_id)
  INCLUDE (pair_id);

-- Snapshots and mirrors: package_pairs[i] is the pair of package_ids[i].
DO $$
DECLARE
  holder text;
BEGIN
  FOREACH holder IN ARRAY ARRAY['snapshots', 'mirrors'] LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN package_pairs integer[]',
                   holder);
    EXECUTE format(
      'UPDATE %I h SET package_pairs = coalesce(
         (SELECT array_agg(p.pair_id ORDER BY p.id)
          FROM unnest(h.package_ids) AS u (id)
          JOIN packages p ON p.id = u.id), ''{}'')', holder);
    EXECUTE format(
      'ALTER TABLE %I ALTER COLUMN package_pairs SET NOT NULL,
         ALTER COLUMN package_pairs SET STORAGE EXTERNAL,
         ADD CONSTRAINT %I
           CHECK (cardinality(package_pairs) = cardinality(package_ids))',
      holder, holder || '_package_pairs_check');
  END LOOP;
END $$;
-- A mirror starts with no packages, as its package_ids says.
ALTER TABLE mirrors ALTER COLUMN package_pairs SET DEFAULT '{}';
)sql"},
    {16, "publication pool changes", R"sql(
-- What each publish job changed in its prefix's pool, per component: the
-- packages its tree lists that the tree before it did not (`added_ids`,
-- whose files its after-commit step links) and those the tree before
-- listed that it does not (`removed_ids`, whose files that step deletes
-- unless a publication of the prefix still lists them), as sorted id
-- arrays written in the job's transaction. With them the step's pool work
-- is proportional to what changed: relinking every file the prefix lists
-- and walking the whole pool took 4.75 s of a 12.9 s switch of 63,440
-- packages. A replayed step reads the same rows. Pruned with the job's
-- outcome; no foreign key to jobs (the job's transaction must not lock
-- its hot row). The arrays are stored uncompressed, as snapshots' are.
CREATE TABLE publication_pool_changes (
  job_id bigint NOT NULL,
  component text NOT NULL,
  added_ids bigint[] NOT NULL,
  removed_ids bigint[] NOT NULL,
  PRIMARY KEY (job_id, component)
);
ALTER TABLE publication_pool_changes ALTER COLUMN added_ids
  SET STORAGE EXTERNAL;
ALTER TABLE publication_pool_changes ALTER COLUMN removed_ids
  SET STORAGE EXTERNAL;
)sql"},
    {17, "providers of a name", R"sql(
-- A pull with dependencies reads the packages of the names its closure
-- reaches, round by round (deb::PlanPullByName): by name
-- through package_pairs and the snapshot's pair array, and those that
-- provide a name through this index of the names packages.provides lists
-- (what the package's Provides field names, filled by the package store's
-- single insert). Before it, it read the relation fields of every
-- package of both snapshots: most of a 1.1 s pull of 100 at 63,440
-- packages. Only packages that provide something are indexed (about one
-- in ten of Debian's); a query states the same condition to use it.
CREATE INDEX packages_provides ON packages USING gin (provides)
  WHERE provides <> '{}';
)sql"},
    {18, "what publishing reads of packages", R"sql(
-- What publishing reads of a package's files, as text: one line per file,
-- "name size md5 sha1 sha256 sha512", "-" for a missing digest (the form
-- of storage/package_file_fields.h, which the package store's insert
-- writes). PostgreSQL took each package's files jsonb apart for every
-- publish instead, building that text for all of a source's packages:
-- about 0.2 s of server time of a 0.4 s read of 63,440 packages. The
-- function fills the rows stored before this column; tests compare the
-- store's rows with it.
CREATE FUNCTION package_file_fields(files jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(concat_ws(' ', f->>'name',
           coalesce(f->>'size', '0'), coalesce(nullif(f->>'md5', ''), '-'),
           coalesce(nullif(f->>'sha1', ''), '-'),
           coalesce(nullif(f->>'sha256', ''), '-'),
           coalesce(nullif(f->>'sha512', ''), '-')), E'\n' ORDER BY i), '')
  FROM jsonb_array_elements(files) WITH ORDINALITY AS e (f, i)
$$;
-- The column may be NULL: a worker of the release before this one, still
-- running during a rolling upgrade, inserts packages without it, and
-- publishing computes the text of such a row when it reads it.
ALTER TABLE packages ADD COLUMN file_fields text;
UPDATE packages SET file_fields = package_file_fields(files);

-- The packages of a source package, for the pool queries of publishing
-- (the conflict check in the job's transaction, the pruning's read after
-- it): the other packages of a prefix sharing a pool directory with those
-- a job adds or removes. Without it, they looked up the source of every
-- package the prefix lists, a probe of packages each: about 0.2 s of each
-- query for a switch of 63,440 packages, against a few hundredths.
CREATE INDEX packages_source ON packages (source);
)sql"},
    {19, "idle job runners", R"sql(
-- The sessions of job runners waiting for work (JobSession::MarkIdle):
-- a submit, or a finish that frees a waiting job, notifies the claimers
-- only when one is here (every notification wakes every listening
-- session of the database; a busy runner claims again when its job ends
-- without one). Unlogged: a crash that empties it also ends the sessions
-- it names, and a runner marks itself again before it waits. A mark that
-- outlives its session only costs notifications (pruned by maintenance).
CREATE UNLOGGED TABLE idle_runners (pid int PRIMARY KEY);
)sql"},
    {20, "what Contents indices read of packages", R"sql(
-- A Contents index names the package of each path section/name, and
-- lists the packages of one type and of its architecture or "all". Read
-- through packages, that was a probe of packages and a decompression of
-- its fields jsonb per package: 0.9 s of the 1.2 s that reading the
-- 63,440 file lists of a switch took (0.28 s without), on the database's
-- side of every publish. Packages never change once stored, so their
-- file list rows keep a copy. The columns may be NULL: a worker of the
-- release before this one, still running during a rolling upgrade,
-- writes file lists without them, and the read then looks at the package.
CREATE FUNCTION contents_name(fields jsonb, name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(nullif(fields->>'section', '') || '/', '') || name
$$;
ALTER TABLE package_contents ADD COLUMN qualified_name text,
  ADD COLUMN architecture text, ADD COLUMN package_type text;
UPDATE package_contents c SET qualified_name = contents_name(p.fields, p.name),
  architecture = p.architecture, package_type = p.package_type
  FROM packages p WHERE p.id = c.package_id;
)sql"},
};

absl::Status ApplyLocked(pqxx::connection& connection) {
  {
    pqxx::work tx(connection);
    tx.exec(R"sql(
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()))sql");
    tx.commit();
  }
  int current = 0;
  absl::flat_hash_set<int> applied;
  {
    pqxx::work tx(connection);
    for (const pqxx::row& row :
         tx.exec("SELECT version FROM schema_migrations")) {
      applied.insert(row[0].as<int>());
      current = std::max(current, row[0].as<int>());
    }
    tx.commit();
  }
  if (current > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database schema is at version ", current,
        " but this binary knows only up to ", LatestSchemaVersion(),
        "; upgrade debrepo before starting it against this database"));
  }
  // Each one not applied yet, even below the latest applied: migrations
  // written on parallel branches may land out of order.
  for (const Migration& migration : kMigrations) {
    if (applied.contains(migration.version)) continue;
    pqxx::work tx(connection);
    tx.exec(migration.sql);
    tx.exec_params(
        "INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
        migration.version, migration.description);
    tx.commit();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WaitForDatabaseAndMigrate(const std::string& dsn) {
  for (;;) {
    absl::Status migrated = ApplyMigrations(dsn);
    if (migrated.code() != absl::StatusCode::kUnavailable) return migrated;
    LogWarning("waiting for the database: ", migrated.ToString());
    absl::SleepFor(absl::Seconds(1));
  }
}

int LatestSchemaVersion() {
  return absl::MakeConstSpan(kMigrations).back().version;
}

absl::Status ApplyMigrations(const std::string& dsn) {
  ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> connection, Connect(dsn));
  try {
    // Session lock: held across the per-migration transactions, released
    // when this connection closes even if we crash half-way.
    pqxx::nontransaction(*connection)
        .exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
    absl::Status status = ApplyLocked(*connection);
    pqxx::nontransaction(*connection)
        .exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    return status;
  } catch (const std::exception& e) {
    return StatusFromException(e, "applying schema migrations");
  }
}

}  // namespace debrepo::storage
