// What the parity test's parts share (parity_test.cpp: the modes of ABI v1 and BLOCK_RMS, main;
// parity_agc.cpp; parity_samples.cpp): test sets on the device, their host images, fills, op helpers.
#pragma once
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "gradclip.h"
#include "host_reference.hpp"

namespace gctest {

// Relative tolerance of p = 1, 2, 3 norms against the reference. Both sides add up to 200000
// non-negative terms in different orders: the error bound of either is n * eps = 2e5 * 1.1e-16 = 2e-11
// relative, and typical errors are far smaller. One element lost or counted twice moves a norm by more
// than 1e-6 relative for the data used here (magnitudes within 2^+-20 of 1 in a tensor).
constexpr double kNormTolerance = 1e-9;

struct TestSet {
  std::string label;
  int64_t chunk_elems = 0;
  std::vector<int32_t> dtypes;
  std::vector<int64_t> counts;
  std::vector<size_t> offsets;    // byte offset of each tensor in the buffer
  std::vector<uint8_t> original;  // host image of the device buffer
  std::vector<uint8_t> covered;   // 1 for the bytes of some tensor; the others must never change
  uint8_t* device = nullptr;

  size_t size() const { return dtypes.size(); }
  const uint8_t* host_tensor(const std::vector<uint8_t>& image, size_t i) const { return image.data() + offsets[i]; }
  uint8_t* host_tensor(std::vector<uint8_t>& image, size_t i) const { return image.data() + offsets[i]; }
};

// ---------------------------------------------------------------- building sets

inline int64_t effective_chunk(int64_t chunk_elems) { return chunk_elems == 0 ? 65536 : chunk_elems; }

template <typename T>
inline T pick(std::mt19937_64& rng, const std::vector<T>& from) {
  return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
}

inline double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

// Places tensors back to back, each starting at a random element-aligned offset inside a 16-byte line
// (so most starts are misaligned for vectors), and fills them.
enum class Fill { kUniform, kWideRange, kZeros, kPositive, kHuge, kHalfExtremes };

inline double sample(std::mt19937_64& rng, Fill fill, int32_t dtype) {
  switch (fill) {
    case Fill::kUniform: return uniform(rng, -2.0, 2.0);
    case Fill::kWideRange: {
      // binary16 only has exponents -14..15; keep every dtype's values finite and normal.
      const double span = dtype == GC_DTYPE_F16 ? 12.0 : 20.0;
      const double mag = std::ldexp(uniform(rng, 1.0, 2.0), static_cast<int>(uniform(rng, -span, span)));
      return rng() & 1 ? mag : -mag;
    }
    case Fill::kZeros: return 0.0;
    case Fill::kPositive: return uniform(rng, 0.5, 1.0);
    case Fill::kHuge: return (rng() & 1 ? 1.0 : -1.0) * uniform(rng, 1e200, 1e201);
    case Fill::kHalfExtremes: {
      static const double values[] = {65504.0, -65504.0, 6.0e-8, -6.0e-8, 6.1e-5, 1.0009765625, 0.1, 3.0e-5, 60000.0};
      return values[std::uniform_int_distribution<int>(0, 8)(rng)];
    }
  }
  return 0.0;
}

inline void layout_and_fill(TestSet& s, std::mt19937_64& rng, Fill fill_override, bool use_override) {
  size_t cursor = 0;
  s.offsets.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    const size_t esize = static_cast<size_t>(dtype_size(s.dtypes[i]));
    const size_t line = (cursor + 15) / 16 * 16;
    const size_t slots = 16 / esize;
    const size_t at = line + esize * std::uniform_int_distribution<size_t>(0, slots - 1)(rng);
    s.offsets.push_back(at);
    cursor = at + static_cast<size_t>(s.counts[i]) * esize;
  }
  const size_t bytes = cursor + 64;  // trailing bytes that must stay untouched
  s.original.assign(bytes, 0);
  s.covered.assign(bytes, 0);
  // Fill the gaps with a pattern, so that a stray write is visible.
  for (size_t b = 0; b < bytes; ++b) s.original[b] = static_cast<uint8_t>(0xa5 ^ (b * 7));
  for (size_t i = 0; i < s.size(); ++i) {
    const Fill fill = use_override ? fill_override
                                   : pick(rng, std::vector<Fill>{Fill::kUniform, Fill::kUniform, Fill::kUniform,
                                                                 Fill::kWideRange, Fill::kPositive, Fill::kZeros});
    uint8_t* p = s.host_tensor(s.original, i);
    for (int64_t e = 0; e < s.counts[i]; ++e) store(s.dtypes[i], p, e, sample(rng, fill, s.dtypes[i]));
    const size_t len = static_cast<size_t>(s.counts[i]) * static_cast<size_t>(dtype_size(s.dtypes[i]));
    std::fill(s.covered.begin() + static_cast<std::ptrdiff_t>(s.offsets[i]),
              s.covered.begin() + static_cast<std::ptrdiff_t>(s.offsets[i] + len), 1);
  }
}

// NaN, +inf and -inf at places where kernels change paths: first and last element, the last element of
// a chunk and the first of the next, and anywhere.
inline void inject_nonfinite(TestSet& s, std::mt19937_64& rng) {
  const int64_t chunk = effective_chunk(s.chunk_elems);
  const int how_many = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int k = 0; k < how_many; ++k) {
    std::vector<size_t> nonempty;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s.counts[i] > 0) nonempty.push_back(i);
    }
    if (nonempty.empty()) return;
    const size_t t = pick(rng, nonempty);
    const int64_t n = s.counts[t];
    const int64_t where[] = {0, n - 1, std::min(chunk - 1, n - 1), std::min(chunk, n - 1),
                             std::uniform_int_distribution<int64_t>(0, n - 1)(rng)};
    const int64_t e = where[std::uniform_int_distribution<int>(0, 4)(rng)];
    const double special[] = {NAN, INFINITY, -INFINITY};
    store(s.dtypes[t], s.host_tensor(s.original, t), e, special[std::uniform_int_distribution<int>(0, 2)(rng)]);
  }
}

struct Runner {
  void* stream = nullptr;  // a created stream; every other run uses the legacy default stream instead
  int runs = 0;
};

// An op with every field of gc_op named: zeros, then what the mode uses.
inline gc_op op_of(int32_t mode, int32_t nonfinite, int32_t rule, double norm_type, double threshold) {
  gc_op op{};
  op.mode = mode;
  op.nonfinite = nonfinite;
  op.rule = rule;
  op.norm_type = norm_type;
  op.threshold = threshold;
  return op;
}

inline const char* mode_name(int32_t mode) {
  static const char* names[] = {"NORM", "GLOBAL", "PER_TENSOR", "VALUE", "SCALE", "BLOCK_RMS", "AGC",
                                "PER_SAMPLE_FLAT", "PER_SAMPLE_LAYER"};
  return mode >= 0 && mode <= GC_MODE_PER_SAMPLE_LAYER ? names[mode] : "?";
}

inline const char* policy_name(int32_t policy) {
  static const char* names[] = {"ERROR", "SKIP", "PROPAGATE"};
  return policy >= 0 && policy <= 2 ? names[policy] : "?";
}

// Copies a set's host image to its device buffer, or back.
inline bool upload(const TestSet& s, const std::vector<uint8_t>& image) {
  return gc_cuda_memcpy(s.device, image.data(), static_cast<int64_t>(image.size()), GC_COPY_HOST_TO_DEVICE, nullptr) ==
         GC_OK;
}

inline bool download(const TestSet& s, std::vector<uint8_t>& image) {
  image.resize(s.original.size());
  return gc_cuda_memcpy(image.data(), s.device, static_cast<int64_t>(image.size()), GC_COPY_DEVICE_TO_HOST, nullptr) ==
         GC_OK;
}

// Allocates s.device (the size of its image) and uploads the image; false (with a failed check) if not.
inline bool allocate(TestSet& s) {
  void* device = nullptr;
  if (gc_cuda_malloc(static_cast<int64_t>(s.original.size()), &device) != GC_OK) {
    GC_EXPECT(false, "%s: malloc %zu: %s", s.label.c_str(), s.original.size(), gc_cuda_last_error());
    return false;
  }
  s.device = static_cast<uint8_t*>(device);
  GC_EXPECT(upload(s, s.original), "%s: upload: %s", s.label.c_str(), gc_cuda_last_error());
  return true;
}

inline void release(TestSet& s) {
  GC_EXPECT(gc_cuda_free(s.device) == GC_OK, "free: %s", gc_cuda_last_error());
  s.device = nullptr;
}

// A set of the given dtypes and counts, laid out and filled as layout_and_fill does.
inline TestSet make_set(std::string label, int64_t chunk_elems, std::vector<int32_t> dtypes, std::vector<int64_t> counts,
                        std::mt19937_64& rng, bool use_fill = false, Fill fill = Fill::kUniform) {
  TestSet s;
  s.label = std::move(label);
  s.chunk_elems = chunk_elems;
  s.dtypes = std::move(dtypes);
  s.counts = std::move(counts);
  layout_and_fill(s, rng, fill, use_fill);
  return s;
}

inline bool any_nonfinite(const TestSet& s) {
  for (size_t t = 0; t < s.size(); ++t) {
    if (any_nonfinite(s.dtypes[t], s.host_tensor(s.original, t), s.counts[t])) return true;
  }
  return false;
}

// The gc_tensor array of a set on the device; empty tensors alternate between NULL and a real address.
inline std::vector<gc_tensor> device_tensors(const TestSet& s) {
  std::vector<gc_tensor> tensors(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    tensors[i].data = s.counts[i] == 0 && i % 2 == 0 ? nullptr : s.device + s.offsets[i];
    tensors[i].count = s.counts[i];
    tensors[i].dtype = s.dtypes[i];
    tensors[i].reserved = 0;
  }
  return tensors;
}

// Bytes outside every tensor of s must equal the image's; returns false after one failed check.
inline bool gaps_untouched(const TestSet& s, const std::vector<uint8_t>& expected, const std::vector<uint8_t>& actual,
                           const std::string& ctx) {
  for (size_t b = 0; b < expected.size(); ++b) {
    if (!s.covered[b] && expected[b] != actual[b]) {
      GC_EXPECT(false, "%s: byte %zu outside every tensor changed", ctx.c_str(), b);
      return false;
    }
  }
  return true;
}

inline void scale_tensor(const TestSet& s, std::vector<uint8_t>& image, size_t t, double coef) {
  uint8_t* p = s.host_tensor(image, t);
  for (int64_t e = 0; e < s.counts[t]; ++e) {
    const double x = load(s.dtypes[t], p, e);
    if (!std::isnan(x)) store(s.dtypes[t], p, e, x * coef);  // a NaN stays (bits compared as "is NaN")
  }
}

// How closely written elements must match the expected image: bit for bit (NaN: any NaN), or, with
// `near`, as near_in_dtype says.
struct Match {
  bool near = false;
  double rel = 0.0;
  double abs = 0.0;
};

// Compares the device buffer after a run with the expected image: elements as `match` says, bytes
// outside tensors exactly.
inline void compare_buffers(const TestSet& s, const std::vector<uint8_t>& expected, const std::vector<uint8_t>& actual,
                            const std::string& ctx, Match match = Match{}) {
  if (!gaps_untouched(s, expected, actual, ctx)) return;
  for (size_t t = 0; t < s.size(); ++t) {
    const int32_t dtype = s.dtypes[t];
    const size_t esize = static_cast<size_t>(dtype_size(dtype));
    const uint8_t* e_p = s.host_tensor(expected, t);
    const uint8_t* a_p = s.host_tensor(actual, t);
    for (int64_t e = 0; e < s.counts[t]; ++e) {
      const double want = load(dtype, e_p, e);
      const double got = load(dtype, a_p, e);
      bool ok;
      if (std::isnan(want)) {
        ok = std::isnan(got);
      } else if (match.near) {
        ok = near_in_dtype(dtype, got, want, match.rel, match.abs);
      } else {
        ok = std::memcmp(e_p + static_cast<size_t>(e) * esize, a_p + static_cast<size_t>(e) * esize, esize) == 0;
      }
      if (!ok) {
        GC_EXPECT(false,
                  "%s: tensor %zu (%s, %" PRId64 " elements, offset %zu) element %" PRId64 ": got %.17g, want %.17g",
                  ctx.c_str(), t, dtype_name(dtype), s.counts[t], s.offsets[t], e, got, want);
        return;
      }
    }
  }
}

// The parts in the other files, run by main after the ABI v1 sets.
void agc_parity(std::mt19937_64& rng, int random_sets, int64_t size_divisor, Runner& runner);
void samples_parity(std::mt19937_64& rng, int random_sets, int64_t size_divisor, Runner& runner);
void agc_argument_errors();
void samples_argument_errors();

}  // namespace gctest
