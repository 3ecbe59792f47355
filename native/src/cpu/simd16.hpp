// Sixteen elements of any storage type as two ymm registers of eight floats: the unit the AVX2 and
// AVX-512 kernels load into and store from. Every storage type is exact in fp32, so loading loses
// nothing; a store rounds fp64 -> float first, as docs/SEMANTICS.md says, then to the storage type.
// Lane order follows lane_element (kernels.hpp): bf16 comes as even elements, then odd ones.
//
// Included like kernel_loops.hpp, after the including file's target pragma (AVX2 and F16C at least),
// into an unnamed namespace for the same reason: each ISA file gets its own copy.

namespace gc::cpu {
namespace {

struct Simd16 {
  static void load(const float* p, __m256& a, __m256& b) {
    a = _mm256_loadu_ps(p);
    b = _mm256_loadu_ps(p + 8);
  }
  static void load(const F16* p, __m256& a, __m256& b) {
    a = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    b = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)));
  }
  // A bf16 is the top half of a float: the even elements need a shift, the odd ones a mask.
  static void load(const Bf16* p, __m256& a, __m256& b) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    a = _mm256_castsi256_ps(_mm256_slli_epi32(x, 16));
    b = _mm256_castsi256_ps(_mm256_and_si256(x, _mm256_set1_epi32(static_cast<int>(0xffff0000u))));
  }

  static void store(float* p, __m256 a, __m256 b) {
    _mm256_storeu_ps(p, a);
    _mm256_storeu_ps(p + 8, b);
  }
  // VCVTPS2PH with round-to-nearest-even matches float_to_f16, NaN payloads and subnormals included.
  static void store(F16* p, __m256 a, __m256 b) {
    constexpr int kRne = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(a, kRne));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + 8), _mm256_cvtps_ph(b, kRne));
  }
  static void store(Bf16* p, __m256 a, __m256 b) {
    const __m256i even = _mm256_srli_epi32(bf16_high(a), 16);
    const __m256i odd = _mm256_and_si256(bf16_high(b), _mm256_set1_epi32(static_cast<int>(0xffff0000u)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm256_or_si256(even, odd));
  }

 private:
  // numeric.hpp's float_to_bf16 on 8 lanes, the result left in the top half of each lane (the bottom
  // half is garbage; callers shift or mask it away). Not VCVTNEPS2BF16: it flushes subnormals to zero.
  static __m256i bf16_high(__m256 f) {
    const __m256i u = _mm256_castps_si256(f);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    const __m256i rounded = _mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7fff), lsb));
    const __m256i quiet = _mm256_or_si256(u, _mm256_set1_epi32(0x00400000));
    const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(f, f, _CMP_UNORD_Q));
    return _mm256_blendv_epi8(rounded, quiet, nan);
  }
};

}  // namespace
}  // namespace gc::cpu
