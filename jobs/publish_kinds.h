// The job kinds that publish, re-publish, switch and drop published
// distributions. Every one holds its distribution's key exclusively and
// the snapshots or repos it reads shared.
#ifndef DEBREPO_JOBS_PUBLISH_KINDS_H_
#define DEBREPO_JOBS_PUBLISH_KINDS_H_

#include "jobs/job_kind.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// kCreatePublication ("publish.create") publishes snapshots or repos as a
// new distribution, holding each source shared.
extern const JobKind<v1::CreatePublicationArgs> kCreatePublication;
// kUpdatePublication ("publish.update") writes a publication's tree again
// (its repo components from the repos as they are now) and changes its
// settings. It holds shared the repos of `settings.components`: the
// components the server read when it took the request (the job fails if
// the publication has other sources by the time it runs).
extern const JobKind<v1::UpdatePublicationArgs> kUpdatePublication;
// kSwitchPublication ("publish.switch") points components of a
// publication at other snapshots, holding those shared.
extern const JobKind<v1::SwitchPublicationArgs> kSwitchPublication;
// kDeletePublication ("publish.delete") removes a publication's tree and
// the pool files no other publication of its prefix lists.
extern const JobKind<v1::DeletePublicationArgs> kDeletePublication;

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_PUBLISH_KINDS_H_
