// Tests of SharedSlices: slices that refer to bytes instead of copying them,
// and keep what holds those bytes until gRPC releases the last slice.
#include "service/shared_slices.h"

#include <grpcpp/support/byte_buffer.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace newsmeta {
namespace {

// Bytes whose owner tells when it is gone.
struct Owned {
  explicit Owned(bool* gone) : gone(gone) {}
  ~Owned() { *gone = true; }
  bool* gone;
  std::string bytes = "0123456789abcdefghijklmnopqrstuvwxyz";
};

TEST(SharedSlicesTest, SlicesReferToTheBytesWithoutCopying) {
  bool gone = false;
  auto owned = std::make_shared<Owned>(&gone);
  const absl::string_view bytes = absl::string_view(owned->bytes).substr(3, 20);
  SharedSlices* slices = SharedSlices::Create(owned);
  {
    const grpc::Slice slice = slices->View(bytes);
    EXPECT_EQ(reinterpret_cast<const char*>(slice.begin()), bytes.data());
    EXPECT_EQ(slice.size(), bytes.size());
  }
  slices->Release();
  owned.reset();
  EXPECT_TRUE(gone);
}

TEST(SharedSlicesTest, OwnerOutlivesTheCreatorWhileASliceIsHeld) {
  bool gone = false;
  auto owned = std::make_shared<Owned>(&gone);
  const std::string expected = owned->bytes.substr(0, 10);
  SharedSlices* slices = SharedSlices::Create(owned);
  std::vector<grpc::ByteBuffer> held;
  for (int i = 0; i < 3; ++i) {
    grpc::Slice slice =
        slices->View(absl::string_view(owned->bytes).substr(0, 10));
    held.emplace_back(&slice, 1);
  }
  owned.reset();
  slices->Release();  // the call ended; the transport still holds messages
  EXPECT_FALSE(gone);
  std::vector<grpc::Slice> read;
  ASSERT_TRUE(held[0].Dump(&read).ok());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(read[0].begin()),
                        read[0].size()),
            expected);
  read.clear();
  held.pop_back();
  held.pop_back();
  EXPECT_FALSE(gone);
  held.clear();
  EXPECT_TRUE(gone);
}

}  // namespace
}  // namespace newsmeta
