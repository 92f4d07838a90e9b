#include "reload/seed_changes.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace newsmeta {

void MergeSeedChanges(const SeedChanges& more, SeedChanges* changes) {
  changes->first_seen = std::min(changes->first_seen, more.first_seen);
  if (changes->full || more.full) {
    changes->full = true;
    changes->paths.clear();
    return;
  }
  std::vector<std::string> merged;
  merged.reserve(changes->paths.size() + more.paths.size());
  std::set_union(changes->paths.begin(), changes->paths.end(),
                 more.paths.begin(), more.paths.end(),
                 std::back_inserter(merged));
  changes->paths = std::move(merged);
}

}  // namespace newsmeta
