// Which articles of one catalog segment are no longer served: removed from
// the seeds, or replaced by a newer segment's article of the same name.
#ifndef NEWSMETA_SERVER_CATALOG_DELETION_SET_H_
#define NEWSMETA_SERVER_CATALOG_DELETION_SET_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace newsmeta {

// Article indexes of one segment, as a bitmap (membership in O(1)) and a
// sorted list (counting in a range in O(log n)). Immutable once made; a
// change makes a new set (With), so a call holding the old one keeps it.
class DeletionSet {
 public:
  DeletionSet() = default;
  // The indexes in `deleted` (any order, repeats allowed), each below
  // `segment_size`.
  DeletionSet(absl::Span<const uint32_t> deleted, size_t segment_size);

  // This set and `more`.
  DeletionSet With(absl::Span<const uint32_t> more) const;

  bool Contains(uint32_t index) const {
    return (index >> 6) < bits_.size() &&
           ((bits_[index >> 6] >> (index & 63)) & 1) != 0;
  }
  bool empty() const { return sorted_.empty(); }
  size_t size() const { return sorted_.size(); }
  // Ascending.
  const std::vector<uint32_t>& sorted() const { return sorted_; }
  // How many lie in [begin, end).
  size_t CountIn(uint32_t begin, uint32_t end) const;

 private:
  size_t segment_size_ = 0;
  std::vector<uint64_t> bits_;
  std::vector<uint32_t> sorted_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_DELETION_SET_H_
