// Argument checks every exported entry point runs before touching data (docs/SEMANTICS.md).
#pragma once
#include <cstdint>

#include "gradclip.h"

namespace gc {

int dtype_bytes(int32_t dtype);  // 0 for an unknown dtype
int validate_tensors(const gc_tensor* tensors, int64_t n);
// Checks what an op says on its own; whether the set has units or samples attached is the backend's check.
int validate_op(const gc_op* op);
// gc_*_set_units: units (n_units entries) against the set's tensors (n entries).
int validate_units(const gc_tensor* tensors, int64_t n, const gc_units* units, int64_t n_units);
// gc_*_set_samples: batch and outputs (n_outputs entries) against the set's tensors (n entries).
int validate_samples(const gc_tensor* tensors, int64_t n, int64_t batch, const gc_tensor* outputs, int64_t n_outputs);

}  // namespace gc
