#include "loader/yaml_tree.h"

#include <istream>
#include <streambuf>

#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/parser.h"

namespace newsmeta {
namespace {

constexpr uint32_t kNoNode = UINT32_MAX;

// Reads a string_view in place (std::istringstream would copy it).
class ViewStreamBuf : public std::streambuf {
 public:
  explicit ViewStreamBuf(absl::string_view text) {
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

}  // namespace

// Turns parser events into nodes, as yaml-cpp's NodeBuilder does.
class YamlTree::Builder : public YAML::EventHandler {
 public:
  explicit Builder(YamlTree* tree) : tree_(tree) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Add(NewNode(YAML::NodeType::Null, mark, "?", anchor));
  }

  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    // The parser refuses aliases to anchors it has not seen.
    Add(tree_->anchors_[anchor]);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t anchor, const std::string& value) override {
    const uint32_t id = NewNode(YAML::NodeType::Scalar, mark, tag, anchor);
    Node& node = tree_->nodes_[id];
    node.begin = static_cast<uint32_t>(tree_->text_.size());
    node.count = static_cast<uint32_t>(value.size());
    tree_->text_.append(value);
    Add(id);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(NewNode(YAML::NodeType::Sequence, mark, tag, anchor));
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag,
                  YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Open(NewNode(YAML::NodeType::Map, mark, tag, anchor));
  }
  void OnMapEnd() override { Close(); }

 private:
  struct OpenCollection {
    uint32_t id;
    size_t first_pending;
  };

  uint32_t NewNode(YAML::NodeType::value type, const YAML::Mark& mark,
                   const std::string& tag, YAML::anchor_t anchor) {
    const uint32_t id = static_cast<uint32_t>(tree_->nodes_.size());
    uint32_t tag_index;
    if (tag == "?") {
      tag_index = 0;
    } else if (tag == "!") {
      tag_index = 1;
    } else {
      tag_index = static_cast<uint32_t>(2 + tree_->other_tags_.size());
      tree_->other_tags_.push_back(tag);
    }
    tree_->nodes_.push_back(
        Node{type, tag_index, mark.pos, mark.line, mark.column, 0, 0});
    if (anchor != YAML::NullAnchor) {
      if (tree_->anchors_.size() <= anchor) {
        tree_->anchors_.resize(anchor + 1, kNoNode);
      }
      tree_->anchors_[anchor] = id;
    }
    return id;
  }

  // Adds `id` as the next child of the innermost open collection (or as the
  // root).
  void Add(uint32_t id) {
    if (open_.empty()) {
      if (tree_->root_ == kNoNode) tree_->root_ = id;
      return;
    }
    tree_->pending_children_.push_back(id);
  }

  void Open(uint32_t id) {
    Add(id);
    open_.push_back({id, tree_->pending_children_.size()});
  }

  void Close() {
    const OpenCollection open = open_.back();
    open_.pop_back();
    std::vector<uint32_t>& pending = tree_->pending_children_;
    Node& node = tree_->nodes_[open.id];
    node.begin = static_cast<uint32_t>(tree_->children_.size());
    node.count = static_cast<uint32_t>(pending.size() - open.first_pending);
    tree_->children_.insert(tree_->children_.end(),
                            pending.begin() + open.first_pending,
                            pending.end());
    pending.resize(open.first_pending);
  }

  YamlTree* tree_;
  std::vector<OpenCollection> open_;
};

void YamlTree::Parse(absl::string_view yaml) {
  nodes_.clear();
  children_.clear();
  text_.clear();
  other_tags_.clear();
  pending_children_.clear();
  anchors_.clear();
  root_ = kNoNode;

  ViewStreamBuf buffer(yaml);
  std::istream in(&buffer);
  YAML::Parser parser(in);
  Builder builder(this);
  parser.HandleNextDocument(builder);
  if (root_ == kNoNode) {
    // As YAML::Load: no document is a null node without a mark.
    root_ = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(Node{YAML::NodeType::Null, 0, -1, -1, -1, 0, 0});
  }
}

YAML::NodeType::value YamlNode::Type() const { return tree_->nodes_[id_].type; }

absl::string_view YamlNode::Scalar() const {
  const YamlTree::Node& node = tree_->nodes_[id_];
  if (node.type != YAML::NodeType::Scalar) return absl::string_view();
  return absl::string_view(tree_->text_).substr(node.begin, node.count);
}

absl::string_view YamlNode::Tag() const {
  const uint32_t tag = tree_->nodes_[id_].tag;
  if (tag == 0) return "?";
  if (tag == 1) return "!";
  return tree_->other_tags_[tag - 2];
}

YAML::Mark YamlNode::Mark() const {
  const YamlTree::Node& node = tree_->nodes_[id_];
  if (node.line < 0) return YAML::Mark::null_mark();
  YAML::Mark mark;
  mark.pos = node.pos;
  mark.line = node.line;
  mark.column = node.column;
  return mark;
}

size_t YamlNode::size() const {
  const YamlTree::Node& node = tree_->nodes_[id_];
  switch (node.type) {
    case YAML::NodeType::Sequence:
      return node.count;
    case YAML::NodeType::Map:
      return node.count / 2;
    default:
      return 0;
  }
}

YamlNode YamlNode::operator[](size_t i) const {
  return YamlNode(tree_, tree_->children_[tree_->nodes_[id_].begin + i]);
}

YamlNode YamlNode::key(size_t i) const {
  return YamlNode(tree_, tree_->children_[tree_->nodes_[id_].begin + 2 * i]);
}

YamlNode YamlNode::value(size_t i) const {
  return YamlNode(tree_,
                  tree_->children_[tree_->nodes_[id_].begin + 2 * i + 1]);
}

}  // namespace newsmeta
