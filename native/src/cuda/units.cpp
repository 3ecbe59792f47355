// gc_cuda_set_units: AGC's device tables. Each tensor's units get one of three mappings onto threads
// (device_types.hpp, AgcKind), cut into segments of about chunk_elems elements so that a huge unit
// spreads over many blocks and many tiny units share one; every segment fills one slot per unit it
// covers, and the unit launch adds a unit's slots in segment order.
#include <cuda_runtime_api.h>

#include <vector>

#include "arena.hpp"
#include "attach.hpp"
#include "common/status.hpp"
#include "common/validate.hpp"
#include "errors.hpp"
#include "tuning.hpp"

namespace gc::cuda {
namespace {

// Contiguous units longer than this get whole blocks (kAgcSplit): at 8+ elements per thread a block
// reduction pays for itself, and a warp would need 64+ loads per lane.
constexpr int64_t kSplitMin = static_cast<int64_t>(kBlockSize) * 8;

struct AgcTables {
  std::vector<AgcTensor> tensors;
  std::vector<AgcSegment> segments;
  std::vector<UnitGroup> groups;
  int64_t slots = 0;
  int64_t units = 0;
};

// Threads per contiguous unit of K elements: about 8 elements each, a power of two so that the lanes
// of a unit are a butterfly group of their warp, at most a warp.
int32_t lanes_for(int64_t k) {
  int32_t lanes = 1;
  while (lanes < kWarpSize && static_cast<int64_t>(lanes) * 8 < k) lanes *= 2;
  return lanes;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

void plan_tensor(int64_t t, int64_t count, const gc_units& u, int64_t chunk, AgcTables& out) {
  AgcTensor a{};
  a.params = u.params;
  a.units = u.units;
  a.unit_len = count / u.units;
  a.params_dtype = u.params_dtype;
  a.first_unit = out.units;
  a.first_slot = out.slots;
  a.first_group = static_cast<int64_t>(out.groups.size());
  const int64_t units = a.units;
  const int64_t k = a.unit_len;
  // A column of a one-column tensor, or a one-row column tensor, is contiguous: the rows mappings take it.
  const bool columns = u.layout == GC_UNITS_COLUMNS && units > 1 && k > 1;
  if (count == 0) {
    a.kind = kAgcRows;
    a.lanes = 1;
    a.slots_per_unit = 0;
  } else if (columns) {
    a.kind = kAgcColumns;
    a.columns = static_cast<int32_t>(min64(units, kBlockSize));
    a.row_groups = kBlockSize / a.columns;
    const int64_t rows = chunk / a.columns < 1 ? 1 : chunk / a.columns;
    a.slots_per_unit = ceil_div(k, rows);
    for (int64_t c0 = 0; c0 < units; c0 += a.columns) {
      for (int64_t s = 0; s < a.slots_per_unit; ++s) {
        out.segments.push_back(AgcSegment{t, c0, min64(a.columns, units - c0), s * rows, min64(rows, k - s * rows), s});
      }
    }
  } else if (k > kSplitMin || k > chunk) {
    a.kind = kAgcSplit;
    a.slots_per_unit = ceil_div(k, chunk);
    for (int64_t unit = 0; unit < units; ++unit) {
      for (int64_t s = 0; s < a.slots_per_unit; ++s) {
        out.segments.push_back(AgcSegment{t, unit, 1, s * chunk, min64(chunk, k - s * chunk), s});
      }
    }
  } else {
    a.kind = kAgcRows;
    a.lanes = lanes_for(k);
    a.slots_per_unit = 1;
    const int64_t rows = chunk / k;  // >= 1: k <= chunk here
    for (int64_t u0 = 0; u0 < units; u0 += rows) out.segments.push_back(AgcSegment{t, u0, min64(rows, units - u0), 0, k, 0});
  }
  for (int64_t u0 = 0; u0 < units; u0 += kBlockSize) {
    out.groups.push_back(UnitGroup{t, u0, min64(kBlockSize, units - u0)});
  }
  a.num_groups = static_cast<int64_t>(out.groups.size()) - a.first_group;
  out.slots += units * a.slots_per_unit;
  out.units += units;
  out.tensors.push_back(a);
}

}  // namespace

int attach_units(gc_cuda_set* set, const gc_units* units, int64_t n) {
  if (set == nullptr) return fail(GC_E_INVALID, "set is NULL");
  const auto num_tensors = static_cast<int64_t>(set->tensors.size());
  if (int rc = validate_units(set->tensors.data(), num_tensors, units, n)) return rc;
  std::vector<gc_tensor> params(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    params[static_cast<size_t>(i)] = gc_tensor{const_cast<void*>(units[i].params), set->tensors[static_cast<size_t>(i)].count,
                                               units[i].params_dtype, 0};
  }
  int device = 0;
  if (int rc = check(cudaGetDevice(&device), "cudaGetDevice")) return rc;
  if (device != set->device) {
    return fail(GC_E_INVALID, "the set was created on device %d, but the current device is %d", set->device, device);
  }
  if (int rc = check_device_pointers(params.data(), n, device, "units", "params")) return rc;

  AgcTables tables;
  for (int64_t i = 0; i < n; ++i) plan_tensor(i, set->tensors[static_cast<size_t>(i)].count, units[i], set->chunk_elems, tables);
  const auto num_segments = static_cast<int64_t>(tables.segments.size());
  const auto num_groups = static_cast<int64_t>(tables.groups.size());

  ArenaLayout layout;
  const size_t tensors_at = layout.add<AgcTensor>(n);
  const size_t segments_at = layout.add<AgcSegment>(num_segments);
  const size_t groups_at = layout.add<UnitGroup>(num_groups);
  const size_t slot_g_at = layout.add<double>(tables.slots);
  const size_t slot_w_at = layout.add<double>(tables.slots);
  const size_t slot_flags_at = layout.add<int32_t>(tables.slots);
  const size_t coefs_at = layout.add<double>(tables.units);
  const size_t group_sums_at = layout.add<double>(num_groups);
  const size_t group_mins_at = layout.add<double>(num_groups);
  const size_t group_counts_at = layout.add<long long>(num_groups);
  const size_t group_flags_at = layout.add<int32_t>(num_groups);
  void* arena = nullptr;
  if (int rc = create_arena(layout.bytes(),
                            {Upload::of(tensors_at, tables.tensors), Upload::of(segments_at, tables.segments),
                             Upload::of(groups_at, tables.groups)},
                            &arena)) {
    return rc;
  }

  AgcView v{};
  v.tensors = at<AgcTensor>(arena, tensors_at);
  v.segments = at<AgcSegment>(arena, segments_at);
  v.num_segments = num_segments;
  v.groups = at<UnitGroup>(arena, groups_at);
  v.num_groups = num_groups;
  v.slot_g = at<double>(arena, slot_g_at);
  v.slot_w = at<double>(arena, slot_w_at);
  v.slot_flags = at<int32_t>(arena, slot_flags_at);
  v.unit_coefs = at<double>(arena, coefs_at);
  v.group_sums = at<double>(arena, group_sums_at);
  v.group_mins = at<double>(arena, group_mins_at);
  v.group_counts = at<long long>(arena, group_counts_at);
  v.group_flags = at<int32_t>(arena, group_flags_at);

  void* old = set->units_arena;
  set->units_arena = arena;
  set->plan.view.agc = v;
  set->plan.agc_grid = grid_for(*set, num_segments);
  set->plan.agc_unit_grid = grid_for(*set, num_groups);
  return destroy_arena(old);  // after any run that may still read it
}

}  // namespace gc::cuda
