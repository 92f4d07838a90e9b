// A fast path for the YAML seeds are written in, in front of yaml-cpp.
//
// yaml-cpp's parser is most of a cold load. Seeds, generated or written by
// hand, almost always keep to a small part of YAML: block maps with plain keys,
// block sequences, scalars that are plain or double-quoted on one line, and
// one-line flow sequences of such scalars (`[]`, `[AI, "Économie"]`); a key
// with nothing after it and nothing indented under it is null.
// ScanBlockYaml reads exactly that part and emits the parser events
// YAML::Parser::HandleNextDocument would emit for the same text, with the same
// tags and marks; for anything else it gives up and the caller parses with
// yaml-cpp, so what a document means, what fails and where stay yaml-cpp's.
//
// It gives up (returns false) at the first thing outside the subset: comments,
// flow maps other than `{}`, nested flow collections, anchors, aliases, tags,
// single quotes, block scalars, directives, scalars that span lines, keys that
// are not plain words, empty sequence items, sequences not indented under their
// key, tabs, control characters other than the line feed, C1 controls, U+2028,
// U+2029 and U+FEFF, and any line whose indentation does not close or continue
// an open collection. A document yaml-cpp would refuse is therefore always
// given up on.
#ifndef NEWSMETA_SERVER_LOADER_BLOCK_YAML_SCANNER_H_
#define NEWSMETA_SERVER_LOADER_BLOCK_YAML_SCANNER_H_

#include "absl/strings/string_view.h"
#include "yaml-cpp/eventhandler.h"

namespace newsmeta {

// Emits the events of the first document of `yaml` (valid UTF-8, LF line ends)
// to `handler` and returns true, or returns false when `yaml` is outside the
// subset, possibly after emitting some events: the caller throws those away.
bool ScanBlockYaml(absl::string_view yaml, YAML::EventHandler* handler);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_LOADER_BLOCK_YAML_SCANNER_H_
