// A YAML document as a compact tree, built from yaml-cpp's parser events (or
// the same events from ScanBlockYaml, for the block subset it reads).
//
// It holds the nodes YAML::Load would build (scalars with their tags, nulls,
// sequences, maps with their entries in document order, aliases sharing the
// node of their anchor, each node with its mark) in a few flat arrays instead
// of one reference-counted allocation per node, and a tree reused for the next
// document keeps its buffers. Parsing is yaml-cpp's own or gives its events,
// so what parses, what fails and where are as with YAML::Load, with two
// repairs: a NUL byte (which
// YAML does not allow and yaml-cpp misreads as an escape) is an error, and
// the escapes \N and \_ give the UTF-8 of U+0085 and U+00A0, not the lone
// bytes 0x85 and 0xA0 yaml-cpp 0.7 gives. Scalars of UTF-8 text are UTF-8.
#ifndef NEWSMETA_SERVER_LOADER_YAML_TREE_H_
#define NEWSMETA_SERVER_LOADER_YAML_TREE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "yaml-cpp/mark.h"
#include "yaml-cpp/node/type.h"

namespace newsmeta {

class YamlTree;

// A node of a YamlTree: a small handle, valid until the tree parses again or
// is destroyed.
class YamlNode {
 public:
  YAML::NodeType::value Type() const;
  bool IsNull() const { return Type() == YAML::NodeType::Null; }
  bool IsScalar() const { return Type() == YAML::NodeType::Scalar; }
  bool IsSequence() const { return Type() == YAML::NodeType::Sequence; }
  bool IsMap() const { return Type() == YAML::NodeType::Map; }

  // The scalar's text; empty unless IsScalar().
  absl::string_view Scalar() const;
  // As YAML::Node::Tag(): "?" for a plain scalar, "!" for a quoted one, the
  // resolved tag when one is given.
  absl::string_view Tag() const;
  // Where the node starts (0-based line and column); a null mark (line -1)
  // for the root of an empty document.
  YAML::Mark Mark() const;

  // Items of a sequence, entries of a map; 0 for other nodes.
  size_t size() const;
  // The i-th item of a sequence.
  YamlNode operator[](size_t i) const;
  // The key and the value of the i-th entry of a map.
  YamlNode key(size_t i) const;
  YamlNode value(size_t i) const;

 private:
  friend class YamlTree;
  YamlNode(const YamlTree* tree, uint32_t id) : tree_(tree), id_(id) {}

  const YamlTree* tree_;
  uint32_t id_;
};

class YamlTree {
 public:
  YamlTree() = default;
  YamlTree(const YamlTree&) = delete;
  YamlTree& operator=(const YamlTree&) = delete;

  // Parses the first document of `yaml`, replacing what the tree held. Throws
  // YAML::Exception (with its mark) where YAML::Load would, at a NUL byte,
  // and at a scalar that is not UTF-8 (only when `yaml` is not).
  //
  // Documents in the subset ScanBlockYaml reads (loader/block_yaml_scanner.h)
  // are read by it, without yaml-cpp; the tree is the same either way.
  void Parse(absl::string_view yaml);
  // Parse, always through yaml-cpp's parser (for tests and benchmarks that
  // compare the two).
  void ParseWithYamlCpp(absl::string_view yaml);

  // The document's root: a null node when the text holds no document.
  YamlNode root() const { return YamlNode(this, root_); }

 private:
  friend class YamlNode;
  class Builder;

  void Clear();

  struct Node {
    YAML::NodeType::value type;
    // 0: "?", 1: "!", 2 + i: other_tags_[i].
    uint32_t tag;
    int32_t pos, line, column;
    // Scalars: offset and length in text_. Collections: first child in
    // children_ and the number of children (twice the entries for a map:
    // key, value, key, value...).
    uint32_t begin, count;
  };

  std::vector<Node> nodes_;
  std::vector<uint32_t> children_;
  std::string text_;
  std::vector<std::string> other_tags_;
  uint32_t root_ = 0;
  // Reused while building.
  std::vector<uint32_t> pending_children_;
  std::vector<uint32_t> anchors_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_LOADER_YAML_TREE_H_
