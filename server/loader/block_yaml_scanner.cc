#include "loader/block_yaml_scanner.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "util/utf8.h"
#include "yaml-cpp/anchor.h"
#include "yaml-cpp/emitterstyle.h"
#include "yaml-cpp/mark.h"

namespace newsmeta {
namespace {

// Nesting deeper than this is left to yaml-cpp (and its own depth guard).
constexpr int kMaxDepth = 64;
// YAML allows implicit keys of at most 1024 characters.
constexpr size_t kMaxKeyLength = 1000;

// yaml-cpp's tags for nodes without one: "?" for plain scalars and
// collections, "!" for quoted scalars.
const std::string& PlainTag() {
  static const std::string* const tag = new std::string("?");
  return *tag;
}
const std::string& QuotedTag() {
  static const std::string* const tag = new std::string("!");
  return *tag;
}

// As yaml-cpp's IsNullString: the plain scalars that are null.
bool IsNullWord(absl::string_view text) {
  return text == "~" || text == "null" || text == "Null" || text == "NULL";
}

bool IsKeyStart(char c) { return absl::ascii_isalnum(c) || c == '_'; }
bool IsKeyChar(char c) { return IsKeyStart(c) || c == '-' || c == '.'; }

// Characters that start something other than a plain scalar (YAML's
// indicators), or that the subset leaves to yaml-cpp anywhere in one.
bool IsIndicator(char c) {
  switch (c) {
    case '?':
    case ':':
    case ',':
    case '[':
    case ']':
    case '{':
    case '}':
    case '#':
    case '&':
    case '*':
    case '!':
    case '|':
    case '>':
    case '\'':
    case '"':
    case '%':
    case '@':
    case '`':
      return true;
    default:
      return false;
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when `text` (valid UTF-8) holds no byte or character the subset leaves
// to yaml-cpp: control characters other than LF (tabs and CR among them),
// DEL, C1 controls, U+2028, U+2029 and U+FEFF.
bool HasOnlyPlainCharacters(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  for (; p < end; ++p) {
    const unsigned char c = *p;
    if (c >= 0x20 && c < 0x7F) continue;
    if (c == '\n') continue;
    if (c < 0x80) return false;
    // `text` is valid UTF-8, so a lead byte has its continuation bytes.
    if (c == 0xC2 && p[1] < 0xA0) return false;
    if (c == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
      return false;
    }
    if (c == 0xEF && p[1] == 0xBB && p[2] == 0xBF) return false;
  }
  return true;
}

class Scanner {
 public:
  Scanner(absl::string_view text, YAML::EventHandler* handler)
      : text_(text), handler_(handler) {}

  bool Run() {
    if (!IsValidUtf8(text_) || !HasOnlyPlainCharacters(text_)) return false;
    NextLineFrom(0);
    if (indent_ != 0) return false;
    handler_->OnDocumentStart(MarkAt(content_));
    if (!ParseMap(0, content_, 1)) return false;
    handler_->OnDocumentEnd();
    return true;
  }

 private:
  // Moves to the first line at or after `from` with something other than
  // spaces; at the end of the text, indent_ is -1.
  void NextLineFrom(size_t from) {
    while (from < text_.size()) {
      size_t end = text_.find('\n', from);
      if (end == absl::string_view::npos) end = text_.size();
      size_t first = from;
      while (first < end && text_[first] == ' ') ++first;
      if (first < end) {
        line_begin_ = from;
        line_end_ = end;
        content_ = first;
        indent_ = static_cast<int>(first - from);
        return;
      }
      ++line_number_;
      from = end + 1;
    }
    line_begin_ = line_end_ = content_ = text_.size();
    indent_ = -1;
  }

  void NextLine() {
    ++line_number_;
    NextLineFrom(line_end_ + 1);
  }

  int ColumnOf(size_t pos) const { return static_cast<int>(pos - line_begin_); }

  YAML::Mark MarkAt(size_t pos) const {
    YAML::Mark mark;
    mark.pos = static_cast<int>(pos);
    mark.line = line_number_;
    mark.column = ColumnOf(pos);
    return mark;
  }

  // Where yaml-cpp marks the token after a key's `:` when only spaces follow
  // it to the end of the text, the key's map being indented `map_indent`:
  // the end of the text, in the column after those spaces when that closes
  // the map (its indent is greater), else in column 0 (where the end of the
  // stream closes it), also when the text does not end with a line break.
  YAML::Mark EndMark(int map_indent) const {
    const size_t last_break = text_.rfind('\n');
    const size_t column = last_break == absl::string_view::npos
                              ? text_.size()
                              : text_.size() - last_break - 1;
    YAML::Mark mark;
    mark.pos = static_cast<int>(text_.size());
    mark.line = static_cast<int>(std::count(text_.begin(), text_.end(), '\n'));
    mark.column =
        static_cast<size_t>(map_indent) > column ? static_cast<int>(column) : 0;
    return mark;
  }

  size_t SkipSpaces(size_t pos) const {
    while (pos < line_end_ && text_[pos] == ' ') ++pos;
    return pos;
  }

  // The end of the plain key at `pos`, followed by ':' and then a space or
  // the end of the line; 0 when there is none.
  size_t KeyEnd(size_t pos) const {
    if (pos >= line_end_ || !IsKeyStart(text_[pos])) return 0;
    size_t end = pos + 1;
    while (end < line_end_ && IsKeyChar(text_[end])) ++end;
    if (end >= line_end_ || text_[end] != ':') return 0;
    if (end + 1 < line_end_ && text_[end + 1] != ' ') return 0;
    if (end - pos > kMaxKeyLength) return 0;
    return end;
  }

  // A block map whose first key is at `pos` on the current line, at column
  // `indent`; returns on the first line indented less.
  bool ParseMap(int indent, size_t pos, int depth) {
    if (depth > kMaxDepth) return false;
    handler_->OnMapStart(MarkAt(pos), PlainTag(), YAML::NullAnchor,
                         YAML::EmitterStyle::Block);
    while (true) {
      const size_t key_end = KeyEnd(pos);
      if (key_end == 0) return false;
      const absl::string_view key = text_.substr(pos, key_end - pos);
      if (IsNullWord(key)) return false;
      scratch_.assign(key.data(), key.size());
      handler_->OnScalar(MarkAt(pos), PlainTag(), YAML::NullAnchor, scratch_);
      const size_t value = SkipSpaces(key_end + 1);
      if (value == line_end_) {
        if (!ParseNested(indent, depth)) return false;
      } else {
        if (!ParseValue(value)) return false;
        NextLine();
      }
      if (indent_ < indent) break;
      if (indent_ > indent) return false;
      pos = content_;
    }
    handler_->OnMapEnd();
    return true;
  }

  // The value of a key that ends its line: a map or a sequence on the next
  // lines, indented more than the key's map, or else null. yaml-cpp marks
  // that null where the token after the key's `:` starts: the next line's
  // first character, or the end of the text.
  bool ParseNested(int parent_indent, int depth) {
    NextLine();
    if (indent_ <= parent_indent) {
      handler_->OnNull(indent_ < 0 ? EndMark(parent_indent) : MarkAt(content_),
                       YAML::NullAnchor);
      return true;
    }
    if (text_[content_] == '-') return ParseSequence(indent_, depth + 1);
    return ParseMap(indent_, content_, depth + 1);
  }

  // A block sequence whose first `-` starts the current line, at column
  // `indent`; returns on the first line indented less.
  bool ParseSequence(int indent, int depth) {
    if (depth > kMaxDepth) return false;
    handler_->OnSequenceStart(MarkAt(content_), PlainTag(), YAML::NullAnchor,
                              YAML::EmitterStyle::Block);
    while (true) {
      const size_t dash = content_;
      if (text_[dash] != '-' || dash + 1 >= line_end_ ||
          text_[dash + 1] != ' ') {
        return false;
      }
      const size_t item = SkipSpaces(dash + 1);
      if (item == line_end_) return false;  // An item on the next lines.
      if (KeyEnd(item) != 0) {
        if (!ParseMap(ColumnOf(item), item, depth + 1)) return false;
      } else {
        if (!ParseValue(item)) return false;
        NextLine();
      }
      if (indent_ < indent) break;
      if (indent_ > indent) return false;
    }
    handler_->OnSequenceEnd();
    return true;
  }

  // A value from `pos` to the end of the current line: a scalar, an empty
  // flow map or a flow sequence of scalars.
  bool ParseValue(size_t pos) {
    switch (text_[pos]) {
      case '"': {
        const size_t end = ParseDoubleQuoted(pos);
        return end != 0 && SkipSpaces(end) == line_end_;
      }
      case '[':
        return ParseFlowSequence(pos);
      case '{': {
        const size_t close = SkipSpaces(pos + 1);
        if (close == line_end_ || text_[close] != '}' ||
            SkipSpaces(close + 1) != line_end_) {
          return false;
        }
        handler_->OnMapStart(MarkAt(pos), PlainTag(), YAML::NullAnchor,
                             YAML::EmitterStyle::Flow);
        handler_->OnMapEnd();
        return true;
      }
      default:
        return ParsePlain(pos);
    }
  }

  // `[`, scalars (plain or double-quoted) separated by commas, `]`, on one
  // line and followed by nothing but spaces.
  bool ParseFlowSequence(size_t pos) {
    handler_->OnSequenceStart(MarkAt(pos), PlainTag(), YAML::NullAnchor,
                              YAML::EmitterStyle::Flow);
    size_t i = SkipSpaces(pos + 1);
    if (i < line_end_ && text_[i] != ']') {
      while (true) {
        i = text_[i] == '"' ? ParseDoubleQuoted(i) : ParseFlowPlain(i);
        if (i == 0) return false;
        i = SkipSpaces(i);
        if (i == line_end_) return false;
        if (text_[i] == ']') break;
        if (text_[i] != ',') return false;
        i = SkipSpaces(i + 1);
        if (i == line_end_ || text_[i] == ']' || text_[i] == ',') return false;
      }
    }
    if (i == line_end_ || SkipSpaces(i + 1) != line_end_) return false;
    handler_->OnSequenceEnd();
    return true;
  }

  // A plain scalar in a flow sequence: up to the next `,` or `]`, without
  // `:`, `#`, quotes or brackets. Returns where it ends, 0 when it does not.
  size_t ParseFlowPlain(size_t pos) {
    const char first = text_[pos];
    if (IsIndicator(first)) return 0;
    if (first == '-' && (pos + 1 == line_end_ || text_[pos + 1] == ' ' ||
                         text_[pos + 1] == ',' || text_[pos + 1] == ']')) {
      return 0;
    }
    size_t end = pos;
    size_t i = pos;
    for (; i < line_end_; ++i) {
      const char c = text_[i];
      if (c == ',' || c == ']') break;
      if (c == ' ') continue;
      if (IsIndicator(c)) return 0;
      end = i + 1;
    }
    if (i == line_end_) return 0;
    EmitPlain(pos, text_.substr(pos, end - pos));
    return i;
  }

  void EmitPlain(size_t pos, absl::string_view value) {
    if (IsNullWord(value)) {
      handler_->OnNull(MarkAt(pos), YAML::NullAnchor);
      return;
    }
    scratch_.assign(value.data(), value.size());
    handler_->OnScalar(MarkAt(pos), PlainTag(), YAML::NullAnchor, scratch_);
  }

  bool ParsePlain(size_t pos) {
    const char first = text_[pos];
    if (IsIndicator(first)) return false;
    if (first == '-' && (pos + 1 == line_end_ || text_[pos + 1] == ' ')) {
      return false;
    }
    size_t end = pos;
    for (size_t i = pos; i < line_end_; ++i) {
      const char c = text_[i];
      switch (c) {
        case ' ':
          continue;
        case ':':
          if (i + 1 == line_end_ || text_[i + 1] == ' ') return false;
          break;
        case '#':
        case ',':
        case '[':
        case ']':
        case '{':
        case '}':
          return false;
        default:
          break;
      }
      end = i + 1;
    }
    EmitPlain(pos, text_.substr(pos, end - pos));
    return true;
  }

  // A double-quoted scalar that closes on its line, with the escapes \" \\ \/
  // \n \t \r \xXX and \uXXXX (not a surrogate). Returns where it ends (after
  // the closing quote), 0 when it is not one.
  size_t ParseDoubleQuoted(size_t pos) {
    scratch_.clear();
    size_t run = pos + 1;
    size_t i = run;
    while (true) {
      if (i >= line_end_) return 0;
      const char c = text_[i];
      if (c == '"') break;
      if (c != '\\') {
        ++i;
        continue;
      }
      scratch_.append(text_.data() + run, i - run);
      if (i + 1 >= line_end_) return 0;
      const char escape = text_[i + 1];
      i += 2;
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          scratch_.push_back(escape);
          break;
        case 'n':
          scratch_.push_back('\n');
          break;
        case 't':
          scratch_.push_back('\t');
          break;
        case 'r':
          scratch_.push_back('\r');
          break;
        case 'x':
        case 'u': {
          const size_t digits = escape == 'x' ? 2 : 4;
          if (i + digits > line_end_) return 0;
          uint32_t cp = 0;
          for (size_t d = 0; d < digits; ++d) {
            const int digit = HexDigit(text_[i + d]);
            if (digit < 0) return 0;
            cp = cp * 16 + static_cast<uint32_t>(digit);
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
          AppendUtf8(cp, &scratch_);
          i += digits;
          break;
        }
        default:
          return 0;
      }
      run = i;
    }
    scratch_.append(text_.data() + run, i - run);
    handler_->OnScalar(MarkAt(pos), QuotedTag(), YAML::NullAnchor, scratch_);
    return i + 1;
  }

  const absl::string_view text_;
  YAML::EventHandler* const handler_;
  // The current line: [line_begin_, line_end_), its 0-based number, its first
  // character other than a space and that character's column.
  size_t line_begin_ = 0;
  size_t line_end_ = 0;
  int line_number_ = 0;
  size_t content_ = 0;
  int indent_ = -1;
  // The text of the scalar being emitted.
  std::string scratch_;
};

}  // namespace

bool ScanBlockYaml(absl::string_view yaml, YAML::EventHandler* handler) {
  return Scanner(yaml, handler).Run();
}

}  // namespace newsmeta
