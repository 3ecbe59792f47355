// Parity of libgradclip_cuda with a plain host double-precision reference (host_reference.hpp).
//
// Random sets (1..300 tensors, sizes 0..200000 with primes and chunk_elems +- 1, small chunk_elems,
// starts misaligned for 16-byte vectors, every dtype, mixed-dtype sets, NaN/Inf placed at chunk and
// vector boundaries) are run through every mode without attachments (BLOCK_RMS included), p in
// {1, 2, inf, 3}, rule and non-finite policy:
//  - norms within a stated tolerance of the reference (the summation order differs; inf-norm exact);
//  - result fields exactly as SEMANTICS.md derives them from the GPU's own norms;
//  - written values bit-exact (given the GPU's coefficient), bytes outside tensors untouched;
//  - norms bit-identical across repeated runs and streams.
// Then AGC (parity_agc.cpp) and per-sample clipping (parity_samples.cpp) on sets of their own, and
// argument errors that need a device. Exits 77 (CTest: skipped) when there is no usable device.
//
// Usage: gradclip_cuda_parity_test [random_sets [seed [ops_per_directed_set [size_divisor]]]]
// (the last two shrink the run for the CPU emulator, where every chunk costs a block's worth of fiber
// switches; the GPU run uses the defaults: everything, full size).
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "common/numeric.hpp"
#include "gradclip.h"
#include "host_reference.hpp"
#include "parity_support.hpp"

using namespace gctest;

namespace {

constexpr int kDefaultRandomSets = 40;
constexpr uint64_t kDefaultSeed = 0x6772616463ull;  // "gradc"

// ---------------------------------------------------------------- building sets

TestSet directed_set(int index, std::mt19937_64& rng) {
  TestSet s;
  Fill fill = Fill::kUniform;
  switch (index) {
    case 0:  // nothing but empty tensors: no chunks at all, one block still writes the result
      s.label = "all-empty";
      s.dtypes = {GC_DTYPE_F32, GC_DTYPE_BF16, GC_DTYPE_F64};
      s.counts = {0, 0, 0};
      break;
    case 1:  // one tensor of 3001 chunks: the finishing warp's windows and prefetch
      s.label = "f32 3000017 elements, chunk 1000";
      s.chunk_elems = 1000;
      s.dtypes = {GC_DTYPE_F32};
      s.counts = {3000017};
      break;
    case 2:  // 4688 chunks of 64 bf16 elements
      s.label = "bf16 300007 elements, chunk 64";
      s.chunk_elems = 64;
      s.dtypes = {GC_DTYPE_BF16};
      s.counts = {300007};
      break;
    case 3:  // 300 one-element tensors of every dtype
      s.label = "300 one-element tensors, mixed dtypes";
      for (int i = 0; i < 300; ++i) {
        s.dtypes.push_back(i % 4);
        s.counts.push_back(1);
      }
      break;
    case 4:  // binary16 rounding: overflow to inf, subnormals, ties
      s.label = "f16 extremes";
      s.chunk_elems = 100;
      s.dtypes = {GC_DTYPE_F16, GC_DTYPE_F16};
      s.counts = {4099, 333};
      fill = Fill::kHalfExtremes;
      break;
    case 5:  // fp64 whose squares overflow: an infinite norm with no non-finite element
      s.label = "f64 1e200 (p=2 overflows)";
      s.dtypes = {GC_DTYPE_F64, GC_DTYPE_F64};
      s.counts = {70001, 17};
      fill = Fill::kHuge;
      break;
    default:  // non-finite values deep inside long tensors: past the finishing warp's first window
      s.label = "non-finite deep in long tensors, chunk 64";
      s.chunk_elems = 64;
      s.dtypes = {GC_DTYPE_F32, GC_DTYPE_F16, GC_DTYPE_BF16};
      s.counts = {50000, 20000, 9000};
      break;
  }
  layout_and_fill(s, rng, fill, true);
  if (index == 6) {
    store(GC_DTYPE_F32, s.host_tensor(s.original, 0), 40000, NAN);       // chunk 625, window 4
    store(GC_DTYPE_F16, s.host_tensor(s.original, 1), 19999, INFINITY);  // the very last element
    store(GC_DTYPE_BF16, s.host_tensor(s.original, 2), 64 * 130, -INFINITY);  // first of chunk 130
  }
  return s;
}

TestSet random_set(int index, std::mt19937_64& rng, int64_t size_divisor) {
  TestSet s;
  s.chunk_elems = pick(rng, std::vector<int64_t>{0, 0, 0, 1, 2, 7, 64, 255, 1000, 4095, 4096, 4097, 65535, 65537});
  const int64_t chunk = effective_chunk(s.chunk_elems);
  // Small chunks mean many chunks per element: keep those sets small so the test stays quick.
  const int64_t budget = (chunk < 64 ? 150000 : 2500000) / size_divisor;
  const int n = pick(rng, std::vector<int>{1, 2, 3, std::uniform_int_distribution<int>(1, 20)(rng),
                                           std::uniform_int_distribution<int>(1, 300)(rng), 300});
  const bool mixed = std::uniform_int_distribution<int>(0, 9)(rng) < 3;
  const int32_t uniform_dtype = std::uniform_int_distribution<int32_t>(0, 3)(rng);
  const std::vector<int64_t> special = {0,     1,         2,         3,         4,         5,         7,
                                        8,     9,         15,        16,        17,        31,        33,
                                        127,   129,       257,       chunk - 1, chunk,     chunk + 1, 2 * chunk - 1,
                                        65521, 65537,     131071,    199999,    200000};
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    int64_t count;
    const int kind = std::uniform_int_distribution<int>(0, 3)(rng);
    if (kind == 0) {
      count = pick(rng, special);
    } else if (kind == 1) {
      count = std::uniform_int_distribution<int64_t>(0, 200000)(rng);
    } else {
      count = std::uniform_int_distribution<int64_t>(0, 2000)(rng);
    }
    count = std::max<int64_t>(0, std::min<int64_t>(count, 200000));
    if (total + count > budget) count = std::uniform_int_distribution<int64_t>(0, 64)(rng);
    total += count;
    s.counts.push_back(count);
    s.dtypes.push_back(mixed ? std::uniform_int_distribution<int32_t>(0, 3)(rng) : uniform_dtype);
  }
  layout_and_fill(s, rng, Fill::kUniform, false);
  const bool with_nonfinite = std::uniform_int_distribution<int>(0, 9)(rng) < 4;
  if (with_nonfinite) inject_nonfinite(s, rng);
  char label[160];
  std::snprintf(label, sizeof label, "random #%d: %d tensors, %s, chunk_elems %" PRId64 ", %" PRId64 " elements%s",
                index, n, mixed ? "mixed dtypes" : dtype_name(uniform_dtype), s.chunk_elems, total,
                with_nonfinite ? ", non-finite" : "");
  s.label = label;
  return s;
}

// ---------------------------------------------------------------- ops

std::string describe(const gc_op& op) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s p=%g rule=%s nonfinite=%s threshold=%g", mode_name(op.mode), op.norm_type,
                op.rule == GC_RULE_TORCH ? "torch" : "exact", policy_name(op.nonfinite), op.threshold);
  return buf;
}

std::vector<gc_op> all_ops() {
  std::vector<gc_op> ops;
  const double ps[] = {1.0, 2.0, INFINITY, 3.0};
  const int32_t policies[] = {GC_NONFINITE_ERROR, GC_NONFINITE_SKIP, GC_NONFINITE_PROPAGATE};
  for (double p : ps) {
    for (int32_t policy : policies) {
      ops.push_back(op_of(GC_MODE_NORM, policy, GC_RULE_TORCH, p, 0.0));
      for (int32_t mode : {GC_MODE_GLOBAL, GC_MODE_PER_TENSOR}) {
        for (int32_t rule : {GC_RULE_TORCH, GC_RULE_EXACT}) {
          for (double c : {0.0, 1.0, 40.0, 1e9}) ops.push_back(op_of(mode, policy, rule, p, c));
        }
      }
    }
  }
  for (int32_t policy : policies) {
    for (double v : {0.0, 0.75, 1.5, 1e30}) ops.push_back(op_of(GC_MODE_VALUE, policy, GC_RULE_TORCH, 2.0, v));
    // BLOCK_RMS ignores norm_type: 0 (which no norm mode accepts) and 3 must both give the rms.
    for (int32_t rule : {GC_RULE_TORCH, GC_RULE_EXACT}) {
      for (double c : {0.0, 0.5, 1.0, 1e9}) ops.push_back(op_of(GC_MODE_BLOCK_RMS, policy, rule, c == 0.5 ? 3.0 : 0.0, c));
    }
  }
  for (double k : {1.0, 0.5, -3.0, 1e-40, 1.5, static_cast<double>(NAN)}) {
    ops.push_back(op_of(GC_MODE_SCALE, GC_NONFINITE_PROPAGATE, GC_RULE_TORCH, 2.0, k));
  }
  // A fixed interleaving (not the test's seed: the same on every run), so that any window of the list
  // mixes modes, norms and policies.
  std::shuffle(ops.begin(), ops.end(), std::mt19937_64(0x6f7073));
  return ops;
}

// ---------------------------------------------------------------- the check of one run


void check_run(const TestSet& s, gc_cuda_set* set, const gc_op& op, Runner& runner) {
  const std::string ctx = s.label + " | " + describe(op);
  const size_t n = s.size();
  const size_t bytes = s.original.size();
  void* stream = (runner.runs++ % 2 == 0) ? runner.stream : nullptr;

  GC_EXPECT(gc_cuda_memcpy(s.device, s.original.data(), static_cast<int64_t>(bytes), GC_COPY_HOST_TO_DEVICE, nullptr) ==
                GC_OK,
            "%s: upload: %s", ctx.c_str(), gc_cuda_last_error());
  const int rc = gc_cuda_run(set, &op, stream);
  GC_EXPECT(rc == GC_OK, "%s: run: %d %s", ctx.c_str(), rc, gc_cuda_last_error());
  if (rc != GC_OK) return;
  const double kUntouched = -12345.0;
  std::vector<double> norms(n, kUntouched);
  gc_result r{};
  const int rrc = gc_cuda_result(set, stream, norms.data(), &r);
  GC_EXPECT(rrc == GC_OK, "%s: result: %d %s", ctx.c_str(), rrc, gc_cuda_last_error());
  if (rrc != GC_OK) return;
  std::vector<uint8_t> actual(bytes);
  GC_EXPECT(gc_cuda_memcpy(actual.data(), s.device, static_cast<int64_t>(bytes), GC_COPY_DEVICE_TO_HOST, nullptr) ==
                GC_OK,
            "%s: download: %s", ctx.c_str(), gc_cuda_last_error());

  // The device copy of the result is the one gc_cuda_result returned.
  gc_result on_device{};
  GC_EXPECT(gc_cuda_memcpy(&on_device, gc_cuda_device_result(set), sizeof on_device, GC_COPY_DEVICE_TO_HOST, nullptr) ==
                    GC_OK &&
                std::memcmp(&on_device, &r, sizeof r) == 0,
            "%s: gc_cuda_device_result differs from gc_cuda_result", ctx.c_str());

  bool nonfinite = false;
  for (size_t t = 0; t < n; ++t) nonfinite |= any_nonfinite(s.dtypes[t], s.host_tensor(s.original, t), s.counts[t]);
  const bool blocked = nonfinite && op.nonfinite != GC_NONFINITE_PROPAGATE;
  std::vector<uint8_t> expected = s.original;

  const bool block_rms = op.mode == GC_MODE_BLOCK_RMS;
  if (op.mode == GC_MODE_NORM || op.mode == GC_MODE_GLOBAL || op.mode == GC_MODE_PER_TENSOR || block_rms) {
    const double p = block_rms ? 2.0 : op.norm_type;
    const double tol = std::isinf(p) ? 0.0 : kNormTolerance;
    double total = 0.0;
    for (size_t t = 0; t < n; ++t) {
      const double sum = power_sum(s.dtypes[t], s.host_tensor(s.original, t), s.counts[t], p);
      total = std::isinf(p) ? gc::max_combine(total, sum) : total + sum;
      const double want = block_rms ? rms(sum, s.counts[t]) : gc::finish_norm(p, sum);
      GC_EXPECT(close(norms[t], want, tol), "%s: tensor %zu (%s, %" PRId64 " elements) norm %.17g, reference %.17g",
                ctx.c_str(), t, dtype_name(s.dtypes[t]), s.counts[t], norms[t], want);
    }
    const double want_total = gc::finish_norm(p, total);
    GC_EXPECT(close(r.total_norm, want_total, tol), "%s: total norm %.17g, reference %.17g", ctx.c_str(), r.total_norm,
              want_total);
    GC_EXPECT(r.nonfinite == (nonfinite ? 1 : 0), "%s: nonfinite %d, want %d", ctx.c_str(), r.nonfinite, nonfinite);

    if (op.mode == GC_MODE_NORM) {
      GC_EXPECT(r.coefficient == 1.0 && r.clipped == 0 && r.clipped_count == 0, "%s: NORM result %g %d %" PRId64,
                ctx.c_str(), r.coefficient, r.clipped, r.clipped_count);
    } else if (op.mode == GC_MODE_GLOBAL) {
      const double coef = gc::coefficient(op.rule, r.total_norm, op.threshold);
      const bool writes = !blocked && gc::must_scale(coef);
      GC_EXPECT(same(r.coefficient, coef), "%s: coefficient %.17g, want %.17g from the device's total norm",
                ctx.c_str(), r.coefficient, coef);
      GC_EXPECT(r.clipped == (writes ? 1 : 0) && r.clipped_count == (writes ? 1 : 0),
                "%s: clipped %d count %" PRId64 ", want %d", ctx.c_str(), r.clipped, r.clipped_count, writes);
      if (writes) {
        for (size_t t = 0; t < n; ++t) scale_tensor(s, expected, t, coef);
      }
    } else {  // PER_TENSOR, BLOCK_RMS: the device's norms are rms values for the latter
      double min_coef = INFINITY;
      int64_t scaled = 0;
      std::vector<double> coefs(n);
      for (size_t t = 0; t < n; ++t) {
        coefs[t] = gc::coefficient(op.rule, norms[t], op.threshold);
        min_coef = nan_min(min_coef, coefs[t]);
        scaled += gc::must_scale(coefs[t]) ? 1 : 0;
      }
      const int64_t written = blocked ? 0 : scaled;
      GC_EXPECT(same(r.coefficient, min_coef), "%s: coefficient %.17g, want smallest %.17g", ctx.c_str(), r.coefficient,
                min_coef);
      GC_EXPECT(r.clipped_count == written && r.clipped == (written > 0 ? 1 : 0),
                "%s: clipped %d count %" PRId64 ", want %" PRId64, ctx.c_str(), r.clipped, r.clipped_count, written);
      if (!blocked) {
        for (size_t t = 0; t < n; ++t) {
          if (gc::must_scale(coefs[t])) scale_tensor(s, expected, t, coefs[t]);
        }
      }
    }
  } else {
    for (size_t t = 0; t < n; ++t) {
      GC_EXPECT(norms[t] == kUntouched, "%s: tensor_norms[%zu] written by a mode without norms", ctx.c_str(), t);
    }
    GC_EXPECT(std::isnan(r.total_norm), "%s: total_norm %g, want NaN", ctx.c_str(), r.total_norm);
    if (op.mode == GC_MODE_VALUE) {
      const double v = op.threshold;
      int64_t changed = 0;
      for (size_t t = 0; t < n; ++t) {
        uint8_t* p = s.host_tensor(expected, t);
        for (int64_t e = 0; e < s.counts[t]; ++e) {
          const double x = load(s.dtypes[t], p, e);
          if (x > v || x < -v) {
            ++changed;
            if (!blocked) store(s.dtypes[t], p, e, x > v ? v : -v);
          }
        }
      }
      if (blocked) changed = 0;
      GC_EXPECT(r.coefficient == 1.0, "%s: coefficient %g", ctx.c_str(), r.coefficient);
      GC_EXPECT(r.nonfinite == (nonfinite ? 1 : 0), "%s: nonfinite %d, want %d", ctx.c_str(), r.nonfinite, nonfinite);
      GC_EXPECT(r.clipped_count == changed && r.clipped == (changed > 0 ? 1 : 0),
                "%s: clipped %d count %" PRId64 ", want %" PRId64, ctx.c_str(), r.clipped, r.clipped_count, changed);
    } else {  // SCALE
      const bool writes = !(op.threshold == 1.0);
      GC_EXPECT(same(r.coefficient, op.threshold), "%s: coefficient %g", ctx.c_str(), r.coefficient);
      GC_EXPECT(r.nonfinite == 0, "%s: SCALE reported nonfinite", ctx.c_str());
      GC_EXPECT(r.clipped == (writes ? 1 : 0) && r.clipped_count == (writes ? 1 : 0), "%s: clipped %d count %" PRId64,
                ctx.c_str(), r.clipped, r.clipped_count);
      if (writes) {
        for (size_t t = 0; t < n; ++t) scale_tensor(s, expected, t, op.threshold);
      }
    }
  }
  compare_buffers(s, expected, actual, ctx);
}

// Norm runs repeated on both streams must give the same bits.
void check_determinism(const TestSet& s, gc_cuda_set* set, Runner& runner) {
  const size_t n = s.size();
  for (double p : {2.0, 1.0, static_cast<double>(INFINITY), 3.0}) {
    const gc_op op = op_of(GC_MODE_NORM, GC_NONFINITE_PROPAGATE, GC_RULE_TORCH, p, 0.0);
    std::vector<double> first(n);
    gc_result first_r{};
    for (int rep = 0; rep < 3; ++rep) {
      void* stream = rep == 1 ? nullptr : runner.stream;
      std::vector<double> norms(n);
      gc_result r{};
      GC_EXPECT(gc_cuda_run(set, &op, stream) == GC_OK && gc_cuda_result(set, stream, norms.data(), &r) == GC_OK,
                "%s: determinism run: %s", s.label.c_str(), gc_cuda_last_error());
      if (rep == 0) {
        first = norms;
        first_r = r;
        continue;
      }
      GC_EXPECT(std::memcmp(&r, &first_r, sizeof r) == 0,
                "%s: p=%g: result differs on repeat %d (total %.17g vs %.17g)", s.label.c_str(), p, rep, r.total_norm,
                first_r.total_norm);
      GC_EXPECT(std::memcmp(norms.data(), first.data(), n * sizeof(double)) == 0,
                "%s: p=%g: tensor norms differ on repeat %d", s.label.c_str(), p, rep);
    }
  }
}

int64_t expected_chunks(const TestSet& s) {
  const int64_t chunk = effective_chunk(s.chunk_elems);
  int64_t total = 0;
  for (int64_t c : s.counts) total += (c + chunk - 1) / chunk;
  return total;
}

void run_set(TestSet& s, const std::vector<gc_op>& ops, Runner& runner) {
  const size_t bytes = s.original.size();
  void* device = nullptr;
  if (gc_cuda_malloc(static_cast<int64_t>(bytes), &device) != GC_OK) {
    GC_EXPECT(false, "%s: malloc %zu: %s", s.label.c_str(), bytes, gc_cuda_last_error());
    return;
  }
  s.device = static_cast<uint8_t*>(device);
  std::vector<gc_tensor> tensors(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    tensors[i].data = s.counts[i] == 0 && i % 2 == 0 ? nullptr : s.device + s.offsets[i];
    tensors[i].count = s.counts[i];
    tensors[i].dtype = s.dtypes[i];
    tensors[i].reserved = 0;
  }
  gc_cuda_set* set = nullptr;
  const int rc = gc_cuda_set_create(tensors.data(), static_cast<int64_t>(tensors.size()), s.chunk_elems, &set);
  GC_EXPECT(rc == GC_OK, "%s: set_create: %d %s", s.label.c_str(), rc, gc_cuda_last_error());
  if (rc == GC_OK) {
    GC_EXPECT(gc_cuda_set_chunks(set) == expected_chunks(s), "%s: %" PRId64 " chunks, want %" PRId64, s.label.c_str(),
              gc_cuda_set_chunks(set), expected_chunks(s));
    for (const gc_op& op : ops) check_run(s, set, op, runner);
    check_determinism(s, set, runner);
    GC_EXPECT(gc_cuda_set_destroy(set) == GC_OK, "%s: destroy: %s", s.label.c_str(), gc_cuda_last_error());
  }
  GC_EXPECT(gc_cuda_free(device) == GC_OK, "free: %s", gc_cuda_last_error());
  s.device = nullptr;
}

// ---------------------------------------------------------------- argument errors with a device

void device_argument_errors() {
  char name[256];
  int64_t total = 0;
  int32_t major = 0;
  int32_t minor = 0;
  GC_EXPECT(gc_cuda_device_info(0, name, sizeof name, &total, &major, &minor) == GC_OK && name[0] != '\0' &&
                total > 0 && major >= 1,
            "device_info(0): %s", gc_cuda_last_error());
  std::printf("device 0: %s, sm_%d%d, %.1f GiB\n", name, major, minor, static_cast<double>(total) / (1 << 30));
  char tiny[4];
  GC_EXPECT(gc_cuda_device_info(0, tiny, sizeof tiny, &total, &major, &minor) == GC_OK && std::strlen(tiny) <= 3,
            "device_info truncates the name");
  int32_t count = 0;
  GC_EXPECT(gc_cuda_device_count(&count) == GC_OK && count >= 1, "device_count");
  GC_EXPECT_STATUS(gc_cuda_device_info(count, name, sizeof name, &total, &major, &minor), GC_E_INVALID,
                   "does not exist");
  GC_EXPECT_STATUS(gc_cuda_set_device(-1), GC_E_INVALID, "does not exist");
  GC_EXPECT(gc_cuda_set_device(0) == GC_OK, "set_device(0): %s", gc_cuda_last_error());

  void* dev = nullptr;
  GC_EXPECT(gc_cuda_malloc(4096, &dev) == GC_OK && dev != nullptr, "malloc: %s", gc_cuda_last_error());
  GC_EXPECT(gc_cuda_memset(dev, 0xab, 4096) == GC_OK, "memset: %s", gc_cuda_last_error());
  std::vector<uint8_t> back(4096);
  void* dev2 = nullptr;
  GC_EXPECT(gc_cuda_malloc(4096, &dev2) == GC_OK, "malloc: %s", gc_cuda_last_error());
  GC_EXPECT(gc_cuda_memcpy(dev2, dev, 4096, GC_COPY_DEVICE_TO_DEVICE, nullptr) == GC_OK, "d2d: %s",
            gc_cuda_last_error());
  GC_EXPECT(gc_cuda_memcpy(back.data(), dev2, 4096, GC_COPY_DEVICE_TO_HOST, nullptr) == GC_OK, "d2h");
  GC_EXPECT(std::all_of(back.begin(), back.end(), [](uint8_t b) { return b == 0xab; }), "memset/memcpy round trip");

  // Host memory is refused by name; misaligned device memory too.
  std::vector<float> host(16, 1.0f);
  gc_tensor t[2] = {{dev, 16, GC_DTYPE_F32, 0}, {host.data(), 16, GC_DTYPE_F32, 0}};
  gc_cuda_set* set = nullptr;
  GC_EXPECT_STATUS(gc_cuda_set_create(t, 2, 0, &set), GC_E_INVALID, "tensor 1: data");
  GC_EXPECT(std::strstr(gc_cuda_last_error(), "not device memory") != nullptr, "message: %s", gc_cuda_last_error());
  GC_EXPECT(set == nullptr, "out written on failure");
  t[1].data = static_cast<char*>(dev) + 2;
  GC_EXPECT_STATUS(gc_cuda_set_create(t, 2, 0, &set), GC_E_INVALID, "not aligned");

  // A valid set: no result before a run; a bad op changes nothing; a good run still works afterwards.
  t[1].data = static_cast<char*>(dev) + 64;
  GC_EXPECT(gc_cuda_set_create(t, 2, 0, &set) == GC_OK, "set_create: %s", gc_cuda_last_error());
  if (set != nullptr) {
    gc_result r;
    std::memset(&r, 0x77, sizeof r);
    const gc_result before = r;
    GC_EXPECT_STATUS(gc_cuda_result(set, nullptr, nullptr, &r), GC_E_INVALID, "no successful gc_cuda_run");
    GC_EXPECT_STATUS(gc_cuda_result(set, nullptr, nullptr, nullptr), GC_E_INVALID, "result is NULL");
    GC_EXPECT(std::memcmp(&r, &before, sizeof r) == 0, "result written on failure");
    gc_op bad = op_of(GC_MODE_GLOBAL, GC_NONFINITE_ERROR, GC_RULE_TORCH, -2.0, 1.0);
    GC_EXPECT_STATUS(gc_cuda_run(set, &bad, nullptr), GC_E_INVALID, "norm_type");
    GC_EXPECT(gc_cuda_device_result(set) != nullptr, "device_result");
    void* stream = nullptr;
    GC_EXPECT(gc_cuda_stream_create(&stream) == GC_OK && stream != nullptr, "stream_create: %s", gc_cuda_last_error());
    gc_op norm = op_of(GC_MODE_NORM, GC_NONFINITE_ERROR, GC_RULE_TORCH, 2.0, 0.0);
    GC_EXPECT(gc_cuda_run(set, &norm, stream) == GC_OK, "run: %s", gc_cuda_last_error());
    GC_EXPECT(gc_cuda_result(set, stream, nullptr, &r) == GC_OK, "result: %s", gc_cuda_last_error());
    GC_EXPECT(r.nonfinite == 0 && r.clipped == 0, "NORM over memset bytes");
    GC_EXPECT(gc_cuda_stream_synchronize(stream) == GC_OK, "stream_synchronize: %s", gc_cuda_last_error());
    GC_EXPECT(gc_cuda_stream_destroy(stream) == GC_OK, "stream_destroy: %s", gc_cuda_last_error());
    GC_EXPECT(gc_cuda_set_destroy(set) == GC_OK, "set_destroy: %s", gc_cuda_last_error());
  }
  GC_EXPECT(gc_cuda_free(dev) == GC_OK && gc_cuda_free(dev2) == GC_OK, "free: %s", gc_cuda_last_error());
}

}  // namespace

int main(int argc, char** argv) {
  int32_t devices = 0;
  const int rc = gc_cuda_device_count(&devices);
  if (rc != GC_OK || devices == 0) {
    std::printf("SKIPPED: no CUDA device (%s)\n", rc != GC_OK ? gc_cuda_last_error() : "0 devices");
    return 77;
  }
  const int random_sets = argc > 1 ? std::atoi(argv[1]) : kDefaultRandomSets;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 0) : kDefaultSeed;
  const size_t directed_ops = argc > 3 ? static_cast<size_t>(std::atoll(argv[3])) : SIZE_MAX;
  const int64_t size_divisor = argc > 4 ? std::max<int64_t>(1, std::atoll(argv[4])) : 1;
  std::printf("seed %#" PRIx64 ", %d random sets\n", seed, random_sets);
  std::mt19937_64 rng(seed);

  device_argument_errors();
  agc_argument_errors();
  samples_argument_errors();

  Runner runner;
  GC_EXPECT(gc_cuda_stream_create(&runner.stream) == GC_OK, "stream_create: %s", gc_cuda_last_error());
  const std::vector<gc_op> ops = all_ops();
  constexpr int kDirectedSets = 7;
  constexpr int kNonfiniteSet = 6;
  // Each set runs a window of the op list; consecutive sets' windows overlap, so every op runs on
  // several sets. Directed sets run everything.
  const size_t per_random_set = 24;
  size_t next_op = 0;
  for (int i = 0; i < kDirectedSets + random_sets && gctest::failures() < 50; ++i) {
    TestSet s = i < kDirectedSets ? directed_set(i, rng) : random_set(i - kDirectedSets, rng, size_divisor);
    const size_t count = i < kDirectedSets ? std::min(ops.size(), directed_ops) : per_random_set;
    // Directed sets with a limited op count start at different places of the list too.
    const size_t first = i < kDirectedSets ? static_cast<size_t>(i) * 29 : next_op;
    std::vector<gc_op> selected;
    for (size_t k = 0; k < count; ++k) selected.push_back(ops[(first + k) % ops.size()]);
    if (i == kNonfiniteSet) {
      // Every policy of every writing mode meets non-finite input here, whatever the op budget.
      for (const gc_op& op : ops) {
        if (op.mode == GC_MODE_VALUE || (op.mode != GC_MODE_SCALE && op.norm_type == 2.0 && op.threshold == 1.0)) {
          selected.push_back(op);
        }
      }
    }
    std::printf("%-100s %zu ops\n", s.label.c_str(), selected.size());
    std::fflush(stdout);
    run_set(s, selected, runner);
    if (i >= kDirectedSets) next_op += per_random_set / 2 + 1;
  }
  // The modes of ABI v2 with attachments: fewer random sets than above, each runs fewer ops.
  const int random_attached = (random_sets + 3) / 4;
  if (gctest::failures() < 50) agc_parity(rng, random_attached, size_divisor, runner);
  if (gctest::failures() < 50) samples_parity(rng, random_attached, size_divisor, runner);
  GC_EXPECT(gc_cuda_stream_destroy(runner.stream) == GC_OK, "stream_destroy: %s", gc_cuda_last_error());
  std::printf("%d runs checked\n", runner.runs);
  if (gctest::failures() != 0) {
    std::fprintf(stderr, "%d check(s) failed (seed %#" PRIx64 ")\n", gctest::failures(), seed);
    return 1;
  }
  std::printf("all checks passed\n");
  return 0;
}
