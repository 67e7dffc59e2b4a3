// LISTEN/NOTIFY channels of the job protocol.
#ifndef DEBREPO_STORAGE_JOB_CHANNELS_H_
#define DEBREPO_STORAGE_JOB_CHANNELS_H_

namespace debrepo::storage {

// Notified when a job may have become claimable (submitted, or a job
// holding its resources ended). No payload.
inline constexpr char kJobQueuedChannel[] = "debrepo_job_queued";

// Notified when a job ended; the payload is its id.
inline constexpr char kJobDoneChannel[] = "debrepo_job_done";

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_JOB_CHANNELS_H_
