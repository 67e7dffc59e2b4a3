// Byte counts as aptly prints them.
#ifndef DEBREPO_CLI_HUMAN_BYTES_H_
#define DEBREPO_CLI_HUMAN_BYTES_H_

#include <cstdint>
#include <string>

namespace debrepo::cli {

// HumanBytes formats a byte count as aptly does: "512 B", "1.50 KiB",
// "0.67 MiB" (a unit is used from half of it up), two decimals.
std::string HumanBytes(int64_t bytes);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_HUMAN_BYTES_H_
