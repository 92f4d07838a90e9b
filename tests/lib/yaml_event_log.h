// yaml-cpp parser events as lines of text, for comparing two producers of
// them: YAML::Parser and ScanBlockYaml (tests/unit/block_yaml_scanner_test.cc,
// fuzz/block_yaml_fuzzer.cc).
#ifndef NEWSMETA_TESTS_LIB_YAML_EVENT_LOG_H_
#define NEWSMETA_TESTS_LIB_YAML_EVENT_LOG_H_

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/parser.h"

namespace newsmeta {

// Each event as one line: its kind, tag, anchor, value or style, and mark.
class YamlEventLog : public YAML::EventHandler {
 public:
  const std::vector<std::string>& events() const { return events_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    Add("document", mark);
  }
  void OnDocumentEnd() override { events_.push_back("document end"); }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Add(absl::StrCat("null &", anchor), mark);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Add(absl::StrCat("alias *", anchor), mark);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t anchor, const std::string& value) override {
    Add(absl::StrCat("scalar ", tag, " &", anchor, " [", value, "]"), mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    Add(absl::StrCat("sequence ", tag, " &", anchor, " style ", style), mark);
  }
  void OnSequenceEnd() override { events_.push_back("sequence end"); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag,
                  YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    Add(absl::StrCat("map ", tag, " &", anchor, " style ", style), mark);
  }
  void OnMapEnd() override { events_.push_back("map end"); }

 private:
  void Add(const std::string& what, const YAML::Mark& mark) {
    events_.push_back(absl::StrCat(what, " at ", mark.line, ":", mark.column,
                                   " (", mark.pos, ")"));
  }

  std::vector<std::string> events_;
};

// yaml-cpp's events for the first document of `yaml`, or nullopt when its
// parser throws.
inline std::optional<std::vector<std::string>> YamlCppEvents(
    const std::string& yaml) {
  std::istringstream in(yaml);
  YamlEventLog log;
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(log);
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  return log.events();
}

}  // namespace newsmeta

#endif  // NEWSMETA_TESTS_LIB_YAML_EVENT_LOG_H_
