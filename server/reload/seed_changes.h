// What changed in a seeds folder, as the watcher saw it and the reloader
// loads it.
#ifndef NEWSMETA_SERVER_RELOAD_SEED_CHANGES_H_
#define NEWSMETA_SERVER_RELOAD_SEED_CHANGES_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace newsmeta {

struct SeedChanges {
  // Anything may have changed: load the whole folder.
  bool full = false;
  // Otherwise only these names changed (created, written, removed, renamed
  // from or to): relative to the seeds folder with '/' separators, as the
  // loader names files (Article.source_file); sorted and unique.
  std::vector<std::string> paths;
  // When the first of these changes was seen (InfiniteFuture: not known):
  // what the catalog's freshness lag is measured from.
  absl::Time first_seen = absl::InfiniteFuture();
};

// Adds `more` to `*changes`: the union of the paths, and full when either is
// (a full change names no paths); first seen when the earlier was.
void MergeSeedChanges(const SeedChanges& more, SeedChanges* changes);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_RELOAD_SEED_CHANGES_H_
