// gc_cuda_set_units and gc_cuda_set_samples: checks, device tables, and the swap that replaces an
// earlier attachment only once the new one is complete.
#pragma once
#include <cstdint>

#include "gradclip.h"
#include "set.hpp"

namespace gc::cuda {

int attach_units(gc_cuda_set* set, const gc_units* units, int64_t n);             // units.cpp
int attach_samples(gc_cuda_set* set, int64_t batch, const gc_tensor* outputs, int64_t n);  // samples.cpp

}  // namespace gc::cuda
