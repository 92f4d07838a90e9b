// gRPC slices that refer to bytes kept alive by an owner (say, the catalog
// an article's bytes are in) instead of copying them.
#ifndef NEWSMETA_SERVER_SERVICE_SHARED_SLICES_H_
#define NEWSMETA_SERVER_SERVICE_SHARED_SLICES_H_

#include <grpcpp/support/slice.h>

#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/string_view.h"

namespace newsmeta {

// Hands out slices that refer to bytes `owner` keeps valid, and keeps
// `owner` until gRPC has released the last of them, which may be after the
// call that wrote them has ended (the transport may still hold the bytes
// then). Each slice costs a reference count (gRPC allocates one) instead of
// a copy of its bytes.
class SharedSlices {
 public:
  static SharedSlices* Create(std::shared_ptr<const void> owner) {
    return new SharedSlices(std::move(owner));
  }
  SharedSlices(const SharedSlices&) = delete;
  SharedSlices& operator=(const SharedSlices&) = delete;

  // A slice of `bytes`, which must lie in memory `owner` keeps valid. Called
  // before Release; gRPC may release the slices on any thread.
  grpc::Slice View(absl::string_view bytes);
  // The creator's reference: the object goes away once this and every slice
  // View made have been released.
  void Release() { Unref(this); }

 private:
  explicit SharedSlices(std::shared_ptr<const void> owner)
      : owner_(std::move(owner)) {}
  static void Unref(void* self);

  const std::shared_ptr<const void> owner_;
  std::atomic<int> refs_{1};
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_SHARED_SLICES_H_
