// How a pass hands its fixed list of tasks to threads: the pool for large sets, the calling thread
// alone for small ones. Which thread runs a task never changes what the task computes.
#pragma once
#include <cstdint>

#include "cpu/pool.hpp"

namespace gc::cpu {

// Below this many elements (1 MiB of fp32) a pass runs on the calling thread alone: one core reads that
// in about 15 microseconds when it is cached (measured, fp32 p=2), no more than handing half of it to a
// worker costs (10-40 microseconds measured for the wake-up and the check-in), so a second thread
// cannot win there.
constexpr int64_t kParallelMinElements = int64_t{1} << 18;

// task(i) for every i in [0, count); on the pool when the pass covers `elements` >= kParallelMinElements.
template <class Task>
void run_tasks(Pool& pool, int64_t count, int64_t elements, const Task& task) {
  if (elements < kParallelMinElements) {
    for (int64_t i = 0; i < count; ++i) task(i);
  } else {
    pool.for_each(count, task);
  }
}

}  // namespace gc::cpu
