// The job kinds of operators: probes and maintenance.
#ifndef DEBREPO_JOBS_ADMIN_KINDS_H_
#define DEBREPO_JOBS_ADMIN_KINDS_H_

#include "jobs/job_kind.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// kNoop ("noop") changes nothing: a probe of the whole pipeline, holding
// "noop/<resource>" when it names a resource.
extern const JobKind<v1::NoopArgs> kNoop;

// kCleanup ("gc") is garbage collection: it holds "gc" exclusively, which
// every other job holds shared, so it runs alone.
extern const JobKind<v1::CleanupArgs> kCleanup;

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_ADMIN_KINDS_H_
