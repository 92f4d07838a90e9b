// The filter parser: text in, FilterExpr out (grammar in filter.h).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "catalog/catalog.h"
#include "filter/filter.h"
#include "text/normalize.h"
#include "util/status_macros.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;

// How a field's values are typed and compared.
enum class ValueType { kString, kTopics, kInt, kBool, kTime };

struct FieldInfo {
  absl::string_view name;
  FilterField field;
  ValueType type;
};

constexpr FieldInfo kFields[] = {
    {"topics", FilterField::kTopics, ValueType::kTopics},
    {"publish_time", FilterField::kPublishTime, ValueType::kTime},
    {"provider.domain", FilterField::kProviderDomain, ValueType::kString},
    {"provider.name", FilterField::kProviderName, ValueType::kString},
    {"category", FilterField::kCategory, ValueType::kString},
    {"type", FilterField::kType, ValueType::kString},
    {"quality", FilterField::kQuality, ValueType::kInt},
    {"heat", FilterField::kHeat, ValueType::kInt},
    {"published", FilterField::kPublished, ValueType::kBool},
    {"title", FilterField::kTitle, ValueType::kString},
    {"excerpt", FilterField::kExcerpt, ValueType::kString},
};

constexpr absl::string_view kKnownFields =
    "topics, publish_time, provider.domain, provider.name, category, type, "
    "quality, heat, published, title, excerpt";

constexpr absl::string_view kComparators = "=, !=, <, <=, >, >=, :";

const FieldInfo* FindField(absl::string_view name) {
  for (const FieldInfo& info : kFields) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

// `text` quoted for an error message, escaped and cut to a readable length.
std::string Quote(absl::string_view text) {
  constexpr size_t kMaxShown = 40;
  if (text.size() <= kMaxShown) {
    return absl::StrCat("\"", absl::CHexEscape(text), "\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxShown)),
                      "...\"");
}

bool IsSpace(char c) {
  return absl::ascii_isspace(static_cast<unsigned char>(c));
}

bool IsComparatorChar(char c) {
  return c == '=' || c == '!' || c == '<' || c == '>' || c == ':';
}

// RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), 'T'
// and 'Z' in either case. Checked before absl::ParseTime, which also takes
// "infinite-future", surrounding white space and years of any length.
bool HasRfc3339Shape(absl::string_view text) {
  const auto digits = [&](size_t at, size_t count) {
    if (at + count > text.size()) return false;
    for (size_t i = at; i < at + count; ++i) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
        return false;
      }
    }
    return true;
  };
  const auto is = [&](size_t at, absl::string_view chars) {
    return at < text.size() && chars.find(text[at]) != absl::string_view::npos;
  };
  if (!(digits(0, 4) && is(4, "-") && digits(5, 2) && is(7, "-") &&
        digits(8, 2) && is(10, "Tt") && digits(11, 2) && is(13, ":") &&
        digits(14, 2) && is(16, ":") && digits(17, 2))) {
    return false;
  }
  size_t i = 19;
  if (is(i, ".")) {
    ++i;
    if (!digits(i, 1)) return false;
    while (digits(i, 1)) ++i;
  }
  if (is(i, "Zz")) return i + 1 == text.size();
  return is(i, "+-") && digits(i + 1, 2) && is(i + 3, ":") &&
         digits(i + 4, 2) && i + 6 == text.size();
}

class Parser {
 public:
  Parser(absl::string_view text, const FilterLimits& limits)
      : text_(text), limits_(limits) {}

  absl::StatusOr<FilterExpr> Parse() {
    SkipSpace();
    if (AtEnd()) return FilterExpr{};  // An AND without children.
    ASSIGN_OR_RETURN(FilterExpr expr, ParseExpression());
    SkipSpace();
    if (!AtEnd()) {
      // ParseExpression stops only at the end or at a ')'.
      return Error(pos_, "unmatched ')'");
    }
    return expr;
  }

 private:
  // A keyword or '-' that must be followed by an expression.
  struct Operator {
    size_t offset;
    absl::string_view name;
  };

  absl::Status Error(size_t offset, absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat("filter: position ", offset + 1, ": ", message));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }

  // The word at pos_ (not consumed): up to white space, a parenthesis, a
  // comparator character or a quote.
  absl::string_view PeekWord() const {
    size_t end = pos_;
    while (end < text_.size() && !IsSpace(text_[end]) && text_[end] != '(' &&
           text_[end] != ')' && text_[end] != '"' &&
           !IsComparatorChar(text_[end])) {
      ++end;
    }
    return text_.substr(pos_, end - pos_);
  }

  static bool IsKeyword(absl::string_view word) {
    return word == "AND" || word == "OR" || word == "NOT";
  }

  absl::Status EnterNesting(size_t offset) {
    if (++depth_ > limits_.max_depth) {
      return Error(
          offset, absl::StrCat("filter is nested more than ", limits_.max_depth,
                               " levels deep (parentheses, NOT and "
                               "-)"));
    }
    return absl::OkStatus();
  }

  // expression = sequence { "AND" sequence }
  absl::StatusOr<FilterExpr> ParseExpression() {
    FilterExpr all;
    all.kind = FilterExpr::Kind::kAnd;
    std::optional<Operator> before;
    while (true) {
      ASSIGN_OR_RETURN(FilterExpr sequence, ParseSequence(before));
      AddChild(std::move(sequence), &all);
      SkipSpace();
      if (AtEnd() || PeekWord() != "AND") break;
      before = Operator{pos_, "AND"};
      pos_ += 3;
    }
    return Simplify(std::move(all));
  }

  // sequence = factor { factor }
  absl::StatusOr<FilterExpr> ParseSequence(std::optional<Operator> before) {
    FilterExpr all;
    all.kind = FilterExpr::Kind::kAnd;
    while (true) {
      ASSIGN_OR_RETURN(FilterExpr factor, ParseFactor(before));
      AddChild(std::move(factor), &all);
      before.reset();
      SkipSpace();
      if (AtEnd() || Peek() == ')' || PeekWord() == "AND") break;
    }
    return Simplify(std::move(all));
  }

  // factor = term { "OR" term }
  absl::StatusOr<FilterExpr> ParseFactor(std::optional<Operator> before) {
    FilterExpr any;
    any.kind = FilterExpr::Kind::kOr;
    while (true) {
      ASSIGN_OR_RETURN(FilterExpr term, ParseTerm(before));
      AddChild(std::move(term), &any);
      SkipSpace();
      if (AtEnd() || PeekWord() != "OR") break;
      before = Operator{pos_, "OR"};
      pos_ += 2;
    }
    return Simplify(std::move(any));
  }

  // term = { "NOT" | "-" } simple. Negations are counted in a loop, not by
  // recursion, and each one is a level of nesting.
  absl::StatusOr<FilterExpr> ParseTerm(std::optional<Operator> before) {
    const int depth_before = depth_;
    int negations = 0;
    while (true) {
      SkipSpace();
      if (AtEnd()) break;
      if (Peek() == '-') {
        before = Operator{pos_, "-"};
        ++pos_;
      } else if (PeekWord() == "NOT") {
        before = Operator{pos_, "NOT"};
        pos_ += 3;
      } else {
        break;
      }
      RETURN_IF_ERROR(EnterNesting(before->offset));
      ++negations;
    }
    ASSIGN_OR_RETURN(FilterExpr expr, ParseSimple(before));
    for (int i = 0; i < negations; ++i) {
      FilterExpr negation;
      negation.kind = FilterExpr::Kind::kNot;
      negation.children.push_back(std::move(expr));
      expr = std::move(negation);
    }
    depth_ = depth_before;
    return expr;
  }

  // simple = restriction | "(" expression ")"
  absl::StatusOr<FilterExpr> ParseSimple(std::optional<Operator> before) {
    SkipSpace();
    if (AtEnd() || Peek() == ')') {
      if (before) {
        return Error(
            before->offset,
            absl::StrCat(before->name, " is not followed by an expression"));
      }
      // Only a ')' where the filter or a sequence starts gets here.
      return Error(pos_, "unmatched ')'");
    }
    const absl::string_view word = PeekWord();
    if (word == "AND" || word == "OR") {
      if (before) {
        return Error(pos_, absl::StrCat(word, " cannot follow ", before->name));
      }
      return Error(pos_, absl::StrCat(word, " needs an expression before it"));
    }
    if (Peek() != '(') return ParseRestriction();

    const size_t open = pos_;
    RETURN_IF_ERROR(EnterNesting(open));
    ++pos_;
    SkipSpace();
    if (AtEnd()) return Error(open, "'(' is not closed");
    if (Peek() == ')') return Error(open, "empty parentheses");
    ASSIGN_OR_RETURN(FilterExpr expr, ParseExpression());
    SkipSpace();
    if (AtEnd()) return Error(open, "'(' is not closed");
    ++pos_;  // ParseExpression stops only at the end or at a ')'.
    --depth_;
    return expr;
  }

  // restriction = field comparator value
  absl::StatusOr<FilterExpr> ParseRestriction() {
    const size_t field_offset = pos_;
    const absl::string_view name = PeekWord();
    if (name.empty()) {
      return Error(pos_, absl::StrCat("expected a field name, found ",
                                      Quote(text_.substr(pos_, 1)),
                                      "; known fields: ", kKnownFields));
    }
    const FieldInfo* info = FindField(name);
    if (info == nullptr) {
      const std::string upper = absl::AsciiStrToUpper(name);
      return Error(
          pos_,
          absl::StrCat("unknown field ", Quote(name),
                       IsKeyword(upper) ? absl::StrCat(" (the keyword ", upper,
                                                       " is upper-case only)")
                                        : "",
                       "; known fields: ", kKnownFields));
    }
    if (++restrictions_ > limits_.max_restrictions) {
      return Error(
          pos_, absl::StrCat("filter has more than ", limits_.max_restrictions,
                             " restrictions"));
    }
    pos_ += name.size();

    SkipSpace();
    const size_t op_offset = pos_;
    ASSIGN_OR_RETURN(const FilterOp op, ParseComparator(name));
    const absl::string_view op_text = text_.substr(op_offset, pos_ - op_offset);
    const bool ordering = op == FilterOp::kLt || op == FilterOp::kLe ||
                          op == FilterOp::kGt || op == FilterOp::kGe;
    if (ordering &&
        (info->type == ValueType::kString || info->type == ValueType::kTopics ||
         info->type == ValueType::kBool)) {
      return Error(op_offset, absl::StrCat(op_text, " is not supported on ",
                                           info->name, "; use =, != or :"));
    }

    SkipSpace();
    const size_t value_offset = pos_;
    std::string value;
    if (!AtEnd() && Peek() == '"') {
      ASSIGN_OR_RETURN(value, ParseQuoted());
    } else {
      while (!AtEnd() && !IsSpace(Peek()) && Peek() != '(' && Peek() != ')') {
        ++pos_;
      }
      value = std::string(text_.substr(value_offset, pos_ - value_offset));
      if (value.empty() || IsKeyword(value)) {
        pos_ = value_offset;
        return Error(
            op_offset,
            absl::StrCat("missing value after ", info->name, " ", op_text,
                         value.empty() ? ""
                                       : absl::StrCat(" (", value,
                                                      " is a keyword; quote "
                                                      "it to search for it)")));
      }
    }

    FilterExpr expr;
    expr.kind = FilterExpr::Kind::kRestriction;
    Restriction& restriction = expr.restriction;
    restriction.field = info->field;
    restriction.op = op;
    restriction.position = field_offset + 1;
    const auto wrong_value = [&](absl::string_view wanted) {
      return Error(value_offset, absl::StrCat(info->name, " needs ", wanted,
                                              ", not ", Quote(value)));
    };
    switch (info->type) {
      case ValueType::kString:
      case ValueType::kTopics: {
        absl::string_view text = value;
        if (absl::ConsumeSuffix(&text, "*")) restriction.prefix = true;
        restriction.value = FoldText(text);
        break;
      }
      case ValueType::kInt: {
        int64_t number;
        absl::string_view digits = value;
        if (!absl::ConsumePrefix(&digits, "-")) {
          absl::ConsumePrefix(&digits, "+");
        }
        if (digits.empty() ||
            !std::all_of(digits.begin(), digits.end(),
                         [](char c) {
                           return absl::ascii_isdigit(
                               static_cast<unsigned char>(c));
                         }) ||
            !absl::SimpleAtoi(value, &number)) {
          return wrong_value("an integer");
        }
        restriction.value = number;
        break;
      }
      case ValueType::kBool: {
        const std::string lower = absl::AsciiStrToLower(value);
        if (lower != "true" && lower != "false") {
          return wrong_value("true or false");
        }
        restriction.value = lower == "true";
        break;
      }
      case ValueType::kTime: {
        absl::Time time;
        std::string ignored;
        if (!HasRfc3339Shape(value) ||
            !absl::ParseTime(absl::RFC3339_full, value, &time, &ignored)) {
          return wrong_value("an RFC 3339 time such as 2024-05-01T12:00:00Z");
        }
        restriction.value = time;
        break;
      }
    }
    return expr;
  }

  absl::StatusOr<FilterOp> ParseComparator(absl::string_view field) {
    const absl::string_view rest = text_.substr(pos_);
    static constexpr std::pair<absl::string_view, FilterOp> kOps[] = {
        {"!=", FilterOp::kNe}, {"<=", FilterOp::kLe}, {">=", FilterOp::kGe},
        {"=", FilterOp::kEq},  {"<", FilterOp::kLt},  {">", FilterOp::kGt},
        {":", FilterOp::kHas},
    };
    for (const auto& [text, op] : kOps) {
      if (absl::StartsWith(rest, text)) {
        pos_ += text.size();
        return op;
      }
    }
    return Error(pos_, absl::StrCat("expected a comparator (", kComparators,
                                    ") after ", field));
  }

  // A double-quoted string at pos_, with \" and \\ escapes; consumes it.
  absl::StatusOr<std::string> ParseQuoted() {
    const size_t open = pos_++;
    std::string value;
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return value;
      }
      if (c == '\\') {
        if (pos_ + 1 < text_.size() &&
            (text_[pos_ + 1] == '"' || text_[pos_ + 1] == '\\')) {
          value.push_back(text_[pos_ + 1]);
          pos_ += 2;
          continue;
        }
        if (pos_ + 1 < text_.size()) {
          return Error(pos_,
                       "unsupported escape; only \\\" and \\\\ are "
                       "allowed in a quoted string");
        }
        break;  // A '\' at the very end: the string is not terminated.
      }
      value.push_back(c);
      ++pos_;
    }
    return Error(open, "string is not terminated (missing closing \")");
  }

  // Adds `child` to the AND or OR `parent`, flattening a child of the same
  // kind.
  static void AddChild(FilterExpr child, FilterExpr* parent) {
    if (child.kind == parent->kind) {
      for (FilterExpr& grandchild : child.children) {
        parent->children.push_back(std::move(grandchild));
      }
    } else {
      parent->children.push_back(std::move(child));
    }
  }

  // An AND or OR with one child is that child.
  static FilterExpr Simplify(FilterExpr expr) {
    if (expr.children.size() == 1) {
      FilterExpr only = std::move(expr.children[0]);
      return only;
    }
    return expr;
  }

  absl::string_view text_;
  FilterLimits limits_;
  size_t pos_ = 0;
  int depth_ = 0;
  int restrictions_ = 0;
};

}  // namespace

absl::StatusOr<FilterExpr> ParseFilter(absl::string_view filter,
                                       const FilterLimits& limits) {
  if (filter.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter is ", filter.size(), " bytes long; at most ",
                     limits.max_bytes, " are allowed"));
  }
  return Parser(filter, limits).Parse();
}

}  // namespace newsmeta
