// The chunk loops, written once and instantiated per ISA level over R, the level's primitives on one
// register of fp64 lanes.
//
// Include this only from a kernels_<isa>.cpp, after that file's `#pragma GCC target` and after every
// other header (so that library inline functions keep the default target). Everything here sits in an
// unnamed namespace on purpose: each ISA's translation unit gets its own copy compiled for its own
// target. A shared (external, inline) copy would let the linker pick, say, the AVX-512 build of a
// helper for the scalar path, which then faults on a CPU without AVX-512.
//
// R provides (Reg: one register of kWidth fp64 lanes):
//   kWidth; kFma (fma is a single instruction: use it for plain adds and exact squares too);
//   zero(); broadcast(double); loadu(const double*); storeu(double*, Reg);
//   load16(const T*, Reg*) / store16(T*, const Reg*): 16 elements <-> 16 / kWidth registers, widened
//     exactly / rounded per docs/SEMANTICS.md, lane j holding element lane_element<T>(j);
//   add; mul; div; fma(a, b, c) (a*b + c rounded once); abs;
//   min(a, b) / max(a, b) with x86 MINPD / MAXPD semantics (b when unordered or equal);
//   max_bits(a, b) (integer max of non-negative doubles: NaN > inf > finite);
//   gt_mask(a, b) (bit j: lane j of a > b, NaN false).
// Every level has the same lane layout and the same final reduction, and rounds each lane's update the
// same way, so norms are bit-identical across levels (fp64 input included: x*x + acc is always one FMA).
//
// Deliberately no #include here: the including file has already included <cfloat>, <cmath>,
// <cstdint>, <cstring>, <type_traits> and cpu/kernels.hpp before its pragma; a missing one is a
// compile error rather than a header silently built for the wrong target.

namespace gc::cpu {
namespace {

// kLanes fp64 lanes as registers of R, and the operations the loops below use on them.
template <class R>
struct Lanes {
  using Reg = typename R::Reg;
  static constexpr int kRegs = kLanes / R::kWidth;
  static_assert(kLanes % 16 == 0 && 16 % R::kWidth == 0, "blocks are whole groups of 16 elements");
  struct Block {
    Reg r[kRegs];
  };

  // Plain loops, no lambdas: GCC 12 built the lambdas of an earlier version of these templates without
  // the pragma's target (-Wpsabi: "AVX vector return without AVX enabled").
  static Block zero() {
    Block b;
    for (Reg& r : b.r) r = R::zero();
    return b;
  }
  template <class T>
  static Block load(const T* p) {
    Block b;
    for (int g = 0; g < kLanes / 16; ++g) R::load16(p + 16 * g, b.r + g * (16 / R::kWidth));
    return b;
  }
  template <class T>
  static void store(T* p, const Block& b) {
    for (int g = 0; g < kLanes / 16; ++g) R::store16(p + 16 * g, b.r + g * (16 / R::kWidth));
  }
  static void store_lanes(double* out, const Block& b) {
    for (int k = 0; k < kRegs; ++k) R::storeu(out + k * R::kWidth, b.r[k]);
  }
  static Block load_lanes(const double* in) {
    Block b;
    for (int k = 0; k < kRegs; ++k) b.r[k] = R::loadu(in + k * R::kWidth);
    return b;
  }

  static Block abs(const Block& x) {
    Block b;
    for (int k = 0; k < kRegs; ++k) b.r[k] = R::abs(x.r[k]);
    return b;
  }
  static Block mul(const Block& x, double c) {
    const Reg cv = R::broadcast(c);
    Block b;
    for (int k = 0; k < kRegs; ++k) b.r[k] = R::mul(x.r[k], cv);
    return b;
  }
  static Block mul(const Block& x, const Block& c) {
    Block b;
    for (int k = 0; k < kRegs; ++k) b.r[k] = R::mul(x.r[k], c.r[k]);
    return b;
  }
  static Block div(const Block& x, double d) {
    const Reg dv = R::broadcast(d);
    Block b;
    for (int k = 0; k < kRegs; ++k) b.r[k] = R::div(x.r[k], dv);
    return b;
  }
  // x*c + acc rounded once, on every level (the scalar one calls std::fma).
  static Block fma(const Block& x, double c, const Block& acc) {
    const Reg cv = R::broadcast(c);
    Block b;
    for (int k = 0; k < kRegs; ++k) b.r[k] = R::fma(x.r[k], cv, acc.r[k]);
    return b;
  }
  // acc + a. With a single-instruction FMA, as a*1 + acc: it rounds exactly like the add but issues on
  // the FMA pipes, where it does not compete with the widening conversions (15% faster on Zen 4).
  static Block add(const Block& acc, const Block& a) {
    Block b;
    if constexpr (R::kFma) {
      const Reg one = R::broadcast(1.0);
      for (int k = 0; k < kRegs; ++k) b.r[k] = R::fma(a.r[k], one, acc.r[k]);
    } else {
      for (int k = 0; k < kRegs; ++k) b.r[k] = R::add(acc.r[k], a.r[k]);
    }
    return b;
  }
  // acc + x*x rounded once. For fp32/bf16/fp16 input x*x is exact in fp64, so without FMA hardware a
  // multiply and an add round identically; fp64 input always needs the real fma.
  template <class T>
  static Block add_square(const Block& acc, const Block& x) {
    Block b;
    if constexpr (R::kFma || std::is_same_v<T, double>) {
      for (int k = 0; k < kRegs; ++k) b.r[k] = R::fma(x.r[k], x.r[k], acc.r[k]);
    } else {
      for (int k = 0; k < kRegs; ++k) b.r[k] = R::add(acc.r[k], R::mul(x.r[k], x.r[k]));
    }
    return b;
  }
  static Block max_bits(const Block& acc, const Block& a) {
    Block b;
    for (int k = 0; k < kRegs; ++k) b.r[k] = R::max_bits(acc.r[k], a.r[k]);
    return b;
  }
  // [-v, v]: the second operand of MINPD/MAXPD wins on NaN and on equality, so NaN and -0.0 pass.
  static Block clamp(const Block& x, double v) {
    const Reg hi = R::broadcast(v), lo = R::broadcast(-v);
    Block b;
    for (int k = 0; k < kRegs; ++k) b.r[k] = R::max(lo, R::min(hi, x.r[k]));
    return b;
  }
  // Bit j: lane j of a is above v (NaN is not).
  static uint32_t outside_mask(const Block& a, double v) {
    const Reg vv = R::broadcast(v);
    uint32_t m = 0;
    for (int k = 0; k < kRegs; ++k) m |= R::gt_mask(a.r[k], vv) << (k * R::kWidth);
    return m;
  }
};

// Exponent-all-ones test on the storage bits, for the exact non-finite check.
template <class T> struct StorageBits;
template <> struct StorageBits<float> { using Bits = uint32_t; static constexpr Bits kExp = 0x7f800000u; };
template <> struct StorageBits<double> { using Bits = uint64_t; static constexpr Bits kExp = 0x7ff0000000000000u; };
template <> struct StorageBits<Bf16> { using Bits = uint16_t; static constexpr Bits kExp = 0x7f80u; };
template <> struct StorageBits<F16> { using Bits = uint16_t; static constexpr Bits kExp = 0x7c00u; };

// Exact element-wise scan; only run on a chunk whose power sum came out non-finite, to tell a NaN or
// infinite element from a sum of finite values that overflowed (possible for fp64 input or large p).
template <class T>
bool any_nonfinite(const T* x, int64_t n) {
  using Bits = typename StorageBits<T>::Bits;
  for (int64_t i = 0; i < n; ++i) {
    Bits b;
    std::memcpy(&b, x + i, sizeof b);
    if ((b & StorageBits<T>::kExp) == StorageBits<T>::kExp) return true;
  }
  return false;
}

// The last, partial block: copied into zeros, which add nothing to any power sum or max, and are
// inside any clamp range.
template <class T>
struct Tail {
  alignas(64) T elems[kLanes] = {};
  Tail(const T* x, int64_t n) { std::memcpy(elems, x, static_cast<size_t>(n) * sizeof(T)); }
};

template <class R, class T, NormKind K>
typename Lanes<R>::Block accumulate(const typename Lanes<R>::Block& acc, const typename Lanes<R>::Block& x, double p) {
  using L = Lanes<R>;
  if constexpr (K == kNormL1) {
    return L::add(acc, L::abs(x));
  } else if constexpr (K == kNormL2) {
    return L::template add_square<T>(acc, x);
  } else if constexpr (K == kNormInf) {
    return L::max_bits(acc, L::abs(x));
  } else {
    // No vector pow here: lanes go through the C library one by one, on every ISA level alike.
    alignas(64) double lanes[kLanes];
    L::store_lanes(lanes, L::abs(x));
    for (int j = 0; j < kLanes; ++j) lanes[j] = std::pow(lanes[j], p);
    return L::add(acc, L::load_lanes(lanes));
  }
}

// The largest lane of a max_bits accumulator; a max is exact in any order and, compared as integers,
// NaN sorts above inf, so a NaN lane wins.
template <class R>
double max_lane(const typename Lanes<R>::Block& acc) {
  alignas(64) double lanes[kLanes];
  Lanes<R>::store_lanes(lanes, acc);
  double m = 0.0;
  for (int j = 0; j < kLanes; ++j) m = lanes[j] > m || lanes[j] != lanes[j] ? lanes[j] : m;
  return m;
}

template <class R, class T, NormKind K>
Partial norm_kernel(const void* data, int64_t offset, int64_t length, double p) {
  using L = Lanes<R>;
  const T* x = static_cast<const T*>(data) + offset;
  typename L::Block acc = L::zero();
  int64_t i = 0;
  for (; i + kLanes <= length; i += kLanes) acc = accumulate<R, T, K>(acc, L::load(x + i), p);
  if (i < length) {
    const Tail<T> tail(x + i, length - i);
    acc = accumulate<R, T, K>(acc, L::load(tail.elems), p);
  }
  Partial out{0.0, 0, false};
  if constexpr (K == kNormInf) {
    const double m = max_lane<R>(acc);
    out.nonfinite = !(m <= DBL_MAX);
    out.sum = m != m ? NAN : m;
  } else {
    alignas(64) double lanes[kLanes];
    L::store_lanes(lanes, acc);
    // Fixed pairwise tree over the lanes: the one place lane results meet, identical on every ISA.
    for (int width = kLanes / 2; width >= 1; width /= 2)
      for (int j = 0; j < width; ++j) lanes[j] += lanes[j + width];
    const double s = lanes[0];
    // Every term is >= 0, so a NaN or inf element leaves the sum non-finite: a finite sum proves
    // there was none, and only a non-finite one needs the exact scan.
    out.nonfinite = !std::isfinite(s) && any_nonfinite(x, length);
    out.sum = s != s ? NAN : s;  // one NaN for every ISA, whatever payload won
  }
  return out;
}

template <class R, class T>
void scale_kernel(void* data, int64_t offset, int64_t length, double coef) {
  using L = Lanes<R>;
  T* x = static_cast<T*>(data) + offset;
  int64_t i = 0;
  for (; i + kLanes <= length; i += kLanes) L::store(x + i, L::mul(L::load(x + i), coef));
  if (i < length) {
    Tail<T> tail(x + i, length - i);
    L::store(tail.elems, L::mul(L::load(tail.elems), coef));
    std::memcpy(x + i, tail.elems, static_cast<size_t>(length - i) * sizeof(T));
  }
}

// One block of the clamp pass: stores the clamped block (lanes inside [-v, v] round-trip exactly
// through fp64, so only the outside ones change) and returns how many lanes were outside.
// Forced inline: called from two places, GCC otherwise keeps it out of line, a call per block.
template <class R, class T>
[[gnu::always_inline]] inline int clamp_block(T* x, double v) {
  using L = Lanes<R>;
  const typename L::Block b = L::load(x);
  const uint32_t outside = L::outside_mask(L::abs(b), v);  // NaN lanes are not outside
  L::store(x, L::clamp(b, v));
  return __builtin_popcount(outside);
}

// Two passes over the chunk, the second only when needed and then out of L2 (a chunk is at most
// 512 KiB): first the largest |x| (branch-free; it also gives the non-finite check), then, if it is
// above v or NaN, the clamp with unconditional stores. Deciding per 32-element block instead costs a
// mispredicted branch per block when outliers are scattered: with 1% of elements outside, a quarter
// of the blocks: on 124M fp32 elements with ~1% outside, 28 ms that way against 24.5 ms this way.
template <class R, class T>
Partial clamp_kernel(void* data, int64_t offset, int64_t length, double v) {
  using L = Lanes<R>;
  T* x = static_cast<T*>(data) + offset;
  typename L::Block max_abs = L::zero();
  int64_t i = 0;
  for (; i + kLanes <= length; i += kLanes) max_abs = L::max_bits(max_abs, L::abs(L::load(x + i)));
  if (i < length) {
    Tail<T> tail(x + i, length - i);
    max_abs = L::max_bits(max_abs, L::abs(L::load(tail.elems)));
  }
  const double largest = max_lane<R>(max_abs);
  const bool nonfinite = !(largest <= DBL_MAX);
  if (largest <= v) return Partial{0.0, 0, nonfinite};  // NaN fails the test and goes on to the clamp
  int64_t changed = 0;
  for (i = 0; i + kLanes <= length; i += kLanes) changed += clamp_block<R>(x + i, v);
  if (i < length) {
    Tail<T> tail(x + i, length - i);
    const int outside = clamp_block<R>(tail.elems, v);
    if (outside != 0) {
      changed += outside;
      std::memcpy(x + i, tail.elems, static_cast<size_t>(length - i) * sizeof(T));
    }
  }
  return Partial{0.0, changed, nonfinite};
}

}  // namespace
}  // namespace gc::cpu
