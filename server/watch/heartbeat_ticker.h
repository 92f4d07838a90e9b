// Calls a function every interval on its own thread, until destroyed.
#ifndef NEWSMETA_SERVER_WATCH_HEARTBEAT_TICKER_H_
#define NEWSMETA_SERVER_WATCH_HEARTBEAT_TICKER_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace newsmeta {

class HeartbeatTicker {
 public:
  // Does nothing when `interval` is zero, negative or infinite.
  HeartbeatTicker(absl::Duration interval, std::function<void()> tick);
  // Stops the thread (waits for a tick in progress).
  ~HeartbeatTicker();

  HeartbeatTicker(const HeartbeatTicker&) = delete;
  HeartbeatTicker& operator=(const HeartbeatTicker&) = delete;

 private:
  void Run();

  const absl::Duration interval_;
  const std::function<void()> tick_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_WATCH_HEARTBEAT_TICKER_H_
