// Advisory lock keys: 64-bit hashes of namespaced resource key strings.
#ifndef DEBREPO_STORAGE_ADVISORY_LOCK_H_
#define DEBREPO_STORAGE_ADVISORY_LOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace debrepo::storage {

// AdvisoryLockKey hashes a resource key ("repo/main") to the 64-bit key of
// pg_advisory_lock. FNV-1a: stable across processes, versions and machines
// (PostgreSQL's hashtext is only 32 bits). A collision only makes two jobs
// wait for each other.
int64_t AdvisoryLockKey(absl::string_view resource_key);

// AdvisoryLock is one lock to take.
struct AdvisoryLock {
  int64_t key;
  bool exclusive;
  bool operator==(const AdvisoryLock&) const = default;
};

// PlanLocks turns a job's resource keys into the locks to take, in the
// order to take them: ascending by hash, one lock per hash, exclusive
// winning over shared. Every worker taking locks in this order cannot
// deadlock with another.
std::vector<AdvisoryLock> PlanLocks(
    const std::vector<std::string>& exclusive_keys,
    const std::vector<std::string>& shared_keys);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_ADVISORY_LOCK_H_
