// What changed in a seeds folder, as the watcher saw it and the reloader
// loads it.
#ifndef NEWSMETA_SERVER_RELOAD_SEED_CHANGES_H_
#define NEWSMETA_SERVER_RELOAD_SEED_CHANGES_H_

#include <string>
#include <vector>

namespace newsmeta {

struct SeedChanges {
  // Anything may have changed: load the whole folder.
  bool full = false;
  // Otherwise only these names changed (created, written, removed, renamed
  // from or to): relative to the seeds folder with '/' separators, as the
  // loader names files (Article.source_file); sorted and unique.
  std::vector<std::string> paths;
};

// Adds `more` to `*changes`: the union of the paths, and full when either is
// (a full change names no paths).
void MergeSeedChanges(const SeedChanges& more, SeedChanges* changes);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_RELOAD_SEED_CHANGES_H_
