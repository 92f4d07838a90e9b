#include "loader/seed_parser.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "catalog/article_name.h"
#include "catalog/catalog.h"
#include "loader/front_matter.h"
#include "loader/yaml_tree.h"
#include "util/status_macros.h"
#include "util/utf8.h"
#include "yaml-cpp/depthguard.h"
#include "yaml-cpp/exceptions.h"

namespace newsmeta {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Timestamp;
using ::google::protobuf::Value;
using ::newsmeta::v1::Article;
using ::newsmeta::v1::Image;
using ::newsmeta::v1::Provider;
using ::newsmeta::v1::RelatedLink;

// Range of google.protobuf.Timestamp: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
// Largest integer a double (google.protobuf.Value's number) holds exactly.
constexpr int64_t kMaxExactInteger = int64_t{1} << 53;

// Where a byte offset falls in `text`, as a 1-based line and column.
std::pair<int, int> LineAndColumn(absl::string_view text, size_t offset) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, static_cast<int>(offset - line_start) + 1};
}

std::string Quote(absl::string_view value) {
  constexpr size_t kMaxShown = 60;
  std::string shown = absl::CHexEscape(value.substr(0, kMaxShown));
  return absl::StrCat("\"", shown, value.size() > kMaxShown ? "...\"" : "\"");
}

const char* KindName(YamlNode node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "null";
    default:
      return "a scalar";
  }
}

// An optional sign and digits only.
bool IsIntegerText(absl::string_view text) {
  absl::ConsumePrefix(&text, "-") || absl::ConsumePrefix(&text, "+");
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(c);
  });
}

// Digits, signs, a point and exponents only: YAML's decimal float syntax,
// without the NaN, infinity and hexadecimal forms SimpleAtod also accepts.
bool IsDecimalNumber(absl::string_view text) {
  bool digit = false;
  for (char c : text) {
    if (absl::ascii_isdigit(c)) {
      digit = true;
    } else if (c != '+' && c != '-' && c != '.' && c != 'e' && c != 'E') {
      return false;
    }
  }
  return digit;
}

bool IsHttpUrl(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return false;
  }
  if (rest.empty() || rest[0] == '/') return false;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) return false;
  }
  return true;
}

// As yaml-cpp's convert<bool>::decode: y/n, yes/no, true/false, on/off, each
// lowercase, UPPERCASE or Capitalized.
bool DecodeBool(absl::string_view text, bool* value) {
  const auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  if (!text.empty()) {
    const absl::string_view rest = text.substr(1);
    const bool all_lower = std::all_of(text.begin(), text.end(), lower);
    const bool capitalized =
        upper(text[0]) && (std::all_of(rest.begin(), rest.end(), lower) ||
                           std::all_of(rest.begin(), rest.end(), upper));
    if (!all_lower && !capitalized) return false;
  }
  const std::string folded = absl::AsciiStrToLower(text);
  for (const auto& [yes, no] :
       {std::pair<absl::string_view, absl::string_view>{"y", "n"},
        {"yes", "no"},
        {"true", "false"},
        {"on", "off"}}) {
    if (folded == yes || folded == no) {
      *value = folded == yes;
      return true;
    }
  }
  return false;
}

// Reads the YAML of one seed into an Article. Every error names the file,
// the line and column of the offending node, and the field.
// What one value and one list item (a message) cost against
// SeedLimits::max_expanded_bytes, besides their text.
constexpr int64_t kValueCost = 8;
constexpr size_t kItemCost = 128;

class SeedReader {
 public:
  SeedReader(absl::string_view source_file, int first_line,
             const SeedLimits& limits)
      : source_file_(source_file), first_line_(first_line), limits_(limits) {}

  absl::Status ReadArticle(YamlNode root, Article* article) {
    if (!root.IsMap()) {
      return Error(root, "",
                   absl::StrCat("the front matter must be a map of "
                                "fields, not ",
                                KindName(root)));
    }
    RETURN_IF_ERROR(ForEachField(
        root, "",
        [&](absl::string_view key, YamlNode value,
            const std::string& field) -> absl::Status {
          if (key == "category")
            return ReadString(value, field, article->mutable_category());
          if (key == "title")
            return ReadString(value, field, article->mutable_title());
          if (key == "excerpt")
            return ReadString(value, field, article->mutable_excerpt());
          if (key == "publishedDateTime") {
            // Not mutable_publish_time() first: no value leaves it unset.
            if (value.IsNull()) return absl::OkStatus();
            return ReadTime(value, field, article->mutable_publish_time());
          }
          if (key == "originalUrl")
            return ReadUrl(value, field, article->mutable_original_url());
          if (key == "webUrl")
            return ReadUrl(value, field, article->mutable_web_url());
          if (key == "type")
            return ReadString(value, field, article->mutable_type());
          if (key == "quality")
            return ReadInt32(value, field, article, &Article::set_quality);
          if (key == "heat")
            return ReadInt32(value, field, article, &Article::set_heat);
          if (key == "published")
            return ReadBool(value, field, article, &Article::set_published);
          if (key == "provider") {
            if (value.IsNull()) return absl::OkStatus();
            return ReadProvider(value, field, article->mutable_provider());
          }
          if (key == "topics") return ReadTopics(value, field, article);
          if (key == "images")
            return ReadImages(value, field, article->mutable_images());
          if (key == "related") return ReadRelated(value, field, article);
          if (key == "secured")
            return ReadString(value, field, article->mutable_secured());
          return ReadExtra(key, value, field, article->mutable_extra_fields());
        }));
    if (absl::StripAsciiWhitespace(article->title()).empty()) {
      return Error(root, "title", "is required and must not be empty");
    }
    if (!article->has_publish_time()) {
      return Error(root, "publishedDateTime",
                   "is required (an RFC 3339 time such as "
                   "2023-07-24T09:05:00Z)");
    }
    if (article->original_url().empty() && article->web_url().empty()) {
      return Error(root, "originalUrl",
                   "is required (or webUrl): the article's URL is its "
                   "identity");
    }
    return absl::OkStatus();
  }

 private:
  using FieldFn = absl::FunctionRef<absl::Status(
      absl::string_view key, YamlNode value, const std::string& field)>;

  std::string Location(YamlNode node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0) return std::string(source_file_);
    return absl::StrCat(source_file_, ":", mark.line + first_line_, ":",
                        mark.column + 1);
  }

  absl::Status Error(YamlNode node, absl::string_view field,
                     absl::string_view why) const {
    if (field.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Location(node), ": ", why));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(Location(node), ": field '", field, "' ", why));
  }

  // Calls `fn` for each entry of the map `node`, in document order. Rejects
  // non-maps, keys that are not scalars, and keys given twice.
  absl::Status ForEachField(YamlNode node, absl::string_view prefix,
                            FieldFn fn) {
    if (!node.IsMap()) {
      return Error(node, prefix,
                   absl::StrCat("must be a map, not ", KindName(node)));
    }
    // Maps of seeds are small: a linear search finds keys given twice.
    absl::InlinedVector<YamlNode, 16> seen;
    const size_t size = node.size();
    for (size_t i = 0; i < size; ++i) {
      const YamlNode key_node = node.key(i);
      if (!key_node.IsScalar()) {
        return Error(key_node, prefix, "has a key that is not a string");
      }
      const absl::string_view key = key_node.Scalar();
      const std::string field =
          prefix.empty() ? std::string(key) : absl::StrCat(prefix, ".", key);
      RETURN_IF_ERROR(Spend(key_node, field, key.size()));
      for (const YamlNode& earlier : seen) {
        if (earlier.Scalar() == key) {
          return Error(key_node, field,
                       absl::StrCat("is given twice (first on line ",
                                    earlier.Mark().line + first_line_, ")"));
        }
      }
      seen.push_back(key_node);
      RETURN_IF_ERROR(fn(key, node.value(i), field));
    }
    return absl::OkStatus();
  }

  // Every value read counts against the seed's expansion budget, with its
  // text: YAML aliases let a small file repeat content without bound ("billion
  // laughs"), which must not become a huge article in memory.
  absl::Status Spend(YamlNode node, absl::string_view field, size_t bytes) {
    expanded_bytes_ += static_cast<int64_t>(bytes) + kValueCost;
    if (expanded_bytes_ > limits_.max_expanded_bytes) {
      return Error(node, field,
                   absl::StrCat("makes the seed expand to more than ",
                                limits_.max_expanded_bytes,
                                " bytes (YAML aliases repeat content each "
                                "time they are used)"));
    }
    return absl::OkStatus();
  }

  // Null (`key:` with no value, `~`) leaves the field unset.
  absl::Status ReadString(YamlNode node, absl::string_view field,
                          std::string* out) {
    if (node.IsNull()) return absl::OkStatus();
    if (!node.IsScalar()) {
      return Error(node, field,
                   absl::StrCat("must be a string, not ", KindName(node)));
    }
    RETURN_IF_ERROR(Spend(node, field, node.Scalar().size()));
    out->assign(node.Scalar().data(), node.Scalar().size());
    return absl::OkStatus();
  }

  absl::Status ReadUrl(YamlNode node, absl::string_view field,
                       std::string* out) {
    RETURN_IF_ERROR(ReadString(node, field, out));
    if (!out->empty() && !IsHttpUrl(*out)) {
      return Error(
          node, field,
          absl::StrCat("must be an absolute http(s) URL, got ", Quote(*out)));
    }
    return absl::OkStatus();
  }

  template <typename Message>
  absl::Status ReadInt32(YamlNode node, absl::string_view field,
                         Message* message, void (Message::*set)(int32_t)) {
    if (node.IsNull()) return absl::OkStatus();
    int32_t value;
    if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &value)) {
      return Error(node, field,
                   absl::StrCat("must be a whole number (32-bit), got ",
                                node.IsScalar() ? Quote(node.Scalar())
                                                : KindName(node)));
    }
    (message->*set)(value);
    return absl::OkStatus();
  }

  template <typename Message>
  absl::Status ReadBool(YamlNode node, absl::string_view field,
                        Message* message, void (Message::*set)(bool)) {
    if (node.IsNull()) return absl::OkStatus();
    bool value;
    if (!node.IsScalar() || !DecodeBool(node.Scalar(), &value)) {
      return Error(node, field,
                   absl::StrCat("must be true or false, got ",
                                node.IsScalar() ? Quote(node.Scalar())
                                                : KindName(node)));
    }
    (message->*set)(value);
    return absl::OkStatus();
  }

  absl::Status ReadTime(YamlNode node, absl::string_view field,
                        Timestamp* out) {
    if (node.IsNull()) return absl::OkStatus();
    absl::Time time;
    std::string error;
    if (!node.IsScalar() ||
        !absl::ParseTime(absl::RFC3339_full, node.Scalar(), &time, &error)) {
      return Error(node, field,
                   absl::StrCat("must be an RFC 3339 time such as "
                                "2023-07-24T09:05:00Z, got ",
                                node.IsScalar() ? Quote(node.Scalar())
                                                : KindName(node)));
    }
    const int64_t seconds = absl::ToUnixSeconds(time);
    if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) {
      return Error(node, field, "must fall between the years 0001 and 9999");
    }
    *out = ToTimestamp(time);
    return absl::OkStatus();
  }

  absl::Status ReadProvider(YamlNode node, absl::string_view field,
                            Provider* provider) {
    if (node.IsNull()) return absl::OkStatus();
    return ForEachField(
        node, field,
        [&](absl::string_view key, YamlNode value,
            const std::string& path) -> absl::Status {
          if (key == "name")
            return ReadString(value, path, provider->mutable_name());
          if (key == "domain")
            return ReadString(value, path, provider->mutable_domain());
          return ReadExtra(key, value, path, provider->mutable_extra_fields());
        });
  }

  // Calls `fn` with each item of the list `node` and its field path.
  absl::Status ForEachItem(
      YamlNode node, absl::string_view field,
      absl::FunctionRef<absl::Status(YamlNode, const std::string&)> fn) {
    if (node.IsNull()) return absl::OkStatus();
    if (!node.IsSequence()) {
      return Error(node, field,
                   absl::StrCat("must be a list, not ", KindName(node)));
    }
    for (size_t i = 0; i < node.size(); ++i) {
      RETURN_IF_ERROR(Spend(node, field, kItemCost));
      RETURN_IF_ERROR(fn(node[i], absl::StrCat(field, "[", i, "]")));
    }
    return absl::OkStatus();
  }

  absl::Status ReadTopics(YamlNode node, absl::string_view field,
                          Article* article) {
    return ForEachItem(node, field,
                       [&](YamlNode item, const std::string& path) {
                         std::string topic;
                         RETURN_IF_ERROR(ReadString(item, path, &topic));
                         if (absl::StripAsciiWhitespace(topic).empty()) {
                           return Error(item, path, "must not be empty");
                         }
                         article->add_topics(std::move(topic));
                         return absl::OkStatus();
                       });
  }

  absl::Status ReadImages(YamlNode node, absl::string_view field,
                          google::protobuf::RepeatedPtrField<Image>* images) {
    return ForEachItem(
        node, field, [&](YamlNode item, const std::string& path) {
          Image* image = images->Add();
          return ForEachField(
              item, path,
              [&](absl::string_view key, YamlNode value,
                  const std::string& sub) -> absl::Status {
                if (key == "url")
                  return ReadUrl(value, sub, image->mutable_url());
                if (key == "width")
                  return ReadInt32(value, sub, image, &Image::set_width);
                if (key == "height")
                  return ReadInt32(value, sub, image, &Image::set_height);
                if (key == "isCached")
                  return ReadBool(value, sub, image, &Image::set_cached);
                return ReadExtra(key, value, sub,
                                 image->mutable_extra_fields());
              });
        });
  }

  absl::Status ReadRelated(YamlNode node, absl::string_view field,
                           Article* article) {
    return ForEachItem(
        node, field, [&](YamlNode item, const std::string& path) {
          RelatedLink* link = article->add_related();
          return ForEachField(
              item, path,
              [&](absl::string_view key, YamlNode value,
                  const std::string& sub) -> absl::Status {
                if (key == "title")
                  return ReadString(value, sub, link->mutable_title());
                if (key == "excerpt")
                  return ReadString(value, sub, link->mutable_excerpt());
                if (key == "publishedDateTime") {
                  if (value.IsNull()) return absl::OkStatus();
                  return ReadTime(value, sub, link->mutable_publish_time());
                }
                if (key == "webUrl")
                  return ReadUrl(value, sub, link->mutable_web_url());
                if (key == "ampWebUrl")
                  return ReadUrl(value, sub, link->mutable_amp_url());
                if (key == "cdnAmpWebUrl")
                  return ReadUrl(value, sub, link->mutable_cdn_amp_url());
                if (key == "type")
                  return ReadString(value, sub, link->mutable_type());
                if (key == "provider") {
                  if (value.IsNull()) return absl::OkStatus();
                  return ReadProvider(value, sub, link->mutable_provider());
                }
                if (key == "quality")
                  return ReadInt32(value, sub, link, &RelatedLink::set_quality);
                if (key == "images")
                  return ReadImages(value, sub, link->mutable_images());
                return ReadExtra(key, value, sub, link->mutable_extra_fields());
              });
        });
  }

  // Keeps a key the schema does not know, converting its YAML value.
  absl::Status ReadExtra(absl::string_view key, YamlNode node,
                         absl::string_view field, Struct* extra) {
    Value value;
    RETURN_IF_ERROR(ToValue(node, field, /*depth=*/0, &value));
    (*extra->mutable_fields())[std::string(key)] = std::move(value);
    return absl::OkStatus();
  }

  absl::Status ToValue(YamlNode node, absl::string_view field, int depth,
                       Value* out) {
    if (++extra_values_ > limits_.max_extra_values) {
      return Error(node, field,
                   absl::StrCat("makes the seed's unknown fields hold more "
                                "than ",
                                limits_.max_extra_values,
                                " values (YAML aliases count each time they "
                                "are used)"));
    }
    RETURN_IF_ERROR(
        Spend(node, field, node.IsScalar() ? node.Scalar().size() : 0));
    if (depth > limits_.max_depth) {
      return Error(
          node, field,
          absl::StrCat("is nested deeper than ", limits_.max_depth, " levels"));
    }
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        out->set_null_value(google::protobuf::NULL_VALUE);
        return absl::OkStatus();
      case YAML::NodeType::Scalar:
        ScalarToValue(node, out);
        return absl::OkStatus();
      case YAML::NodeType::Sequence: {
        auto* list = out->mutable_list_value();
        for (size_t i = 0; i < node.size(); ++i) {
          RETURN_IF_ERROR(ToValue(node[i], absl::StrCat(field, "[", i, "]"),
                                  depth + 1, list->add_values()));
        }
        return absl::OkStatus();
      }
      case YAML::NodeType::Map: {
        auto* fields = out->mutable_struct_value()->mutable_fields();
        return ForEachField(node, field,
                            [&](absl::string_view key, YamlNode value,
                                const std::string& path) {
                              return ToValue(value, path, depth + 1,
                                             &(*fields)[std::string(key)]);
                            });
      }
    }
    return absl::OkStatus();
  }

  // Plain scalars follow YAML 1.2's core schema (null, booleans, numbers);
  // quoted or tagged scalars stay strings. Numbers a double cannot hold
  // exactly stay strings, so no digit is lost.
  static void ScalarToValue(YamlNode node, Value* out) {
    const absl::string_view text = node.Scalar();
    if (node.Tag() == "?") {
      if (text == "~" || text == "null" || text == "Null" || text == "NULL") {
        out->set_null_value(google::protobuf::NULL_VALUE);
        return;
      }
      if (text == "true" || text == "True" || text == "TRUE") {
        out->set_bool_value(true);
        return;
      }
      if (text == "false" || text == "False" || text == "FALSE") {
        out->set_bool_value(false);
        return;
      }
      int64_t integer;
      double number;
      if (IsIntegerText(text)) {
        // Out of int64's range, or beyond what a double holds exactly: the
        // digits stay as a string.
        if (absl::SimpleAtoi(text, &integer) && integer <= kMaxExactInteger &&
            integer >= -kMaxExactInteger) {
          out->set_number_value(static_cast<double>(integer));
          return;
        }
      } else if (IsDecimalNumber(text) && absl::SimpleAtod(text, &number) &&
                 std::isfinite(number)) {
        out->set_number_value(number);
        return;
      }
    }
    out->set_string_value(std::string(text));
  }

  absl::string_view source_file_;
  int first_line_;
  SeedLimits limits_;
  int extra_values_ = 0;
  int64_t expanded_bytes_ = 0;
};

}  // namespace

absl::StatusOr<Article> ParseSeed(absl::string_view content,
                                  absl::string_view source_file,
                                  const SeedLimits& limits) {
  const size_t bad_byte = FindInvalidUtf8(content);
  if (bad_byte != content.size()) {
    const auto [line, column] = LineAndColumn(content, bad_byte);
    return absl::InvalidArgumentError(absl::StrCat(
        source_file, ":", line, ":", column, ": invalid UTF-8 (byte 0x",
        absl::Hex(static_cast<uint8_t>(content[bad_byte]), absl::kZeroPad2),
        "); seeds must be UTF-8 text"));
  }
  absl::StatusOr<FrontMatter> front_matter = SplitFrontMatter(content);
  if (!front_matter.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_file, ":", front_matter.status().message()));
  }
  Article article;
  try {
    // One tree per thread, reused: its buffers outlive the documents.
    thread_local YamlTree tree;
    tree.Parse(front_matter->yaml);
    SeedReader reader(source_file, front_matter->first_line, limits);
    RETURN_IF_ERROR(reader.ReadArticle(tree.root(), &article));
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's guard against a stack overflow; its own message is "bad
    // file".
    return absl::InvalidArgumentError(
        absl::StrCat(source_file, ":", e.mark.line + front_matter->first_line,
                     ":", e.mark.column + 1, ": YAML nesting deeper than ",
                     e.depth() - 1, " levels (the parser's limit)"));
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_file, ": invalid YAML: ", e.msg));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(source_file, ":", e.mark.line + front_matter->first_line,
                     ":", e.mark.column + 1, ": invalid YAML: ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_file, ": could not read the front matter: ", e.what()));
  }
  article.set_name(ArticleNameForUrl(article.original_url().empty()
                                         ? article.web_url()
                                         : article.original_url()));
  article.set_source_file(std::string(source_file));
  article.set_body(std::move(front_matter->body));
  return article;
}

}  // namespace newsmeta
