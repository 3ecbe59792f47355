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
#include "cpu/scalar_lanes.hpp"

namespace gc::cpu {
namespace {

struct Scalar : ScalarLanes {
  static constexpr int kWidth = 1;
  // std::fma is a library call without FMA hardware: used only where it changes the result.
  static constexpr bool kFma = false;

  static Reg zero() { return 0.0; }
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

  static Reg fma(Reg a, Reg b, Reg c) { return std::fma(a, b, c); }
  static Reg abs(Reg a) { return std::fabs(a); }
  // As MINPD / MAXPD: b when the compare is false, which includes NaN and equal operands.
  static Reg min(Reg a, Reg b) { return a < b ? a : b; }
  static Reg max(Reg a, Reg b) { return a > b ? a : b; }
  static Reg max_bits(Reg a, Reg b) { return as_bits(b) > as_bits(a) ? b : a; }
  static uint32_t gt_mask(Reg a, Reg b) { return a > b ? 1u : 0u; }
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
