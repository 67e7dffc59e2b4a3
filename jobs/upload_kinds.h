// The job kinds that change upload directories.
#ifndef DEBREPO_JOBS_UPLOAD_KINDS_H_
#define DEBREPO_JOBS_UPLOAD_KINDS_H_

#include "jobs/job_kind.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// kAddUploadFile ("upload.add_file") records one uploaded file: the kind
// of a one-file upload, which workers of every version run.
extern const JobKind<v1::AddUploadFileArgs> kAddUploadFile;
// kAddUploadFiles ("upload.add_files") records the files of one multi-file
// upload, 1 to kMaxUploadFilesPerJob of them, all or none.
extern const JobKind<v1::AddUploadFilesArgs> kAddUploadFiles;
// kDeleteUpload ("upload.delete") removes a file, or a whole directory.
extern const JobKind<v1::DeleteUploadArgs> kDeleteUpload;

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_UPLOAD_KINDS_H_
