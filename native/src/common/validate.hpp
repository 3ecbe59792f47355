// Argument checks every exported entry point runs before touching data (docs/SEMANTICS.md).
#pragma once
#include <cstdint>

#include "gradclip.h"

namespace gc {

int dtype_bytes(int32_t dtype);  // 0 for an unknown dtype
int validate_tensors(const gc_tensor* tensors, int64_t n);
int validate_op(const gc_op* op);

}  // namespace gc
