// One operation over a set (docs/SEMANTICS.md): the passes over the chunks, the reductions in fixed
// order, the coefficients and the result.
#pragma once
#include "cpu/pool.hpp"
#include "cpu/set.hpp"
#include "gradclip.h"

namespace gc::cpu {

// Arguments already checked by the caller (api.cpp). Cannot fail; writes tensor_norms (when not NULL,
// for NORM, GLOBAL, PER_TENSOR) and *result at the end.
void run_op(Pool& pool, gc_cpu_set& set, const gc_op& op, double* tensor_norms, gc_result* result);

}  // namespace gc::cpu
