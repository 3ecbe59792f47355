// Shared by the CPU tests: failure counting, a seeded generator, tensors in every storage format, RAII
// handles, and a plain sequential fp64 reference of docs/SEMANTICS.md written independently of the
// library (its own decoding and its own rounding oracles, no common/numeric.hpp).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gradclip.h"

namespace t {

// ------------------------------------------------------------------------------------------ checks

inline int& failures() {
  static int n = 0;
  return n;
}

// Records a failure (printf-style message) when ok is false; returns ok. Stops printing after a while
// so one broken kernel does not flood the log, but keeps counting.
inline bool expect(bool ok, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
inline bool expect(bool ok, const char* fmt, ...) {
  constexpr int kMaxPrinted = 40;
  if (ok) return true;
  if (++failures() <= kMaxPrinted) {
    va_list args;
    va_start(args, fmt);
    std::fprintf(stderr, "FAIL: ");
    std::vfprintf(stderr, fmt, args);
    std::fprintf(stderr, "\n");
    va_end(args);
  }
  return false;
}

// Aborts the test at once: a call the rest of the test depends on failed.
inline void require(int status, const char* what) {
  if (status != GC_OK) {
    std::fprintf(stderr, "FATAL: %s returned %d: %s\n", what, status, gc_cpu_last_error());
    std::exit(2);
  }
}

// printf into a std::string, for labels.
inline std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
inline std::string format(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

inline int finish(const char* name) {
  if (failures() == 0) {
    std::printf("%s: all checks passed\n", name);
    return 0;
  }
  std::fprintf(stderr, "%s: %d check(s) failed\n", name, failures());
  return 1;
}

inline uint64_t bits_of(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

// Same value, NaN counting as equal to NaN.
inline bool same(double a, double b) { return (a != a && b != b) || bits_of(a) == bits_of(b); }

// -------------------------------------------------------------------------------------- generator

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {  // splitmix64
    uint64_t z = (state_ += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
  }
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }  // [0, 1)
  double normal() {
    const double u = uniform() + 0x1p-54;
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * uniform());
  }
  template <class V>
  const typename V::value_type& pick(const V& v) {
    return v[static_cast<size_t>(below(static_cast<int64_t>(v.size())))];
  }

 private:
  uint64_t state_;
};

// ------------------------------------------------------------------------------- storage formats

inline int dtype_size(int dtype) { return dtype == GC_DTYPE_F64 ? 8 : dtype == GC_DTYPE_F32 ? 4 : 2; }
inline const char* dtype_name(int dtype) {
  static const char* names[] = {"f32", "f64", "bf16", "f16"};
  return names[dtype];
}

// A binary floating-point format with `exp_bits` exponent and `man_bits` mantissa bits (bf16: 8, 7;
// binary16: 5, 10), decoded and rounded by plain arithmetic.
class Format {
 public:
  Format(int exp_bits, int man_bits) : exp_bits_(exp_bits), man_bits_(man_bits) {
    for (uint32_t k = 0; k <= max_finite() + 1u; ++k) magnitudes_.push_back(magnitude(k));
  }

  uint32_t max_finite() const { return ((((1u << exp_bits_) - 1u) << man_bits_)) - 1u; }  // magnitude bits
  uint32_t inf_bits() const { return ((1u << exp_bits_) - 1u) << man_bits_; }
  uint32_t sign_bit() const { return 1u << (exp_bits_ + man_bits_); }

  double decode(uint32_t h) const {
    const double sign = (h & sign_bit()) ? -1.0 : 1.0;
    const uint32_t mag = h & (sign_bit() - 1u);
    if (mag > inf_bits()) {  // as a float NaN with the same payload, then widened as hardware does
      const uint32_t u = (h & sign_bit() ? 0x80000000u : 0u) | 0x7f800000u |
                         ((mag & ((1u << man_bits_) - 1u)) << (23 - man_bits_));
      float f;
      std::memcpy(&f, &u, sizeof f);
      return static_cast<double>(f);
    }
    if (mag == inf_bits()) return sign * INFINITY;
    return sign * magnitudes_[mag];
  }

  // Round-to-nearest-even of f (already a float) by searching the sorted magnitudes; overflow to
  // infinity happens exactly where IEEE puts it, half an ulp above the largest finite value.
  uint32_t encode(float f) const {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    const uint32_t sign = (u >> 31) ? sign_bit() : 0u;
    if (f != f) {  // quiet NaN, sign and top payload bits kept (the rule numeric.hpp and Java use)
      const uint32_t payload = (u & 0x7fffffu) >> (23 - man_bits_);
      return sign | inf_bits() | (1u << (man_bits_ - 1)) | payload;
    }
    const double a = std::fabs(static_cast<double>(f));
    if (std::isinf(a)) return sign | inf_bits();
    // lo: the largest pattern whose magnitude is <= a (the table ends with the virtual "next" one).
    const auto lo = static_cast<uint32_t>(std::upper_bound(magnitudes_.begin(), magnitudes_.end(), a) - magnitudes_.begin()) - 1u;
    if (lo > max_finite()) return sign | inf_bits();  // at or past the next power of two
    if (magnitudes_[lo] == a) return sign | lo;
    const double below = a - magnitudes_[lo], above = magnitudes_[lo + 1u] - a;
    const uint32_t k = below < above ? lo : above < below ? lo + 1u : ((lo & 1u) ? lo + 1u : lo);
    return sign | (k > max_finite() ? inf_bits() : k);
  }

 private:
  // The magnitude of bit pattern k (sign cleared, k <= max_finite() + 1); k = max_finite() + 1 gives
  // the next power of two, where the format would go on with more exponent bits.
  double magnitude(uint32_t k) const {
    const int bias = (1 << (exp_bits_ - 1)) - 1;
    const int e = static_cast<int>(k >> man_bits_);
    const double m = static_cast<double>(k & ((1u << man_bits_) - 1u));
    if (e == 0) return std::ldexp(m, 1 - bias - man_bits_);
    return std::ldexp(std::ldexp(1.0, man_bits_) + m, e - bias - man_bits_);
  }

  int exp_bits_, man_bits_;
  std::vector<double> magnitudes_;  // by bit pattern, increasing
};

inline const Format kBf16{8, 7};
inline const Format kF16{5, 10};

// A tensor the tests own: 8-byte aligned storage in any dtype.
struct Tensor {
  int dtype = GC_DTYPE_F32;
  int64_t count = 0;
  std::vector<uint64_t> words;

  Tensor() = default;
  Tensor(int dt, int64_t n) : dtype(dt), count(n), words(static_cast<size_t>((n * dtype_size(dt) + 7) / 8) + 1) {}

  void* data() { return words.data(); }
  const void* data() const { return words.data(); }
  gc_tensor view() { return gc_tensor{count > 0 ? data() : nullptr, count, dtype, 0}; }

  uint64_t raw(int64_t i) const {
    const auto* p = reinterpret_cast<const unsigned char*>(data()) + i * dtype_size(dtype);
    uint64_t u = 0;
    std::memcpy(&u, p, static_cast<size_t>(dtype_size(dtype)));
    return u;
  }
  void set_raw(int64_t i, uint64_t u) {
    auto* p = reinterpret_cast<unsigned char*>(data()) + i * dtype_size(dtype);
    std::memcpy(p, &u, static_cast<size_t>(dtype_size(dtype)));
  }

  // The element, widened exactly to fp64.
  double get(int64_t i) const {
    const uint64_t u = raw(i);
    switch (dtype) {
      case GC_DTYPE_F32: {
        float f;
        const auto w = static_cast<uint32_t>(u);
        std::memcpy(&f, &w, sizeof f);
        return f;
      }
      case GC_DTYPE_F64: {
        double d;
        std::memcpy(&d, &u, sizeof d);
        return d;
      }
      case GC_DTYPE_BF16: return kBf16.decode(static_cast<uint32_t>(u));
      default: return kF16.decode(static_cast<uint32_t>(u));
    }
  }
  // Stores y rounded as docs/SEMANTICS.md says: fp64 as is, the others through (float) y.
  void put(int64_t i, double y) { set_raw(i, encoded(dtype, y)); }

  static uint64_t encoded(int dtype, double y) {
    const float f = static_cast<float>(y);
    uint32_t w;
    std::memcpy(&w, &f, sizeof w);
    switch (dtype) {
      case GC_DTYPE_F32: return w;
      case GC_DTYPE_F64: return bits_of(y);
      case GC_DTYPE_BF16: return kBf16.encode(f);
      default: return kF16.encode(f);
    }
  }
};

// Random values already representable in the tensor's dtype: normals times a random power of ten.
inline void fill_random(Tensor& t, Rng& rng, double scale) {
  for (int64_t i = 0; i < t.count; ++i) t.put(i, rng.normal() * scale);
}

inline std::vector<gc_tensor> views(std::vector<Tensor>& ts) {
  std::vector<gc_tensor> v;
  for (auto& x : ts) v.push_back(x.view());
  return v;
}

// How strictly compare() treats NaNs.
enum class Nan {
  kExact,     // same bits
  kSameSign,  // any NaN of the same sign (a clamp may quiet a signalling NaN)
  kAny,       // any NaN (NaN times NaN: which operand's payload and sign survive is up to the compiler)
};

// Compares element bits; reports the first few differences; returns how many elements differ.
inline int64_t compare(const std::vector<Tensor>& got, const std::vector<Tensor>& want, const std::string& what,
                       Nan nan = Nan::kExact) {
  constexpr int kShown = 3;
  int64_t differ = 0;
  for (size_t k = 0; k < got.size(); ++k)
    for (int64_t i = 0; i < got[k].count; ++i) {
      if (got[k].raw(i) == want[k].raw(i)) continue;
      const double g = got[k].get(i), w = want[k].get(i);
      if (nan != Nan::kExact && g != g && w != w && (nan == Nan::kAny || std::signbit(g) == std::signbit(w))) continue;
      if (++differ <= kShown)
        expect(false, "%s: tensor %zu (%s) element %lld: got %#llx (%.17g), want %#llx (%.17g)", what.c_str(), k,
               dtype_name(got[k].dtype), (long long)i, (unsigned long long)got[k].raw(i), g,
               (unsigned long long)want[k].raw(i), w);
    }
  expect(differ == 0, "%s: %lld elements differ", what.c_str(), (long long)differ);
  return differ;
}

// ---------------------------------------------------------------------------------- RAII handles

struct Pool {
  gc_cpu_pool* p = nullptr;
  explicit Pool(int threads) { require(gc_cpu_pool_create(threads, &p), "gc_cpu_pool_create"); }
  ~Pool() { gc_cpu_pool_destroy(p); }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
};

struct Set {
  gc_cpu_set* s = nullptr;
  Set(std::vector<Tensor>& ts, int64_t chunk_elems) {
    const auto v = views(ts);
    require(gc_cpu_set_create(v.data(), static_cast<int64_t>(v.size()), chunk_elems, &s), "gc_cpu_set_create");
  }
  ~Set() { gc_cpu_set_destroy(s); }
  Set(const Set&) = delete;
  Set& operator=(const Set&) = delete;
};

inline gc_op make_op(int mode, int nonfinite, int rule, double p, double threshold) {
  return gc_op{mode, nonfinite, rule, 0, p, threshold, 0.0, 0.0, 0.0, 0};
}

// Runs op once over a new set of ts (written in place); norms: NULL or one double per tensor.
inline gc_result run(gc_cpu_pool* pool, std::vector<Tensor>& ts, int64_t chunk_elems, const gc_op& op,
                     double* norms = nullptr) {
  Set set(ts, chunk_elems);
  gc_result r;
  require(gc_cpu_run(pool, set.s, &op, norms, &r), "gc_cpu_run");
  return r;
}

// ------------------------------------------------------------------------------------- reference

struct RefNorms {
  std::vector<double> sums;   // per tensor: sum |x|^p, or max |x| (NaN when any NaN)
  std::vector<double> norms;  // per tensor
  double total_sum = 0.0;
  double total = 0.0;
  bool nonfinite = false;
};

inline double ref_finish(double p, double s) {
  if (p == 2.0) return std::sqrt(s);
  if (p == 1.0 || p == INFINITY) return s;
  return std::pow(s, 1.0 / p);
}

inline double ref_max(double a, double b) {
  if (a != a || b != b) return std::numeric_limits<double>::quiet_NaN();
  return a > b ? a : b;
}

// Sequential loops, one element at a time, in order.
inline RefNorms ref_norms(const std::vector<Tensor>& ts, double p) {
  RefNorms r;
  for (const Tensor& t : ts) {
    double s = 0.0;
    for (int64_t i = 0; i < t.count; ++i) {
      const double x = t.get(i);
      r.nonfinite |= !std::isfinite(x);
      if (p == INFINITY) s = ref_max(s, std::fabs(x));
      else if (p == 2.0) s += x * x;
      else if (p == 1.0) s += std::fabs(x);
      else s += std::pow(std::fabs(x), p);
    }
    r.sums.push_back(s);
    r.norms.push_back(ref_finish(p, s));
    r.total_sum = p == INFINITY ? ref_max(r.total_sum, s) : r.total_sum + s;
  }
  r.total = ref_finish(p, r.total_sum);
  return r;
}

inline double ref_coefficient(int rule, double n, double c) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (rule == GC_RULE_TORCH) {
    const double q = c / (n + 1e-6);
    if (q < 1.0) return q;
    return std::isnan(q) ? nan : 1.0;
  }
  if (n > c) return c / n;
  return std::isnan(n) ? nan : 1.0;
}

inline bool ref_must_scale(double coef) { return !(coef >= 1.0); }

inline void ref_scale(Tensor& t, double coef) {
  for (int64_t i = 0; i < t.count; ++i) t.put(i, t.get(i) * coef);
}

// Returns the number of elements outside [-v, v].
inline int64_t ref_clamp(Tensor& t, double v) {
  int64_t changed = 0;
  for (int64_t i = 0; i < t.count; ++i) {
    const double x = t.get(i);
    if (x > v) {
      t.put(i, v);
      ++changed;
    } else if (x < -v) {
      t.put(i, -v);
      ++changed;
    }
  }
  return changed;
}

// Bound on the difference between the library's lane-and-chunk summation and the sequential one, for
// a power sum over n elements cut into `chunks` chunks, relative to the sum itself (all terms >= 0):
// each order adds at most (additions in its longest chain) rounding errors of one unit each.
inline double sum_tolerance(int64_t n, int64_t chunks) {
  const double chain = static_cast<double>(n) + static_cast<double>(n) / 32.0 + static_cast<double>(chunks) + 64.0;
  return chain * 0x1p-52;
}

// |got - want| within rel * |want| (plus a few ulps for the root/pow that finish a norm).
inline bool close(double got, double want, double rel) {
  if (want != want || got != got) return want != want && got != got;
  if (std::isinf(want) || std::isinf(got)) return got == want;
  return std::fabs(got - want) <= rel * std::fabs(want) + 4.0 * std::numeric_limits<double>::denorm_min();
}

inline const char* mode_name(int mode) {
  static const char* names[] = {"NORM", "GLOBAL", "PER_TENSOR", "VALUE", "SCALE", "BLOCK_RMS", "AGC", "PER_SAMPLE_FLAT", "PER_SAMPLE_LAYER"};
  return names[mode];
}

// All ISA levels this machine runs, for tests that repeat over them.
inline std::vector<int> isas() {
  std::vector<int> v;
  for (int i = GC_ISA_SCALAR; i <= gc_cpu_isa_supported(); ++i) v.push_back(i);
  return v;
}
inline const char* isa_name(int isa) {
  static const char* names[] = {"scalar", "avx2", "avx512"};
  return names[isa];
}

}  // namespace t
