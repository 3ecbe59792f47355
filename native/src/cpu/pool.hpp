// A persistent pool of worker threads. A call hands out task indices through one atomic counter; the
// calling thread takes indices too, and the call returns when every index has run. Workers that wake
// too late to take an index are not waited for. Nothing is allocated or spawned per call.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace gc::cpu {

class Pool {
 public:
  static constexpr int kMaxThreads = 1024;

  // threads: 1..kMaxThreads in total, the caller's included (threads - 1 workers are started).
  // Throws std::system_error when a thread cannot be started, std::bad_alloc when out of memory.
  explicit Pool(int threads);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls task(i) once for every i in [0, count), spread over the pool's threads and the caller.
  // Concurrent calls are serialised. task must not throw.
  template <class Task>
  void for_each(int64_t count, const Task& task) {
    run(count, [](const void* ctx, int64_t i) { (*static_cast<const Task*>(ctx))(i); }, &task);
  }

 private:
  using Trampoline = void (*)(const void* ctx, int64_t i);

  void run(int64_t count, Trampoline fn, const void* ctx);
  void take_tasks();  // runs indices until the counter passes count_
  void worker_main(uint64_t seen);  // seen: the generation before the first call
  void stop_workers();
  bool await_generation(uint64_t seen);  // false when the pool is stopping

  std::mutex call_mutex_;  // one call at a time

  // The current call: written by the caller while open_ is false, read by workers that joined while
  // it was true.
  Trampoline fn_ = nullptr;
  const void* ctx_ = nullptr;
  int64_t count_ = 0;
  std::atomic<int64_t> next_{0};        // the next task index to hand out
  std::atomic<bool> open_{false};       // workers may join the current call
  std::atomic<int> joined_{0};          // workers inside a call; the caller returns when it is 0
  std::atomic<uint64_t> generation_{0};  // bumped once per call, to wake the workers
  bool stop_ = false;                   // guarded by mutex_

  std::mutex mutex_;                   // pairs with the two condition variables
  std::condition_variable wake_;       // workers wait here for a new generation
  std::condition_variable done_;       // the caller waits here for joined_ == 0
  std::vector<std::thread> workers_;
};

}  // namespace gc::cpu
