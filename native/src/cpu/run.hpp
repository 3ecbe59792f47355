// One operation over a set (docs/SEMANTICS.md): the passes over the chunks, the reductions in fixed
// order, the coefficients and the result.
#pragma once
#include "cpu/pool.hpp"
#include "cpu/set.hpp"
#include "gradclip.h"

namespace gc::cpu {

// Arguments already checked by the caller (api.cpp), including that AGC and PER_SAMPLE_* have their
// attachment. Cannot fail; writes tensor_norms (when not NULL, counted as gc_cpu_run says) and *result
// at the end.
void run_op(Pool& pool, gc_cpu_set& set, const gc_op& op, double* tensor_norms, gc_result* result);

}  // namespace gc::cpu
