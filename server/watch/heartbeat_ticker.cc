#include "watch/heartbeat_ticker.h"

#include <utility>

namespace newsmeta {

HeartbeatTicker::HeartbeatTicker(absl::Duration interval,
                                 std::function<void()> tick)
    : interval_(interval), tick_(std::move(tick)) {
  if (interval_ > absl::ZeroDuration() &&
      interval_ != absl::InfiniteDuration()) {
    thread_ = std::thread([this] { Run(); });
  }
}

HeartbeatTicker::~HeartbeatTicker() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void HeartbeatTicker::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      const absl::Condition stopping(&stopping_);
      if (mu_.AwaitWithTimeout(stopping, interval_)) return;
    }
    tick_();
  }
}

}  // namespace newsmeta
