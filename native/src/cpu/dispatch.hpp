// Run-time choice of the kernel table: the best ISA level the CPU supports, unless a test forced one.
#pragma once
#include <cstdint>

#include "cpu/kernels.hpp"

namespace gc::cpu {

int32_t supported_isa();               // GC_ISA_*: the best level this CPU and OS can run
int32_t current_isa();                 // GC_ISA_*: the level the kernels use now
int force_isa(int32_t isa);            // GC_OK, or GC_E_INVALID / GC_E_UNSUPPORTED with a message
const KernelTable& kernels(int32_t isa);  // the table of a level this CPU supports

}  // namespace gc::cpu
