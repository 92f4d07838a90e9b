// libFuzzer target: the loader's block YAML scanner (ScanBlockYaml) against
// yaml-cpp's parser.
//
// Whatever the scanner reads, yaml-cpp must read too, to the same events
// (kinds, tags, values, marks); an input the scanner gives up on is yaml-cpp's
// alone and needs no check here. Aborts, printing both event lists, when they
// differ.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "lib/yaml_event_log.h"
#include "loader/block_yaml_scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  newsmeta::YamlEventLog scanned;
  if (!newsmeta::ScanBlockYaml(yaml, &scanned)) return 0;
  const std::optional<std::vector<std::string>> expected =
      newsmeta::YamlCppEvents(yaml);
  if (!expected.has_value()) {
    std::fprintf(stderr, "block_yaml_fuzzer: read what yaml-cpp refuses\n");
    std::abort();
  }
  if (scanned.events() != *expected) {
    std::fprintf(stderr,
                 "block_yaml_fuzzer: events differ\nscanner:\n%s\n"
                 "yaml-cpp:\n%s\n",
                 absl::StrJoin(scanned.events(), "\n").c_str(),
                 absl::StrJoin(*expected, "\n").c_str());
    std::abort();
  }
  return 0;
}
