// The DP noise of docs/SEMANTICS.md (per-sample clipping, step 4) on the registers of one ISA level:
// the counter-based generator in 64-bit integer lanes, then Box-Muller with this file's own fp64 log
// and cos, so that no lane goes through the C library.
//
// Included like kernel_loops.hpp (after it, same rules: no #include, an unnamed namespace so that each
// ISA's translation unit gets its own copy). The tests include it too, with a plain scalar R, to measure
// its accuracy against std::log / std::cos and to check the library's output bit for bit.
//
// Bit-identical on every level: the integer part is exact, and the floating-point part uses only adds,
// subtracts, multiplies, one divide and one square root, each rounded once (no FMA: the scalar level
// has none, and contraction is off), in the same order on every level.
//
// R provides, besides what Lanes<R> needs (Reg, broadcast, add, mul, div):
//   sub(a, b); sqrt(a);
//   IReg: kWidth 64-bit integer lanes; ibroadcast(uint64_t); iloadu(const uint64_t*);
//   iadd / isub (wrapping), iand / ior / ixor; isrl<N> / isll<N> (logical shifts by a constant);
//   imul(a, c) (the low 64 bits of a * c, c a constant); as_double(IReg) / as_bits(Reg) (same bits);
//   to_double(IReg) (the value of each lane, at most 2^53, so exact).
//
// The approximations are fdlibm's (Sun Microsystems, freely distributable): e_log.c's for log,
// __kernel_cos / __kernel_sin for cos, with an exact branch-free reduction by pi/2 of their own.
// Measured against glibc (tests/cpu/test_per_sample.cpp): at most 1 ulp for log on (0, 1] and for cos
// on [0, 2pi).

namespace gc::cpu {
namespace {

template <class R>
struct NoiseMath {
  using Reg = typename R::Reg;
  using IReg = typename R::IReg;

  static Reg k(double v) { return R::broadcast(v); }
  static IReg ki(uint64_t v) { return R::ibroadcast(v); }
  // a * b + c, two roundings.
  static Reg mad(Reg a, Reg b, Reg c) { return R::add(R::mul(a, b), c); }

  // SplitMix64's finalizer: common/modes_math.hpp's noise_mix.
  static IReg mix(IReg x) {
    x = R::iadd(x, ki(0x9E3779B97F4A7C15ull));
    x = R::imul(R::ixor(x, R::template isrl<30>(x)), 0xBF58476D1CE4E5B9ull);
    x = R::imul(R::ixor(x, R::template isrl<27>(x)), 0x94D049BB133111EBull);
    return R::ixor(x, R::template isrl<31>(x));
  }

  // Natural log of a positive normal x (fdlibm e_log.c without its special cases): x = 2^e * m with m
  // in [sqrt(1/2), sqrt(2)), found with integer arithmetic on the bits; f = m - 1 (exact), s = f/(2+f),
  // log(1+f) = f - f^2/2 + s*(f^2/2 + R(s^2)).
  static Reg log(Reg x) { return log_scaled<0>(x); }

  // log(x * 2^Scale), bit for bit log() of that product (where it is normal): only e changes.
  template <int Scale>
  static Reg log_scaled(Reg x) {
    const IReg bits = R::as_bits(x);
    // Adding 1.0's bits minus sqrt(1/2)'s carries into the exponent exactly when m >= sqrt(2)
    // relative to the exponent of x; the exponent field of the sum is then 1023 + e.
    const IReg biased = R::template isrl<52>(R::iadd(bits, ki(0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull)));
    const Reg m = R::as_double(R::isub(R::iadd(bits, ki(0x3ff0000000000000ull)), R::template isll<52>(biased)));
    const Reg e = R::sub(R::as_double(R::ior(biased, ki(0x4330000000000000ull))), k(0x1p52 + 1023.0 - Scale));
    const Reg f = R::sub(m, k(1.0));
    const Reg s = R::div(f, R::add(k(2.0), f));
    const Reg z = R::mul(s, s);
    const Reg w = R::mul(z, z);
    const Reg t1 = R::mul(w, mad(w, mad(w, k(0x1.39a09d078c69fp-3), k(0x1.c71c51d8e78afp-3)), k(0x1.999999997fa04p-2)));
    const Reg t2 = R::mul(
        z, mad(w, mad(w, mad(w, k(0x1.2f112df3e5244p-3), k(0x1.7466496cb03dep-3)), k(0x1.2492494229359p-2)),
               k(0x1.5555555555593p-1)));
    const Reg r = R::add(t2, t1);
    const Reg hfsq = R::mul(R::mul(k(0.5), f), f);
    // e*ln2_hi is exact (ln2_hi has 21 trailing zero bits); ln2_lo carries the rest of ln 2.
    const Reg inner = R::sub(R::sub(hfsq, R::add(R::mul(s, R::add(hfsq, r)), R::mul(e, k(0x1.a39ef35793c76p-33)))), f);
    return R::sub(R::mul(e, k(0x1.62e42fee00000p-1)), inner);
  }

  // cos(y + c) for |y| <= ~pi/4 with |c| tiny against y (fdlibm __kernel_cos).
  static Reg kernel_cos(Reg y, Reg c) {
    const Reg z = R::mul(y, y);
    const Reg w = R::mul(z, z);
    const Reg r = R::add(R::mul(z, mad(z, mad(z, k(0x1.a01a019cb1590p-16), k(-0x1.6c16c16c15177p-10)), k(0x1.555555555554cp-5))),
                         R::mul(R::mul(w, w), mad(z, mad(z, k(-0x1.8fae9be8838d4p-37), k(0x1.1ee9ebdb4b1c4p-29)), k(-0x1.27e4f809c52adp-22))));
    const Reg hz = R::mul(k(0.5), z);
    const Reg v = R::sub(k(1.0), hz);
    return R::add(v, R::add(R::sub(R::sub(k(1.0), v), hz), R::sub(R::mul(z, r), R::mul(y, c))));
  }

  // sin(y + c), as kernel_cos (fdlibm __kernel_sin with its tail).
  static Reg kernel_sin(Reg y, Reg c) {
    const Reg z = R::mul(y, y);
    const Reg w = R::mul(z, z);
    const Reg r = R::add(mad(z, mad(z, k(0x1.71de357b1fe7dp-19), k(-0x1.a01a019c161d5p-13)), k(0x1.111111110f8a6p-7)),
                         R::mul(R::mul(z, w), mad(z, k(0x1.5d93a5acfd57cp-33), k(-0x1.ae5e68a2b9cebp-26))));
    const Reg v = R::mul(z, y);
    const Reg inner = R::sub(R::sub(R::mul(z, R::sub(R::mul(k(0.5), c), R::mul(v, r))), c), R::mul(v, k(-0x1.5555555555549p-3)));
    return R::sub(y, inner);
  }

  // cos x for 0 <= x < 7. x = n*pi/2 + (y + c): n the nearest integer to x*2/pi; pi/2 in four parts
  // P1 + P2 + P3 + P3t (fdlibm's pio2_1, _2, _3, _3t), the first three short enough that n*Pk is exact.
  // x - n*P1 is exact (Sterbenz), x - n*P1 - n*P2 is kept as an exact sum of two doubles, the small
  // rest is added to its tail: y + c holds x - n*pi/2 to far more than 53 bits even where it cancels
  // down to ~6e-17 (the closest a double in range comes to a multiple of pi/2).
  static Reg cos(Reg x) {
    const Reg shifted = R::add(R::mul(x, k(0x1.45f306dc9c883p-1)), k(0x1.8p52));  // integer n in the low bits
    const IReg n = R::as_bits(shifted);
    const Reg fn = R::sub(shifted, k(0x1.8p52));
    const Reg a = R::sub(x, R::mul(fn, k(0x1.921fb54400000p+0)));
    const Reg b = R::mul(fn, k(0x1.0b4611a600000p-34));
    const Reg s = R::sub(a, b);
    const Reg bv = R::sub(s, a);  // two-sum: a - b = s + e exactly
    const Reg e = R::sub(R::sub(a, R::sub(s, bv)), R::add(b, bv));
    const Reg tail = R::sub(R::sub(e, R::mul(fn, k(0x1.3198a2e000000p-69))), R::mul(fn, k(0x1.b839a252049c1p-104)));
    const Reg y = R::add(s, tail);
    const Reg c = R::add(R::sub(s, y), tail);
    // n mod 4: 0 cos, 1 -sin, 2 -cos, 3 sin. Blended with bit masks, the same on every level.
    const Reg kc = kernel_cos(y, c), ks = kernel_sin(y, c);
    const IReg use_sin = R::isub(ki(0), R::iand(n, ki(1)));
    const IReg negate = R::template isll<62>(R::iand(R::iadd(n, ki(1)), ki(2)));
    const IReg kcb = R::as_bits(kc);
    const IReg blended = R::ixor(kcb, R::iand(R::ixor(kcb, R::as_bits(ks)), use_sin));
    return R::as_double(R::ixor(blended, negate));
  }

  // z for the counters key + 2j (lane by lane): sqrt(-2 ln u1) * cos(2pi u2), as noise_normal, with
  // u1 = v1 * 2^-53 and u2 = v2 * 2^-53 for the integers v1 in [1, 2^53], v2 in [0, 2^53). The scaling
  // by 2^-53 is exact, so it moves into log's exponent and into the constant of 2pi * u2 (the same
  // product, rounded once) without changing a bit.
  static Reg normal(IReg counter) {
    const IReg m1 = mix(counter), m2 = mix(R::iadd(counter, ki(1)));
    const Reg v1 = R::to_double(R::iadd(R::template isrl<11>(m1), ki(1)));
    const Reg v2 = R::to_double(R::template isrl<11>(m2));
    return R::mul(R::sqrt(R::mul(k(-2.0), log_scaled<-53>(v1))), cos(R::mul(k(6.283185307179586 * 0x1p-53), v2)));
  }
};

// N registers of R as one: NoiseMath<Multi<R, N>> runs each step on all N before the next, N
// independent chains where one would wait on the divide, square root and multiply latencies.
template <class R, int N>
struct Multi {
  struct Reg {
    typename R::Reg r[N];
  };
  struct IReg {
    typename R::IReg r[N];
  };
  // Plain loops, no lambdas (see Lanes in kernel_loops.hpp).
  static Reg broadcast(double c) {
    Reg o;
    for (int k = 0; k < N; ++k) o.r[k] = R::broadcast(c);
    return o;
  }
  static IReg ibroadcast(uint64_t c) {
    IReg o;
    for (int k = 0; k < N; ++k) o.r[k] = R::ibroadcast(c);
    return o;
  }
#define GC_MULTI_OP(Out, name, In)                                   \
  static Out name(const In& a, const In& b) {                        \
    Out o;                                                           \
    for (int k = 0; k < N; ++k) o.r[k] = R::name(a.r[k], b.r[k]);    \
    return o;                                                        \
  }
  GC_MULTI_OP(Reg, add, Reg)
  GC_MULTI_OP(Reg, sub, Reg)
  GC_MULTI_OP(Reg, mul, Reg)
  GC_MULTI_OP(Reg, div, Reg)
  GC_MULTI_OP(IReg, iadd, IReg)
  GC_MULTI_OP(IReg, isub, IReg)
  GC_MULTI_OP(IReg, iand, IReg)
  GC_MULTI_OP(IReg, ior, IReg)
  GC_MULTI_OP(IReg, ixor, IReg)
#undef GC_MULTI_OP
  static Reg sqrt(const Reg& a) {
    Reg o;
    for (int k = 0; k < N; ++k) o.r[k] = R::sqrt(a.r[k]);
    return o;
  }
  template <int S>
  static IReg isrl(const IReg& a) {
    IReg o;
    for (int k = 0; k < N; ++k) o.r[k] = R::template isrl<S>(a.r[k]);
    return o;
  }
  template <int S>
  static IReg isll(const IReg& a) {
    IReg o;
    for (int k = 0; k < N; ++k) o.r[k] = R::template isll<S>(a.r[k]);
    return o;
  }
  static IReg imul(const IReg& a, uint64_t c) {
    IReg o;
    for (int k = 0; k < N; ++k) o.r[k] = R::imul(a.r[k], c);
    return o;
  }
  static Reg as_double(const IReg& a) {
    Reg o;
    for (int k = 0; k < N; ++k) o.r[k] = R::as_double(a.r[k]);
    return o;
  }
  static IReg as_bits(const Reg& a) {
    IReg o;
    for (int k = 0; k < N; ++k) o.r[k] = R::as_bits(a.r[k]);
    return o;
  }
  static Reg to_double(const IReg& a) {
    Reg o;
    for (int k = 0; k < N; ++k) o.r[k] = R::to_double(a.r[k]);
    return o;
  }
};

}  // namespace
}  // namespace gc::cpu
