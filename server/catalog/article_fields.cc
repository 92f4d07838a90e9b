#include "catalog/article_fields.h"

#include "catalog/catalog.h"
#include "util/wire_reader.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;

// Field numbers (article.proto).
constexpr uint32_t kName = Article::kNameFieldNumber;
constexpr uint32_t kCategory = Article::kCategoryFieldNumber;
constexpr uint32_t kTitle = Article::kTitleFieldNumber;
constexpr uint32_t kExcerpt = Article::kExcerptFieldNumber;
constexpr uint32_t kPublishTime = Article::kPublishTimeFieldNumber;
constexpr uint32_t kType = Article::kTypeFieldNumber;
constexpr uint32_t kQuality = Article::kQualityFieldNumber;
constexpr uint32_t kHeat = Article::kHeatFieldNumber;
constexpr uint32_t kPublished = Article::kPublishedFieldNumber;
constexpr uint32_t kProvider = Article::kProviderFieldNumber;
constexpr uint32_t kTopics = Article::kTopicsFieldNumber;
constexpr uint32_t kOriginalUrl = Article::kOriginalUrlFieldNumber;
constexpr uint32_t kWebUrl = Article::kWebUrlFieldNumber;
constexpr uint32_t kProviderName = newsmeta::v1::Provider::kNameFieldNumber;
constexpr uint32_t kProviderDomain = newsmeta::v1::Provider::kDomainFieldNumber;
constexpr uint32_t kSeconds = google::protobuf::Timestamp::kSecondsFieldNumber;
constexpr uint32_t kNanos = google::protobuf::Timestamp::kNanosFieldNumber;
// Article fields numbered from here on are left out of the BASIC view
// (article.proto keeps FULL-only fields at 100 and up).
constexpr uint32_t kFirstFullOnlyField = 100;

bool ScanProvider(absl::string_view wire, ArticleFields* fields) {
  WireReader reader(wire);
  while (!reader.done()) {
    uint32_t number, wire_type;
    uint64_t varint = 0;
    absl::string_view bytes;
    if (!reader.ReadField(&number, &wire_type, &varint, &bytes)) return false;
    if (wire_type != kLengthDelimitedWireType) continue;
    if (number == kProviderName) fields->provider_name = bytes;
    if (number == kProviderDomain) fields->provider_domain = bytes;
  }
  return true;
}

bool ScanTimestamp(absl::string_view wire, absl::Time* time) {
  WireReader reader(wire);
  int64_t seconds = 0;
  int64_t nanos = 0;
  while (!reader.done()) {
    uint32_t number, wire_type;
    uint64_t varint = 0;
    absl::string_view bytes;
    if (!reader.ReadField(&number, &wire_type, &varint, &bytes)) return false;
    if (wire_type != kVarintWireType) continue;
    if (number == kSeconds) seconds = static_cast<int64_t>(varint);
    if (number == kNanos) nanos = static_cast<int32_t>(varint);
  }
  *time = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  return true;
}

}  // namespace

ArticleFields FieldsOf(const Article& article,
                       std::vector<absl::string_view>* topics) {
  topics->assign(article.topics().begin(), article.topics().end());
  ArticleFields fields;
  fields.name = article.name();
  fields.category = article.category();
  fields.title = article.title();
  fields.excerpt = article.excerpt();
  fields.type = article.type();
  fields.provider_name = article.provider().name();
  fields.provider_domain = article.provider().domain();
  fields.topics = *topics;
  fields.publish_time = ToAbslTime(article.publish_time());
  fields.quality = article.quality();
  fields.heat = article.heat();
  fields.published = article.published();
  return fields;
}

bool ScanUrls(absl::string_view wire, absl::string_view* original_url,
              absl::string_view* web_url) {
  *original_url = *web_url = absl::string_view();
  WireReader reader(wire);
  while (!reader.done()) {
    uint32_t number, wire_type;
    uint64_t varint = 0;
    absl::string_view bytes;
    if (!reader.ReadField(&number, &wire_type, &varint, &bytes)) return false;
    // A catalog's bytes are a deterministic serialization, in field order.
    if (number > kWebUrl) break;
    if (wire_type != kLengthDelimitedWireType) continue;
    if (number == kOriginalUrl) *original_url = bytes;
    if (number == kWebUrl) *web_url = bytes;
  }
  return true;
}

bool ScanFields(absl::string_view wire, ArticleFields* fields,
                std::vector<absl::string_view>* topics) {
  *fields = ArticleFields();
  fields->publish_time = absl::UnixEpoch();
  fields->basic_size = static_cast<uint32_t>(wire.size());
  bool basic = true;
  WireReader reader(wire);
  while (!reader.done()) {
    const size_t at = wire.size() - reader.left();
    uint32_t number, wire_type;
    uint64_t varint = 0;
    absl::string_view bytes;
    if (!reader.ReadField(&number, &wire_type, &varint, &bytes)) return false;
    if (basic && number >= kFirstFullOnlyField) {
      fields->basic_size = static_cast<uint32_t>(at);
      basic = false;
    }
    if (wire_type == kVarintWireType) {
      if (number == kQuality) fields->quality = static_cast<int32_t>(varint);
      if (number == kHeat) fields->heat = static_cast<int32_t>(varint);
      if (number == kPublished) fields->published = varint != 0;
      continue;
    }
    if (wire_type != kLengthDelimitedWireType) continue;
    switch (number) {
      case kName:
        fields->name = bytes;
        break;
      case kCategory:
        fields->category = bytes;
        break;
      case kTitle:
        fields->title = bytes;
        break;
      case kExcerpt:
        fields->excerpt = bytes;
        break;
      case kType:
        fields->type = bytes;
        break;
      case kTopics:
        topics->push_back(bytes);
        break;
      case kProvider:
        if (!ScanProvider(bytes, fields)) return false;
        break;
      case kPublishTime:
        if (!ScanTimestamp(bytes, &fields->publish_time)) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

}  // namespace newsmeta
