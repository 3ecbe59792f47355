#include "cpu/pool.hpp"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#  include <immintrin.h>
#endif

namespace gc::cpu {
namespace {

// A worker spins this long for the next call before it sleeps on the condition variable. Clipping
// runs two passes back to back (norms, then scaling) with microseconds in between; waking a sleeping
// thread costs tens of microseconds, spinning through that gap costs nothing that matters.
constexpr auto kSpin = std::chrono::microseconds(100);
// Clock reads are far slower than a pause; look at the clock once per this many spins.
constexpr int kSpinsPerClockRead = 64;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until done() or kSpin has passed; true when done() became true.
template <class Done>
bool spin_until(const Done& done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < kSpinsPerClockRead; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
    // More threads than cores (tests run 7 on 2): let a thread that has work have the core.
    std::this_thread::yield();
  }
}

}  // namespace

Pool::Pool(int threads) {
  workers_.reserve(static_cast<size_t>(threads > 1 ? threads - 1 : 0));
  try {
    // The generation is read here, not by the new thread: a thread that starts late must still take
    // part in a call made right after the constructor returns.
    const uint64_t start = generation_.load(std::memory_order_relaxed);
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, start] { worker_main(start); });
  } catch (...) {
    stop_workers();  // the destructor will not run: join the workers already started
    throw;
  }
}

Pool::~Pool() { stop_workers(); }

void Pool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void Pool::take_tasks() {
  for (int64_t i = next_.fetch_add(1, std::memory_order_relaxed); i < count_;
       i = next_.fetch_add(1, std::memory_order_relaxed)) {
    fn_(ctx_, i);
  }
}

bool Pool::await_generation(uint64_t seen) {
  if (spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) return true;
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_acquire) != seen; });
  return !stop_;
}

void Pool::worker_main(uint64_t seen) {
  for (;;) {
    if (!await_generation(seen)) return;
    seen = generation_.load(std::memory_order_acquire);
    // Join first, then look whether the call is still open: the caller closes it and then waits for
    // joined_ to drop to zero, so a worker either sees the call open and is waited for, or sees it
    // closed and leaves without touching it (all seq_cst, so one of the two orders holds).
    joined_.fetch_add(1);
    if (open_.load()) take_tasks();
    if (joined_.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);  // so the notify cannot slip between check and wait
      done_.notify_one();
    }
  }
}

void Pool::run(int64_t count, Trampoline fn, const void* ctx) {
  std::lock_guard<std::mutex> call(call_mutex_);
  if (workers_.empty() || count <= 1) {
    for (int64_t i = 0; i < count; ++i) fn(ctx, i);
    return;
  }
  // No worker reads these while the call is closed.
  fn_ = fn;
  ctx_ = ctx;
  count_ = count;
  next_.store(0, std::memory_order_relaxed);
  open_.store(true);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  take_tasks();
  // Every index is taken. Workers that have not joined by now are not waited for: the call does not
  // wait for a sleeping thread to wake up only to find nothing left.
  open_.store(false);
  if (spin_until([&] { return joined_.load() == 0; })) return;
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return joined_.load() == 0; });
}

}  // namespace gc::cpu
