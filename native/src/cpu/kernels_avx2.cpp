// AVX2 kernels (with FMA and F16C): four fp64 lanes per ymm register, eight registers per block.
#include <immintrin.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "common/modes_math.hpp"
#include "common/numeric.hpp"
#include "cpu/kernels.hpp"

// Everything from here to pop_options is compiled for AVX2; dispatch.cpp calls into it only on a CPU
// that has these extensions. Headers stay above, built for the default target.
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,popcnt")

#include "cpu/simd16.hpp"

namespace gc::cpu {
namespace {

struct Avx2 {
  using Reg = __m256d;
  static constexpr int kWidth = 4;
  static constexpr bool kFma = true;

  static Reg zero() { return _mm256_setzero_pd(); }
  static Reg broadcast(double c) { return _mm256_set1_pd(c); }
  static Reg loadu(const double* p) { return _mm256_loadu_pd(p); }
  static void storeu(double* p, Reg r) { _mm256_storeu_pd(p, r); }

  static void load16(const double* p, Reg* out) {
    for (int k = 0; k < 4; ++k) out[k] = _mm256_loadu_pd(p + 4 * k);
  }
  template <class T>
  static void load16(const T* p, Reg* out) {
    __m256 lo, hi;
    Simd16::load(p, lo, hi);
    out[0] = _mm256_cvtps_pd(_mm256_castps256_ps128(lo));
    out[1] = _mm256_cvtps_pd(_mm256_extractf128_ps(lo, 1));
    out[2] = _mm256_cvtps_pd(_mm256_castps256_ps128(hi));
    out[3] = _mm256_cvtps_pd(_mm256_extractf128_ps(hi, 1));
  }
  static void store16(double* p, const Reg* in) {
    for (int k = 0; k < 4; ++k) _mm256_storeu_pd(p + 4 * k, in[k]);
  }
  template <class T>
  static void store16(T* p, const Reg* in) {  // (float) y rounds to nearest-even, the MXCSR default
    Simd16::store(p, _mm256_set_m128(_mm256_cvtpd_ps(in[1]), _mm256_cvtpd_ps(in[0])),
                  _mm256_set_m128(_mm256_cvtpd_ps(in[3]), _mm256_cvtpd_ps(in[2])));
  }

  static Reg add(Reg a, Reg b) { return _mm256_add_pd(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_pd(a, b); }
  static Reg div(Reg a, Reg b) { return _mm256_div_pd(a, b); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_pd(a, b, c); }
  static Reg abs(Reg a) { return _mm256_and_pd(a, _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffff))); }
  static Reg min(Reg a, Reg b) { return _mm256_min_pd(a, b); }
  static Reg max(Reg a, Reg b) { return _mm256_max_pd(a, b); }
  // AVX2 has no unsigned 64-bit max or compare; signed ones are right because both sides are >= 0.
  static Reg max_bits(Reg a, Reg b) {
    return _mm256_blendv_pd(a, b, _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_castpd_si256(b), _mm256_castpd_si256(a))));
  }
  static uint32_t gt_mask(Reg a, Reg b) { return static_cast<uint32_t>(_mm256_movemask_pd(_mm256_cmp_pd(a, b, _CMP_GT_OQ))); }
  static Reg sub(Reg a, Reg b) { return _mm256_sub_pd(a, b); }
  static Reg sqrt(Reg a) { return _mm256_sqrt_pd(a); }

  // 64-bit integer lanes, for the noise generator (noise_loops.hpp).
  using IReg = __m256i;
  static IReg ibroadcast(uint64_t c) { return _mm256_set1_epi64x(static_cast<long long>(c)); }
  static IReg iloadu(const uint64_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static IReg iadd(IReg a, IReg b) { return _mm256_add_epi64(a, b); }
  static IReg isub(IReg a, IReg b) { return _mm256_sub_epi64(a, b); }
  static IReg iand(IReg a, IReg b) { return _mm256_and_si256(a, b); }
  static IReg ior(IReg a, IReg b) { return _mm256_or_si256(a, b); }
  static IReg ixor(IReg a, IReg b) { return _mm256_xor_si256(a, b); }
  template <int N>
  static IReg isrl(IReg a) { return _mm256_srli_epi64(a, N); }
  template <int N>
  static IReg isll(IReg a) { return _mm256_slli_epi64(a, N); }
  // No 64-bit multiply in AVX2: lo*lo + ((hi*lo + lo*hi) << 32) from 32x32->64 products.
  static IReg imul(IReg a, uint64_t c) {
    const IReg c_lo = ibroadcast(c & 0xffffffffull), c_hi = ibroadcast(c >> 32);
    const IReg cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), c_lo), _mm256_mul_epu32(a, c_hi));
    return _mm256_add_epi64(_mm256_mul_epu32(a, c_lo), _mm256_slli_epi64(cross, 32));
  }
  static Reg as_double(IReg a) { return _mm256_castsi256_pd(a); }
  static IReg as_bits(Reg a) { return _mm256_castpd_si256(a); }
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
constexpr KernelTable kAvx2Table = make_table<Avx2>();
}  // namespace
}  // namespace gc::cpu

#pragma GCC pop_options

namespace gc::cpu {
const KernelTable& avx2_kernels() { return kAvx2Table; }
}  // namespace gc::cpu
