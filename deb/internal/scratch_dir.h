// A fresh private directory that lives as long as the object: the empty
// --homedir gpg and gpgv need so that no keyring of the user's is consulted.
#ifndef DEBREPO_DEB_INTERNAL_SCRATCH_DIR_H_
#define DEBREPO_DEB_INTERNAL_SCRATCH_DIR_H_

#include <string>

namespace debrepo::deb::internal {

// ScratchDir makes a fresh empty directory (mode 0700) under $TMPDIR, or
// /tmp when TMPDIR is unset or relative, and removes it with everything in
// it when destroyed.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // path is the directory, or "" when it could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace debrepo::deb::internal

#endif  // DEBREPO_DEB_INTERNAL_SCRATCH_DIR_H_
