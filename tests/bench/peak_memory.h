// The peak resident memory of a running process, from /proc.
#ifndef DEBREPO_TESTS_BENCH_PEAK_MEMORY_H_
#define DEBREPO_TESTS_BENCH_PEAK_MEMORY_H_

#include <sys/types.h>

#include <cstdint>

namespace debrepo::testing {

// PeakRssKb returns the process's peak resident set size in KiB (VmHWM of
// /proc/<pid>/status), or -1 when it cannot be read.
int64_t PeakRssKb(pid_t pid);

// ResetPeakRss sets the process's peak resident set size to its current
// one (writes "5" to /proc/<pid>/clear_refs, Linux 4.0 and later), so that
// a later PeakRssKb reports the peak of what ran in between rather than of
// the process's whole life. Returns false when the kernel refused.
bool ResetPeakRss(pid_t pid);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_PEAK_MEMORY_H_
