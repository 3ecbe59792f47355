#include "cpu/unit_table.hpp"

#include <algorithm>

#include "cpu/kernels.hpp"

namespace gc::cpu {
namespace {

// A column tile spans this many chunks' worth of elements: a column tile keeps its accumulators in L1
// and streams its rows once, so unlike a chunk it gains nothing from fitting L2, while every row block
// adds a partial per column (one per 128 elements at 2048 columns and the default chunk).
constexpr int64_t kChunksPerColumnTile = 4;
// Units added up by one reduction task: large enough that handing it out is noise.
constexpr int64_t kUnitsPerGroup = 4096;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

void add_contiguous(UnitTable& table, int64_t tensor, UnitSpan& span, int64_t chunk_elems) {
  const int64_t k = span.unit_elems;
  if (k <= chunk_elems) {
    span.parts = 1;
    span.unit_stride = 1;
    span.part_stride = 1;
    const int64_t per_task = std::max<int64_t>(1, chunk_elems / k);
    for (int64_t u = 0; u < span.units; u += per_task)
      table.tasks.push_back(UnitTask{tensor, u, std::min(span.units, u + per_task), 0, k, span.slot(u, 0)});
    return;
  }
  span.parts = ceil_div(k, chunk_elems);
  span.unit_stride = span.parts;
  span.part_stride = 1;
  for (int64_t u = 0; u < span.units; ++u)
    for (int64_t part = 0; part < span.parts; ++part)
      table.tasks.push_back(UnitTask{tensor, u, u + 1, part * chunk_elems, std::min(k, (part + 1) * chunk_elems), span.slot(u, part)});
}

void add_columns(UnitTable& table, int64_t tensor, UnitSpan& span, int64_t chunk_elems) {
  const int64_t rows = span.unit_elems;
  const int64_t width = std::min(span.units, kColumnBlock);
  const int64_t rows_per_tile = std::clamp<int64_t>(kChunksPerColumnTile * chunk_elems / width, 1, rows);
  span.parts = ceil_div(rows, rows_per_tile);
  span.part_rows = rows_per_tile;
  span.unit_stride = 1;
  span.part_stride = span.units;
  for (int64_t part = 0; part < span.parts; ++part) {
    const int64_t r0 = part * rows_per_tile;
    for (int64_t c0 = 0; c0 < span.units; c0 += kColumnBlock)
      table.tasks.push_back(UnitTask{tensor, r0, std::min(rows, r0 + rows_per_tile), c0, std::min(span.units, c0 + kColumnBlock),
                                     span.slot(c0, part)});
  }
}

}  // namespace

UnitTable build_unit_table(const std::vector<gc_tensor>& tensors, const std::vector<UnitShape>& shapes,
                           int64_t chunk_elems) {
  UnitTable table;
  table.spans.resize(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    UnitSpan& span = table.spans[i];
    span.layout = shapes[i].layout;
    span.units = shapes[i].units;
    span.first_unit = table.units;
    span.first_slot = table.slots;
    table.units += span.units;
    if (span.units == 0) continue;
    for (int64_t u = 0; u < span.units; u += kUnitsPerGroup)
      table.groups.push_back(UnitGroup{static_cast<int64_t>(i), u, std::min(span.units, u + kUnitsPerGroup)});
    span.unit_elems = tensors[i].count / span.units;
    if (span.unit_elems == 0) continue;  // no parts: every unit sums to 0
    const auto tensor = static_cast<int64_t>(i);
    if (span.layout == UnitLayout::kColumns) add_columns(table, tensor, span, chunk_elems);
    else add_contiguous(table, tensor, span, chunk_elems);
    table.slots += span.units * span.parts;
  }
  return table;
}

void UnitSums::resize(const UnitTable& table) {
  parts.assign(static_cast<size_t>(table.slots), 0.0);
  parts_nonfinite.assign(static_cast<size_t>(table.slots), 0);
  units.assign(static_cast<size_t>(table.units), 0.0);
  units_nonfinite.assign(static_cast<size_t>(table.units), 0);
}

void UnitSums::reduce(const UnitTable& table, const UnitGroup& group) {
  const UnitSpan& span = table.spans[group.tensor];
  for (int64_t u = group.first; u < group.end; ++u) {
    double s = 0.0;
    unsigned char nonfinite = 0;
    for (int64_t part = 0; part < span.parts; ++part) {
      const int64_t slot = span.slot(u, part);
      s += parts[slot];
      nonfinite |= parts_nonfinite[slot];
    }
    units[span.first_unit + u] = s;
    units_nonfinite[span.first_unit + u] = nonfinite;
  }
}

}  // namespace gc::cpu
