#include "catalog/deletion_set.h"

#include <algorithm>
#include <cassert>

namespace newsmeta {

DeletionSet::DeletionSet(absl::Span<const uint32_t> deleted,
                         size_t segment_size)
    : segment_size_(segment_size), bits_((segment_size + 63) / 64, 0) {
  for (const uint32_t index : deleted) {
    assert(index < segment_size);
    if (!Contains(index)) sorted_.push_back(index);
    bits_[index >> 6] |= uint64_t{1} << (index & 63);
  }
  std::sort(sorted_.begin(), sorted_.end());
}

DeletionSet DeletionSet::With(absl::Span<const uint32_t> more) const {
  DeletionSet result = *this;
  const size_t before = result.sorted_.size();
  for (const uint32_t index : more) {
    assert(index < segment_size_);
    if (result.Contains(index)) continue;
    result.sorted_.push_back(index);
    result.bits_[index >> 6] |= uint64_t{1} << (index & 63);
  }
  std::sort(result.sorted_.begin() + before, result.sorted_.end());
  std::inplace_merge(result.sorted_.begin(), result.sorted_.begin() + before,
                     result.sorted_.end());
  return result;
}

size_t DeletionSet::CountIn(uint32_t begin, uint32_t end) const {
  if (begin >= end) return 0;
  return std::lower_bound(sorted_.begin(), sorted_.end(), end) -
         std::lower_bound(sorted_.begin(), sorted_.end(), begin);
}

}  // namespace newsmeta
