// AVX-512 kernels: eight fp64 lanes per zmm register, four registers per block. Only AVX-512F is used
// (storage formats are converted 8 at a time by the AVX2/F16C code in simd16.hpp), so this level runs
// on every AVX-512 CPU.
#include <immintrin.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "common/modes_math.hpp"
#include "common/numeric.hpp"
#include "cpu/kernels.hpp"

// Everything from here to pop_options is compiled for AVX-512; dispatch.cpp calls into it only on a CPU
// that has these extensions. Headers stay above, built for the default target.
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma,f16c,popcnt")

#include "cpu/simd16.hpp"

namespace gc::cpu {
namespace {

struct Avx512 {
  using Reg = __m512d;
  static constexpr int kWidth = 8;
  static constexpr bool kFma = true;

  static Reg zero() { return _mm512_setzero_pd(); }
  static Reg broadcast(double c) { return _mm512_set1_pd(c); }
  static Reg loadu(const double* p) { return _mm512_loadu_pd(p); }
  static void storeu(double* p, Reg r) { _mm512_storeu_pd(p, r); }

  static void load16(const double* p, Reg* out) {
    out[0] = _mm512_loadu_pd(p);
    out[1] = _mm512_loadu_pd(p + 8);
  }
  // 256-bit loads widened straight into zmm: cheaper than 512-bit loads split by extracts, and the
  // conversions, not the loads, bound these loops on cache-resident data.
  template <class T>
  static void load16(const T* p, Reg* out) {
    __m256 lo, hi;
    Simd16::load(p, lo, hi);
    out[0] = _mm512_cvtps_pd(lo);
    out[1] = _mm512_cvtps_pd(hi);
  }
  static void store16(double* p, const Reg* in) {
    _mm512_storeu_pd(p, in[0]);
    _mm512_storeu_pd(p + 8, in[1]);
  }
  template <class T>
  static void store16(T* p, const Reg* in) {  // (float) y rounds to nearest-even, the MXCSR default
    Simd16::store(p, _mm512_cvtpd_ps(in[0]), _mm512_cvtpd_ps(in[1]));
  }

  static Reg add(Reg a, Reg b) { return _mm512_add_pd(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_pd(a, b); }
  static Reg div(Reg a, Reg b) { return _mm512_div_pd(a, b); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_pd(a, b, c); }
  static Reg abs(Reg a) { return _mm512_abs_pd(a); }
  static Reg min(Reg a, Reg b) { return _mm512_min_pd(a, b); }
  static Reg max(Reg a, Reg b) { return _mm512_max_pd(a, b); }
  static Reg max_bits(Reg a, Reg b) {
    return _mm512_castsi512_pd(_mm512_max_epu64(_mm512_castpd_si512(a), _mm512_castpd_si512(b)));
  }
  static uint32_t gt_mask(Reg a, Reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_pd(a, b); }
  static Reg sqrt(Reg a) { return _mm512_sqrt_pd(a); }

  // 64-bit integer lanes, for the noise generator (noise_loops.hpp).
  using IReg = __m512i;
  static IReg ibroadcast(uint64_t c) { return _mm512_set1_epi64(static_cast<long long>(c)); }
  static IReg iloadu(const uint64_t* p) { return _mm512_loadu_si512(p); }
  static IReg iadd(IReg a, IReg b) { return _mm512_add_epi64(a, b); }
  static IReg isub(IReg a, IReg b) { return _mm512_sub_epi64(a, b); }
  static IReg iand(IReg a, IReg b) { return _mm512_and_si512(a, b); }
  static IReg ior(IReg a, IReg b) { return _mm512_or_si512(a, b); }
  static IReg ixor(IReg a, IReg b) { return _mm512_xor_si512(a, b); }
  template <int N>
  static IReg isrl(IReg a) { return _mm512_srli_epi64(a, N); }
  template <int N>
  static IReg isll(IReg a) { return _mm512_slli_epi64(a, N); }
  // The 64-bit multiply (vpmullq) is AVX512DQ, which this level does not require: lo*lo + ((hi*lo +
  // lo*hi) << 32) from 32x32->64 products.
  static IReg imul(IReg a, uint64_t c) {
    const IReg c_lo = ibroadcast(c & 0xffffffffull), c_hi = ibroadcast(c >> 32);
    const IReg cross = _mm512_add_epi64(_mm512_mul_epu32(_mm512_srli_epi64(a, 32), c_lo), _mm512_mul_epu32(a, c_hi));
    return _mm512_add_epi64(_mm512_mul_epu32(a, c_lo), _mm512_slli_epi64(cross, 32));
  }
  static Reg as_double(IReg a) { return _mm512_castsi512_pd(a); }
  static IReg as_bits(Reg a) { return _mm512_castpd_si512(a); }
  // Lanes of at most 2^53, exactly: the high 21 and low 32 bits placed in the mantissas of 2^84 and
  // 2^52, which are then subtracted; both differences and their sum are exact.
  static Reg to_double(IReg a) {
    const Reg hi = sub(as_double(ior(isrl<32>(a), ibroadcast(0x4530000000000000ull))), broadcast(0x1p84));
    const Reg lo = sub(as_double(ior(iand(a, ibroadcast(0xffffffffull)), ibroadcast(0x4330000000000000ull))), broadcast(0x1p52));
    return add(hi, lo);
  }
};

}  // namespace
}  // namespace gc::cpu

#include "cpu/kernel_loops.hpp"
#include "cpu/noise_loops.hpp"
#include "cpu/mode_loops.hpp"
#include "cpu/make_table.hpp"

namespace gc::cpu {
namespace {
constexpr KernelTable kAvx512Table = make_table<Avx512>();
}  // namespace
}  // namespace gc::cpu

#pragma GCC pop_options

namespace gc::cpu {
const KernelTable& avx512_kernels() { return kAvx512Table; }
}  // namespace gc::cpu
