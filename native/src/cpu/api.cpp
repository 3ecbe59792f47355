// The exported C ABI (gradclip.h): argument checks, then the C++ underneath. No exception crosses
// this boundary, and nothing is written through an argument when a check fails.
#include <new>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "common/status.hpp"
#include "common/validate.hpp"
#include "cpu/dispatch.hpp"
#include "cpu/pool.hpp"
#include "cpu/probe.hpp"
#include "cpu/run.hpp"
#include "cpu/set.hpp"
#include "gradclip.h"

struct gc_cpu_pool {
  explicit gc_cpu_pool(int threads) : pool(threads) {}
  gc::cpu::Pool pool;
};

namespace {

// Runs body() and turns any exception into a status; `what` completes "... while <what>".
template <class Body>
int guarded(const char* what, const Body& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return gc::fail(GC_E_NOMEM, "out of host memory while %s", what);
  } catch (const std::length_error& e) {
    return gc::fail(GC_E_NOMEM, "too large a request while %s: %s", what, e.what());
  } catch (const std::system_error& e) {
    // Thread creation (EAGAIN) and mutex errors: the system ran out of a resource.
    return gc::fail(GC_E_NOMEM, "system resources exhausted while %s: %s", what, e.what());
  } catch (const std::exception& e) {
    return gc::fail(GC_E_INTERNAL, "internal error while %s: %s", what, e.what());
  } catch (...) {
    return gc::fail(GC_E_INTERNAL, "internal error while %s: unknown exception", what);
  }
}

}  // namespace

extern "C" {

GC_API int32_t gc_cpu_abi_version(void) { return GC_ABI_VERSION; }

GC_API const char* gc_cpu_last_error(void) { return gc::last_error(); }

GC_API int32_t gc_cpu_isa(void) { return gc::cpu::current_isa(); }

GC_API int32_t gc_cpu_isa_supported(void) { return gc::cpu::supported_isa(); }

GC_API int gc_cpu_force_isa(int32_t isa) { return gc::cpu::force_isa(isa); }

GC_API int gc_cpu_pool_create(int32_t threads, gc_cpu_pool** out) {
  if (out == nullptr) return gc::fail(GC_E_INVALID, "out is NULL");
  if (threads < 0 || threads > gc::cpu::Pool::kMaxThreads)
    return gc::fail(GC_E_INVALID, "threads must be 0..%d, got %d", gc::cpu::Pool::kMaxThreads, threads);
  return guarded("creating a thread pool", [&] {
    int n = threads;
    if (n == 0) {
      const unsigned hw = std::thread::hardware_concurrency();  // 0 when unknown
      n = hw == 0 ? 1 : hw > gc::cpu::Pool::kMaxThreads ? gc::cpu::Pool::kMaxThreads : static_cast<int>(hw);
    }
    *out = new gc_cpu_pool(n);
    return GC_OK;
  });
}

GC_API int32_t gc_cpu_pool_threads(const gc_cpu_pool* pool) { return pool == nullptr ? 0 : pool->pool.threads(); }

GC_API void gc_cpu_pool_destroy(gc_cpu_pool* pool) { delete pool; }

GC_API int gc_cpu_set_create(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cpu_set** out) {
  return guarded("creating a set", [&] { return gc::cpu::create_set(tensors, n, chunk_elems, out); });
}

GC_API int64_t gc_cpu_set_chunks(const gc_cpu_set* set) {
  return set == nullptr ? 0 : static_cast<int64_t>(set->table.chunks.size());
}

GC_API void gc_cpu_set_destroy(gc_cpu_set* set) { delete set; }

GC_API int gc_cpu_set_units(gc_cpu_set* set, const gc_units* units, int64_t n) {
  if (set == nullptr) return gc::fail(GC_E_INVALID, "set is NULL");
  const auto count = static_cast<int64_t>(set->tensors.size());
  if (const int rc = gc::validate_units(set->tensors.data(), count, units, n); rc != GC_OK) return rc;
  return guarded("attaching units", [&] {
    gc::cpu::attach_units(*set, units);
    return GC_OK;
  });
}

GC_API int gc_cpu_set_samples(gc_cpu_set* set, int64_t batch, const gc_tensor* outputs, int64_t n) {
  if (set == nullptr) return gc::fail(GC_E_INVALID, "set is NULL");
  const auto count = static_cast<int64_t>(set->tensors.size());
  if (const int rc = gc::validate_samples(set->tensors.data(), count, batch, outputs, n); rc != GC_OK) return rc;
  return guarded("attaching samples", [&] {
    gc::cpu::attach_samples(*set, batch, outputs);
    return GC_OK;
  });
}

GC_API int gc_cpu_run(gc_cpu_pool* pool, gc_cpu_set* set, const gc_op* op, double* tensor_norms, gc_result* result) {
  if (pool == nullptr) return gc::fail(GC_E_INVALID, "pool is NULL");
  if (set == nullptr) return gc::fail(GC_E_INVALID, "set is NULL");
  if (result == nullptr) return gc::fail(GC_E_INVALID, "result is NULL");
  if (const int rc = gc::validate_op(op); rc != GC_OK) return rc;
  if (op->mode == GC_MODE_AGC && !set->agc.attached)
    return gc::fail(GC_E_INVALID, "AGC needs units: call gc_cpu_set_units first");
  if ((op->mode == GC_MODE_PER_SAMPLE_FLAT || op->mode == GC_MODE_PER_SAMPLE_LAYER) && !set->samples.attached)
    return gc::fail(GC_E_INVALID, "per-sample clipping needs samples: call gc_cpu_set_samples first");
  return guarded("running an operation", [&] {
    gc::cpu::run_op(pool->pool, *set, *op, tensor_norms, result);
    return GC_OK;
  });
}

GC_API int gc_cpu_probe_read(gc_cpu_pool* pool, const void* data, int64_t bytes, uint64_t* sink) {
  if (pool == nullptr) return gc::fail(GC_E_INVALID, "pool is NULL");
  if (sink == nullptr) return gc::fail(GC_E_INVALID, "sink is NULL");
  if (bytes < 0 || (bytes > 0 && data == nullptr)) return gc::fail(GC_E_INVALID, "bad buffer: %lld bytes at %p", (long long)bytes, data);
  return guarded("probing read bandwidth", [&] {
    *sink = gc::cpu::probe_read(pool->pool, data, bytes);
    return GC_OK;
  });
}

GC_API int gc_cpu_probe_copy(gc_cpu_pool* pool, void* dst, const void* src, int64_t bytes) {
  if (pool == nullptr) return gc::fail(GC_E_INVALID, "pool is NULL");
  if (bytes < 0 || (bytes > 0 && (dst == nullptr || src == nullptr)))
    return gc::fail(GC_E_INVALID, "bad buffers: %lld bytes from %p to %p", (long long)bytes, src, dst);
  const auto d = reinterpret_cast<uintptr_t>(dst);
  const auto sr = reinterpret_cast<uintptr_t>(src);
  const auto n = static_cast<uintptr_t>(bytes);
  if (bytes > 0 && d < sr + n && sr < d + n) return gc::fail(GC_E_INVALID, "source and destination overlap");
  return guarded("probing copy bandwidth", [&] {
    gc::cpu::probe_copy(pool->pool, dst, src, bytes);
    return GC_OK;
  });
}

}  // extern "C"
