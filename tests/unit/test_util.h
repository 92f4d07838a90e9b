// Small helpers shared by the unit tests.
#ifndef NEWSMETA_TESTS_UNIT_TEST_UTIL_H_
#define NEWSMETA_TESTS_UNIT_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "google/protobuf/timestamp.pb.h"

namespace newsmeta {

// "articles/" + `id` as 16 lowercase hex digits.
inline std::string Name(uint64_t id) {
  return absl::StrFormat("articles/%016x", id);
}

// `text`, an RFC 3339 time; fails the test when it does not parse.
inline absl::Time Rfc3339(const std::string& text) {
  absl::Time time;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &time, &error))
      << text << ": " << error;
  return time;
}

inline void SetTime(absl::Time time, google::protobuf::Timestamp* timestamp) {
  *timestamp = ToTimestamp(time);
}

}  // namespace newsmeta

#endif  // NEWSMETA_TESTS_UNIT_TEST_UTIL_H_
