// Environment-variable fallbacks for command-line flags.
#ifndef NEWSMETA_SERVER_UTIL_FLAG_ENV_H_
#define NEWSMETA_SERVER_UTIL_FLAG_ENV_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace newsmeta {

// For each flag name `f` in `flags`, sets the flag from the environment
// variable `<prefix><F>` (`f` upper-cased) when it is set. Call before
// absl::ParseCommandLine, so that the command line wins over the environment.
absl::Status ApplyEnvironmentFallbacks(const std::string& prefix,
                                       const std::vector<std::string>& flags);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_FLAG_ENV_H_
