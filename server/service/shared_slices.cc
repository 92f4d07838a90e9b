#include "service/shared_slices.h"

namespace newsmeta {

grpc::Slice SharedSlices::View(absl::string_view bytes) {
  refs_.fetch_add(1, std::memory_order_relaxed);
  // gRPC never writes through a slice it did not allocate.
  return grpc::Slice(const_cast<char*>(bytes.data()), bytes.size(),
                     &SharedSlices::Unref, this);
}

void SharedSlices::Unref(void* self) {
  auto* slices = static_cast<SharedSlices*>(self);
  if (slices->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    delete slices;
  }
}

}  // namespace newsmeta
