// A mirror's settings: what makes them valid together, the fields
// UpdateMirror may change, and applying them. Servers check requests with
// it; update jobs check again what an edit makes of the mirror as it is.
#ifndef DEBREPO_JOBS_MIRROR_UPDATE_H_
#define DEBREPO_JOBS_MIRROR_UPDATE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// The largest keyring a mirror takes (Mirror.keyring).
inline constexpr size_t kMaxMirrorKeyringBytes = 1 << 20;

// The most architectures a mirror's settings, or an import from a mirror,
// name (as many as a sync accepts from a Release).
inline constexpr int kMaxMirrorArchitectures = 64;

// MirrorInputFields returns the input fields of `mirror` (those a user
// sets: name through download_limit, keyring included), without the
// output-only ones. The one list of them: what is stored, compared and
// updated starts from it.
v1::Mirror MirrorInputFields(const v1::Mirror& mirror);

// ValidateMirrorSettings checks the name and input fields of `mirror`
// (not whether its keyring parses: servers ask mirror/keyring for that):
// INVALID_ARGUMENT saying what is wrong and what to do.
absl::Status ValidateMirrorSettings(const v1::Mirror& mirror);

// IsFlatDistribution is true for a flat repository's distribution: a path
// ending in '/' ("./").
bool IsFlatDistribution(absl::string_view distribution);

// IsUpdatableMirrorField is true for the Mirror fields an update may name
// (see UpdateMirrorRequest.update_mask).
bool IsUpdatableMirrorField(absl::string_view field);

// ApplyMirrorUpdate copies onto `mirror` the fields that `update` names,
// from update.mirror(); a new keyring brings its keyring_fingerprints.
void ApplyMirrorUpdate(const v1::UpdateMirrorArgs& update, v1::Mirror& mirror);

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_MIRROR_UPDATE_H_
