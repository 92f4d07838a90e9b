#include "loader/yaml_tree.h"

#include <algorithm>
#include <istream>
#include <streambuf>

#include "loader/block_yaml_scanner.h"
#include "util/utf8.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
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

// Appends a scalar as yaml-cpp decoded it to `out`, as UTF-8. yaml-cpp 0.7
// decodes the escapes \N (U+0085) and \_ (U+00A0) of double-quoted scalars to
// the single bytes 0x85 and 0xA0 instead of their UTF-8 (C2 85, C2 A0); every
// other escape gives ASCII or UTF-8 (\x, \u and \U are encoded), and the rest
// of a scalar is copied from the text. In UTF-8 text without NUL (Parse
// refuses NUL) such a byte can only come from one of those two escapes: it
// follows whole characters, so it is a continuation byte without a lead,
// which is where FindInvalidUtf8 stops. Those bytes are re-encoded; any other
// byte that is not UTF-8 (only possible when the text was not UTF-8) throws.
void AppendAsUtf8(const std::string& value, const YAML::Mark& mark,
                  std::string* out) {
  absl::string_view rest(value);
  while (true) {
    const size_t bad = FindInvalidUtf8(rest);
    out->append(rest.data(), bad);
    if (bad == rest.size()) return;
    const char byte = rest[bad];
    if (byte != '\x85' && byte != '\xA0') {
      throw YAML::ParserException(mark, "a scalar that is not valid UTF-8");
    }
    out->push_back('\xC2');
    out->push_back(byte);
    rest.remove_prefix(bad + 1);
  }
}

// yaml-cpp takes a NUL byte outside quotes as the start of an escape (`a<NUL>b`
// gives "a\b", `<NUL>N` the lone byte 0x85), and YAML allows no NUL in a
// stream at all: throws at the first one.
void RefuseNul(absl::string_view yaml) {
  const size_t nul = yaml.find('\0');
  if (nul == absl::string_view::npos) return;
  const absl::string_view before = yaml.substr(0, nul);
  const size_t line_start = before.rfind('\n');
  YAML::Mark mark;
  mark.pos = static_cast<int>(nul);
  mark.line = static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  mark.column = static_cast<int>(
      line_start == absl::string_view::npos ? nul : nul - line_start - 1);
  throw YAML::ParserException(
      mark, "a NUL byte (YAML allows none; write \"\\0\" in double quotes)");
}

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
    AppendAsUtf8(value, mark, &tree_->text_);
    node.count = static_cast<uint32_t>(tree_->text_.size() - node.begin);
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

void YamlTree::Clear() {
  nodes_.clear();
  children_.clear();
  text_.clear();
  other_tags_.clear();
  pending_children_.clear();
  anchors_.clear();
  root_ = kNoNode;
}

void YamlTree::Parse(absl::string_view yaml) {
  Clear();
  {
    Builder builder(this);
    if (ScanBlockYaml(yaml, &builder)) return;
  }
  Clear();
  ParseWithYamlCpp(yaml);
}

void YamlTree::ParseWithYamlCpp(absl::string_view yaml) {
  Clear();
  RefuseNul(yaml);

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
