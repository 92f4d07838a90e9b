// ThreadSanitizer builds only (make test-tsan): tells TSan about absl::Mutex.
//
// Debian's Abseil is not built with -fsanitize=thread, so TSan cannot see
// absl::Mutex lock and unlock (atomics and futexes inside the library), and
// would report every access to ABSL_GUARDED_BY data from two threads as a
// race: in our reloader and metrics, in the tests' own fakes, and in gRPC,
// which locks absl::Mutex too. Abseil built with TSan annotates its Mutex
// with __tsan_mutex_* calls; this file does the same from outside. It
// defines the Mutex and CondVar members that lock, unlock and wait; a test
// binary linked with it (and -rdynamic) binds every call to them, from our
// code and from the shared libraries, to these definitions, which call
// Abseil's own (found with dlsym(RTLD_NEXT)) between the annotations Abseil
// would make. No race report is hidden: TSan only learns the happens-before
// edges that the locks really create.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace {

#define NEWSMETA_STRINGIFY_(x) #x
#define NEWSMETA_STRINGIFY(x) NEWSMETA_STRINGIFY_(x)

// The mangled name of absl::<inline namespace>::<rest>: `rest` is the part
// after the namespace, e.g. "5Mutex4LockEv".
std::string AbslSymbol(const char* rest) {
  const std::string ns = NEWSMETA_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  return "_ZN4absl" + std::to_string(ns.size()) + ns + rest;
}

// Abseil's own definition of the member `rest`, as a function taking `this`
// first (the Itanium C++ ABI).
template <typename Function>
Function Real(const char* rest) {
  const std::string name = AbslSymbol(rest);
  void* address = dlsym(RTLD_NEXT, name.c_str());
  if (address == nullptr) {
    std::fprintf(stderr, "tsan_absl_mutex: no %s in Abseil\n", name.c_str());
    std::abort();
  }
  Function function;
  std::memcpy(&function, &address, sizeof function);
  return function;
}

// Abseil's own members call each other through the same symbols (e.g.
// CondVar::WaitWithTimeout calls CondVar::WaitWithDeadline), which land here
// too: only the outermost call of a thread is annotated.
thread_local int depth = 0;
class Outermost {
 public:
  Outermost() : outermost_(depth++ == 0) {}
  ~Outermost() { --depth; }
  Outermost(const Outermost&) = delete;
  Outermost& operator=(const Outermost&) = delete;
  explicit operator bool() const { return outermost_; }

 private:
  const bool outermost_;
};

using Mutex = absl::Mutex;
using Condition = absl::Condition;
constexpr unsigned kRead = __tsan_mutex_read_lock;

// A lock, an unlock, or a wait (which gives the mutex up and takes it back:
// an unlock before it and a lock after it), as TSan sees them around
// Abseil's real operation.
void Locking(const Outermost& outer, void* mu, unsigned flags) {
  if (outer) __tsan_mutex_pre_lock(mu, flags);
}
void Locked(const Outermost& outer, void* mu, unsigned flags) {
  if (outer) __tsan_mutex_post_lock(mu, flags, 0);
}
void Unlocking(const Outermost& outer, void* mu, unsigned flags) {
  if (outer) __tsan_mutex_pre_unlock(mu, flags);
}
void Unlocked(const Outermost& outer, void* mu, unsigned flags) {
  if (outer) __tsan_mutex_post_unlock(mu, flags);
}
void WaitStarts(const Outermost& outer, void* mu) {
  Unlocking(outer, mu, 0);
  Unlocked(outer, mu, 0);
}
void WaitEnds(const Outermost& outer, void* mu) {
  Locking(outer, mu, 0);
  Locked(outer, mu, 0);
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static const auto real = Real<void (*)(Mutex*)>("5Mutex4LockEv");
  const Outermost outer;
  Locking(outer, this, 0);
  real(this);
  Locked(outer, this, 0);
}

void Mutex::ReaderLock() {
  static const auto real = Real<void (*)(Mutex*)>("5Mutex10ReaderLockEv");
  const Outermost outer;
  Locking(outer, this, kRead);
  real(this);
  Locked(outer, this, kRead);
}

bool Mutex::TryLock() {
  static const auto real = Real<bool (*)(Mutex*)>("5Mutex7TryLockEv");
  const Outermost outer;
  Locking(outer, this, __tsan_mutex_try_lock);
  const bool locked = real(this);
  Locked(outer, this,
         __tsan_mutex_try_lock | (locked ? 0 : __tsan_mutex_try_lock_failed));
  return locked;
}

bool Mutex::ReaderTryLock() {
  static const auto real = Real<bool (*)(Mutex*)>("5Mutex13ReaderTryLockEv");
  const Outermost outer;
  Locking(outer, this, kRead | __tsan_mutex_try_lock);
  const bool locked = real(this);
  Locked(outer, this,
         kRead | __tsan_mutex_try_lock |
             (locked ? 0 : __tsan_mutex_try_lock_failed));
  return locked;
}

void Mutex::Unlock() {
  static const auto real = Real<void (*)(Mutex*)>("5Mutex6UnlockEv");
  const Outermost outer;
  Unlocking(outer, this, 0);
  real(this);
  Unlocked(outer, this, 0);
}

void Mutex::ReaderUnlock() {
  static const auto real = Real<void (*)(Mutex*)>("5Mutex12ReaderUnlockEv");
  const Outermost outer;
  Unlocking(outer, this, kRead);
  real(this);
  Unlocked(outer, this, kRead);
}

void Mutex::LockWhen(const Condition& cond) {
  static const auto real = Real<void (*)(Mutex*, const Condition&)>(
      "5Mutex8LockWhenERKNS0_9ConditionE");
  const Outermost outer;
  Locking(outer, this, 0);
  real(this, cond);
  Locked(outer, this, 0);
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, absl::Duration timeout) {
  static const auto real =
      Real<bool (*)(Mutex*, const Condition&, absl::Duration)>(
          "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  const Outermost outer;
  Locking(outer, this, 0);
  const bool reached = real(this, cond, timeout);
  Locked(outer, this, 0);
  return reached;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real = Real<bool (*)(Mutex*, const Condition&, absl::Time)>(
      "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  const Outermost outer;
  Locking(outer, this, 0);
  const bool reached = real(this, cond, deadline);
  Locked(outer, this, 0);
  return reached;
}

void Mutex::Await(const Condition& cond) {
  static const auto real = Real<void (*)(Mutex*, const Condition&)>(
      "5Mutex5AwaitERKNS0_9ConditionE");
  const Outermost outer;
  WaitStarts(outer, this);
  real(this, cond);
  WaitEnds(outer, this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  static const auto real =
      Real<bool (*)(Mutex*, const Condition&, absl::Duration)>(
          "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  const Outermost outer;
  WaitStarts(outer, this);
  const bool reached = real(this, cond, timeout);
  WaitEnds(outer, this);
  return reached;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real = Real<bool (*)(Mutex*, const Condition&, absl::Time)>(
      "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  const Outermost outer;
  WaitStarts(outer, this);
  const bool reached = real(this, cond, deadline);
  WaitEnds(outer, this);
  return reached;
}

void CondVar::Wait(Mutex* mu) {
  static const auto real =
      Real<void (*)(CondVar*, Mutex*)>("7CondVar4WaitEPNS0_5MutexE");
  const Outermost outer;
  WaitStarts(outer, mu);
  real(this, mu);
  WaitEnds(outer, mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
  static const auto real = Real<bool (*)(CondVar*, Mutex*, absl::Duration)>(
      "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  const Outermost outer;
  WaitStarts(outer, mu);
  const bool timed_out = real(this, mu, timeout);
  WaitEnds(outer, mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  static const auto real = Real<bool (*)(CondVar*, Mutex*, absl::Time)>(
      "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  const Outermost outer;
  WaitStarts(outer, mu);
  const bool timed_out = real(this, mu, deadline);
  WaitEnds(outer, mu);
  return timed_out;
}

ABSL_NAMESPACE_END
}  // namespace absl
