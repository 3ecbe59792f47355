// The portable kernels: plain C++ for any CPU, one lane per "register". The SIMD levels match them bit
// for bit.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "common/modes_math.hpp"
#include "common/numeric.hpp"
#include "cpu/kernels.hpp"

namespace gc::cpu {
namespace {

struct Scalar {
  using Reg = double;
  static constexpr int kWidth = 1;
  // std::fma is a library call without FMA hardware: used only where it changes the result.
  static constexpr bool kFma = false;

  static Reg zero() { return 0.0; }
  static Reg broadcast(double c) { return c; }
  static Reg loadu(const double* p) { return *p; }
  static void storeu(double* p, Reg r) { *p = r; }

  static void load16(const double* p, Reg* out) { std::memcpy(out, p, 16 * sizeof(double)); }
  static void load16(const float* p, Reg* out) {
    for (int j = 0; j < 16; ++j) out[j] = p[j];
  }
  static void load16(const Bf16* p, Reg* out) {
    for (int j = 0; j < 16; ++j) out[j] = bf16_to_float(p[lane_element<Bf16>(j)].bits);
  }
  static void load16(const F16* p, Reg* out) {
    for (int j = 0; j < 16; ++j) out[j] = f16_to_float(p[j].bits);
  }
  static void store16(double* p, const Reg* in) { std::memcpy(p, in, 16 * sizeof(double)); }
  static void store16(float* p, const Reg* in) {
    for (int j = 0; j < 16; ++j) p[j] = static_cast<float>(in[j]);
  }
  static void store16(Bf16* p, const Reg* in) {
    for (int j = 0; j < 16; ++j) p[lane_element<Bf16>(j)].bits = float_to_bf16(static_cast<float>(in[j]));
  }
  static void store16(F16* p, const Reg* in) {
    for (int j = 0; j < 16; ++j) p[j].bits = float_to_f16(static_cast<float>(in[j]));
  }

  static Reg add(Reg a, Reg b) { return a + b; }
  static Reg mul(Reg a, Reg b) { return a * b; }
  static Reg div(Reg a, Reg b) { return a / b; }
  static Reg fma(Reg a, Reg b, Reg c) { return std::fma(a, b, c); }
  static Reg abs(Reg a) { return std::fabs(a); }
  // As MINPD / MAXPD: b when the compare is false, which includes NaN and equal operands.
  static Reg min(Reg a, Reg b) { return a < b ? a : b; }
  static Reg max(Reg a, Reg b) { return a > b ? a : b; }
  static Reg max_bits(Reg a, Reg b) { return bits(b) > bits(a) ? b : a; }
  static uint32_t gt_mask(Reg a, Reg b) { return a > b ? 1u : 0u; }
  static Reg sub(Reg a, Reg b) { return a - b; }
  static Reg sqrt(Reg a) { return std::sqrt(a); }

  // 64-bit integer lanes, for the noise generator (noise_loops.hpp).
  using IReg = uint64_t;
  static IReg ibroadcast(uint64_t c) { return c; }
  static IReg iloadu(const uint64_t* p) { return *p; }
  static IReg iadd(IReg a, IReg b) { return a + b; }
  static IReg isub(IReg a, IReg b) { return a - b; }
  static IReg iand(IReg a, IReg b) { return a & b; }
  static IReg ior(IReg a, IReg b) { return a | b; }
  static IReg ixor(IReg a, IReg b) { return a ^ b; }
  template <int N>
  static IReg isrl(IReg a) { return a >> N; }
  template <int N>
  static IReg isll(IReg a) { return a << N; }
  static IReg imul(IReg a, uint64_t c) { return a * c; }
  static Reg as_double(IReg a) {
    double d;
    std::memcpy(&d, &a, sizeof d);
    return d;
  }
  static IReg as_bits(Reg a) { return bits(a); }
  static Reg to_double(IReg a) { return static_cast<double>(a); }

 private:
  static uint64_t bits(double d) {
    uint64_t u;
    std::memcpy(&u, &d, sizeof u);
    return u;
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
constexpr KernelTable kScalarTable = make_table<Scalar>();
}  // namespace

const KernelTable& scalar_kernels() { return kScalarTable; }

}  // namespace gc::cpu
