#include "cpu/dispatch.hpp"

#include <atomic>

#include "common/status.hpp"

namespace gc::cpu {
namespace {

int32_t detect_isa() {
  __builtin_cpu_init();
  // Each level needs every extension its translation unit is compiled for (the target pragmas of
  // kernels_avx2.cpp and kernels_avx512.cpp); libgcc also checks that the OS saves the wide registers.
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c") && __builtin_cpu_supports("popcnt");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f");
  if (avx512) return GC_ISA_AVX512;
  if (avx2) return GC_ISA_AVX2;
  return GC_ISA_SCALAR;
}

std::atomic<int32_t>& chosen_isa() {
  static std::atomic<int32_t> isa{supported_isa()};
  return isa;
}

const char* isa_name(int32_t isa) {
  switch (isa) {
    case GC_ISA_AVX512: return "avx512";
    case GC_ISA_AVX2: return "avx2";
    default: return "scalar";
  }
}

}  // namespace

int32_t supported_isa() {
  static const int32_t isa = detect_isa();
  return isa;
}

int32_t current_isa() { return chosen_isa().load(std::memory_order_acquire); }

int force_isa(int32_t isa) {
  if (isa < GC_ISA_SCALAR || isa > GC_ISA_AVX512) return fail(GC_E_INVALID, "unknown ISA level %d", isa);
  if (isa > supported_isa())
    return fail(GC_E_UNSUPPORTED, "ISA level %s is not supported by this CPU (best: %s)", isa_name(isa),
                isa_name(supported_isa()));
  chosen_isa().store(isa, std::memory_order_release);
  return GC_OK;
}

const KernelTable& kernels(int32_t isa) {
  switch (isa) {
    case GC_ISA_AVX512: return avx512_kernels();
    case GC_ISA_AVX2: return avx2_kernels();
    default: return scalar_kernels();
  }
}

}  // namespace gc::cpu
