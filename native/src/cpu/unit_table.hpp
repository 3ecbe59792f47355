// Units of tensors (AGC's output units, per-sample slices) and the fixed work that sums them: tasks
// that each write the partial sums of some units into their own slots, and groups that add a unit's
// partials in slot order. Built once when units or samples are attached; what a unit sums to depends
// on this table (so on chunk_elems) and never on threads.
#pragma once
#include <cstdint>
#include <vector>

#include "gradclip.h"

namespace gc::cpu {

// How the units of one tensor lie: CONTIGUOUS (unit u is elements [u*K, (u+1)*K): ROWS and WHOLE) or
// COLUMNS (unit u is elements r*units + u of a [K, units] row-major tensor).
enum class UnitLayout : int32_t { kContiguous, kColumns };

struct UnitShape {
  int64_t units;  // 0 leaves the tensor out of the table
  UnitLayout layout;
};

struct UnitSpan {
  UnitLayout layout = UnitLayout::kContiguous;
  int64_t units = 0;
  int64_t unit_elems = 0;  // K
  int64_t parts = 0;       // partial slots per unit (0 for an empty tensor: its units sum to 0)
  int64_t part_rows = 0;   // COLUMNS: rows per part (part p is rows [p*part_rows, (p+1)*part_rows))
  int64_t unit_stride = 0, part_stride = 0;
  int64_t first_slot = 0;
  int64_t first_unit = 0;  // index of unit 0 among all the table's units

  int64_t slot(int64_t unit, int64_t part) const { return first_slot + unit * unit_stride + part * part_stride; }
};

// CONTIGUOUS: units [first, end) of the tensor, elements [begin, end_elem) of each (a unit larger than a
// chunk is cut into pieces, one task each; smaller ones are grouped), unit first's partial at slot.
// COLUMNS: rows [first, end), columns [begin, end_elem), column begin's partial at slot.
struct UnitTask {
  int64_t tensor;
  int64_t first, end;
  int64_t begin, end_elem;
  int64_t slot;
};

// Units [first, end) of one tensor, whose partials one task adds up.
struct UnitGroup {
  int64_t tensor;
  int64_t first, end;
};

struct UnitTable {
  std::vector<UnitSpan> spans;  // per tensor
  std::vector<UnitTask> tasks;
  std::vector<UnitGroup> groups;
  int64_t slots = 0;
  int64_t units = 0;
};

// shapes: one per tensor; units divide the count (checked by the caller). chunk_elems >= 1.
// Throws std::bad_alloc.
UnitTable build_unit_table(const std::vector<gc_tensor>& tensors, const std::vector<UnitShape>& shapes,
                           int64_t chunk_elems);

// The partial sums of a table's slots and the unit sums made from them; sized once, reused by runs.
struct UnitSums {
  std::vector<double> parts;
  std::vector<unsigned char> parts_nonfinite;  // a NaN or an infinity among the piece's elements
  std::vector<double> units;
  std::vector<unsigned char> units_nonfinite;

  void resize(const UnitTable& table);
  // Unit sums of one group: its partials added in part order, starting from 0.
  void reduce(const UnitTable& table, const UnitGroup& group);
};

}  // namespace gc::cpu
