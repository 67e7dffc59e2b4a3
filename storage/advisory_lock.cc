#include "storage/advisory_lock.h"

#include <algorithm>
#include <map>

namespace debrepo::storage {

int64_t AdvisoryLockKey(absl::string_view resource_key) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : resource_key) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return static_cast<int64_t>(hash);
}

std::vector<AdvisoryLock> PlanLocks(
    const std::vector<std::string>& exclusive_keys,
    const std::vector<std::string>& shared_keys) {
  std::map<int64_t, bool> exclusive_by_key;
  for (const std::string& key : shared_keys) {
    exclusive_by_key.emplace(AdvisoryLockKey(key), false);
  }
  for (const std::string& key : exclusive_keys) {
    exclusive_by_key[AdvisoryLockKey(key)] = true;
  }
  std::vector<AdvisoryLock> locks;
  for (const auto& [key, exclusive] : exclusive_by_key) {
    locks.push_back({key, exclusive});
  }
  return locks;
}

}  // namespace debrepo::storage
