// Unit-wise adaptive clipping (GC_MODE_AGC, docs/SEMANTICS.md): the attached units and parameters,
// their tables, and the run.
#pragma once
#include <cstdint>
#include <vector>

#include "cpu/pool.hpp"
#include "cpu/unit_table.hpp"
#include "gradclip.h"

struct gc_cpu_set;

namespace gc::cpu {

struct AgcPlan {
  bool attached = false;
  std::vector<gc_units> units;  // as attached, one per tensor
  UnitTable table;              // leaves out empty tensors: their units are all alike (norms 0)
  UnitSums grads, params;
  std::vector<double> coefs;    // per unit of the table
  // The tasks of a fused (PROPAGATE) run: the table's CONTIGUOUS tasks, and for each COLUMNS tensor
  // tiles of whole columns (rows [0, K), columns [begin, end_elem), column begin's part 0 at slot),
  // each summed part by part into the table's slots and then scaled while it is still in L2.
  std::vector<UnitTask> fused_tasks;
  bool has_unfusable = false;   // a task whose units cannot be scaled in the pass that sums them
};

// units: already checked against the set (validate_units). Replaces an earlier attachment only once
// the new one is built. Throws std::bad_alloc.
void attach_units(gc_cpu_set& set, const gc_units* units);

// The op is AGC and units are attached (checked by the caller).
void run_agc(Pool& pool, gc_cpu_set& set, const gc_op& op, double* tensor_norms, gc_result* result);

}  // namespace gc::cpu
