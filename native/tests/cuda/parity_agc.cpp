// AGC parity (GC_MODE_AGC, docs/SEMANTICS.md "Unit-wise adaptive clipping"): gradients and parameters
// of every dtype, every layout with units = 1, units = count and shapes in between, empty tensors,
// units longer than a chunk (split over blocks), columns narrower and wider than a block, NaN and
// infinities in the gradients or in the parameters under every policy.
//  - tensor norms and the total within kNormTolerance of the reference, nonfinite exact;
//  - the coefficient (smallest coef_u) within 1e-10 relative, clipped_count exact: the device's unit
//    norms are not visible through the ABI, so the reference computes its own (in another order);
//  - written elements within one unit in the last place of their dtype (plus 1e-10 relative) of the
//    reference's, unwritten ones and every byte outside the tensors untouched, parameters never written;
//  - results, norms and written values bit-identical when a run is repeated.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "common/numeric.hpp"
#include "gradclip.h"
#include "host_reference.hpp"
#include "parity_support.hpp"

namespace gctest {
namespace {

// Relative slack of the coefficient and of written values: the reference's unit norms differ from the
// device's by the summation order only, a few ulps times log(K).
constexpr double kCoefTolerance = 1e-10;

struct Shape {
  int32_t layout;
  int64_t units;
};

struct AgcCase {
  TestSet grads;
  TestSet params;
  std::vector<Shape> shapes;
};

std::vector<gc_units> device_units(const AgcCase& c) {
  std::vector<gc_units> units(c.grads.size());
  for (size_t i = 0; i < units.size(); ++i) {
    units[i].params = c.params.counts[i] == 0 && i % 2 == 1 ? nullptr : c.params.device + c.params.offsets[i];
    units[i].units = c.shapes[i].units;
    units[i].layout = c.shapes[i].layout;
    units[i].params_dtype = c.params.dtypes[i];
  }
  return units;
}

const char* layout_name(int32_t layout) {
  return layout == GC_UNITS_WHOLE ? "whole" : (layout == GC_UNITS_ROWS ? "rows" : "columns");
}

std::string describe(const gc_op& op) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "AGC nonfinite=%s lambda=%g eps=%g", policy_name(op.nonfinite), op.threshold, op.eps);
  return buf;
}

gc_op agc_op(int32_t policy, double lambda, double eps) {
  // norm_type and rule are ignored by AGC: values no norm mode accepts show it.
  gc_op op = op_of(GC_MODE_AGC, policy, 7, -1.0, lambda);
  op.eps = eps;
  return op;
}

// What the reference expects of one run.
struct Expected {
  std::vector<double> tensor_norms;
  double total_norm = 0.0;
  double coefficient = INFINITY;
  int64_t clipped_count = 0;
  bool nonfinite = false;
  std::vector<uint8_t> grads;
};

Expected reference(const AgcCase& c, const gc_op& op) {
  const TestSet& g = c.grads;
  const TestSet& w = c.params;
  Expected e;
  e.nonfinite = any_nonfinite(g) || any_nonfinite(w);
  const bool blocked = e.nonfinite && op.nonfinite != GC_NONFINITE_PROPAGATE;
  e.grads = g.original;
  double total = 0.0;
  int64_t scaled = 0;
  for (size_t t = 0; t < g.size(); ++t) {
    const int64_t units = c.shapes[t].units;
    const int64_t k = g.counts[t] / units;
    const int32_t layout = c.shapes[t].layout;
    double tensor_sum = 0.0;
    for (int64_t u = 0; u < units; ++u) {
      double gs = 0.0;
      double ws = 0.0;
      for (int64_t r = 0; r < k; ++r) {
        const int64_t at = unit_element(layout, units, k, u, r);
        const double x = load(g.dtypes[t], g.host_tensor(g.original, t), at);
        const double y = load(w.dtypes[t], w.host_tensor(w.original, t), at);
        gs += x * x;
        ws += y * y;
      }
      tensor_sum += gs;
      if (k == 0) continue;  // the units of an empty tensor take no part (SEMANTICS.md)
      const double coef = agc_coefficient(std::sqrt(gs), std::sqrt(ws), op.threshold, op.eps);
      e.coefficient = nan_min(e.coefficient, coef);
      if (coef >= 1.0) continue;
      ++scaled;
      if (blocked) continue;
      uint8_t* p = g.host_tensor(e.grads, t);
      for (int64_t r = 0; r < k; ++r) {
        const int64_t at = unit_element(layout, units, k, u, r);
        const double x = load(g.dtypes[t], p, at);
        if (!std::isnan(x)) store(g.dtypes[t], p, at, x * coef);
      }
    }
    e.tensor_norms.push_back(std::sqrt(tensor_sum));
    total += tensor_sum;
  }
  e.total_norm = std::sqrt(total);
  e.clipped_count = blocked ? 0 : scaled;
  if (e.coefficient == INFINITY) e.coefficient = 1.0;  // no units with elements
  return e;
}

bool close_coefficient(double got, double want) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  return got == want || std::fabs(got - want) <= kCoefTolerance * std::fabs(want);
}

// One run, checked; `repeat` runs it a second time and wants the same bits.
void check_agc_run(const AgcCase& c, gc_cuda_set* set, const gc_op& op, Runner& runner, bool repeat) {
  const std::string ctx = c.grads.label + " | " + describe(op);
  const size_t n = c.grads.size();
  const Expected want = reference(c, op);
  std::vector<double> first_norms;
  gc_result first{};
  std::vector<uint8_t> first_image;
  for (int rep = 0; rep < (repeat ? 2 : 1); ++rep) {
    void* stream = (runner.runs++ % 2 == 0) ? runner.stream : nullptr;
    GC_EXPECT(upload(c.grads, c.grads.original), "%s: upload: %s", ctx.c_str(), gc_cuda_last_error());
    const int rc = gc_cuda_run(set, &op, stream);
    GC_EXPECT(rc == GC_OK, "%s: run: %d %s", ctx.c_str(), rc, gc_cuda_last_error());
    if (rc != GC_OK) return;
    std::vector<double> norms(n + 1, -12345.0);
    gc_result r{};
    GC_EXPECT(gc_cuda_result(set, stream, norms.data(), &r) == GC_OK, "%s: result: %s", ctx.c_str(),
              gc_cuda_last_error());
    std::vector<uint8_t> grads;
    std::vector<uint8_t> params;
    GC_EXPECT(download(c.grads, grads) && download(c.params, params), "%s: download: %s", ctx.c_str(),
              gc_cuda_last_error());
    if (rep == 1) {
      GC_EXPECT(std::memcmp(&r, &first, sizeof r) == 0 && std::memcmp(norms.data(), first_norms.data(), norms.size() * sizeof(double)) == 0 &&
                    grads == first_image,
                "%s: a repeated run differs (total %.17g vs %.17g)", ctx.c_str(), r.total_norm, first.total_norm);
      continue;
    }
    first = r;
    first_norms = norms;
    first_image = grads;

    for (size_t t = 0; t < n; ++t) {
      GC_EXPECT(close(norms[t], want.tensor_norms[t], kNormTolerance),
                "%s: tensor %zu (%s, %" PRId64 " elements, %" PRId64 " %s units) norm %.17g, reference %.17g",
                ctx.c_str(), t, dtype_name(c.grads.dtypes[t]), c.grads.counts[t], c.shapes[t].units,
                layout_name(c.shapes[t].layout), norms[t], want.tensor_norms[t]);
    }
    GC_EXPECT(norms[n] == -12345.0, "%s: more than n tensor norms written", ctx.c_str());
    GC_EXPECT(close(r.total_norm, want.total_norm, kNormTolerance), "%s: total norm %.17g, reference %.17g",
              ctx.c_str(), r.total_norm, want.total_norm);
    GC_EXPECT(r.nonfinite == (want.nonfinite ? 1 : 0), "%s: nonfinite %d, want %d", ctx.c_str(), r.nonfinite,
              want.nonfinite);
    GC_EXPECT(close_coefficient(r.coefficient, want.coefficient), "%s: coefficient %.17g, reference %.17g",
              ctx.c_str(), r.coefficient, want.coefficient);
    GC_EXPECT(r.clipped_count == want.clipped_count && r.clipped == (want.clipped_count > 0 ? 1 : 0),
              "%s: clipped %d count %" PRId64 ", want %" PRId64, ctx.c_str(), r.clipped, r.clipped_count,
              want.clipped_count);
    gc_result on_device{};
    GC_EXPECT(gc_cuda_memcpy(&on_device, gc_cuda_device_result(set), sizeof on_device, GC_COPY_DEVICE_TO_HOST,
                             nullptr) == GC_OK &&
                  std::memcmp(&on_device, &r, sizeof r) == 0,
              "%s: gc_cuda_device_result differs from gc_cuda_result", ctx.c_str());
    compare_buffers(c.grads, want.grads, grads, ctx, Match{true, kCoefTolerance, 0.0});
    GC_EXPECT(params == c.params.original, "%s: parameters were written", ctx.c_str());
  }
}

void run_agc_case(AgcCase& c, const std::vector<gc_op>& ops, Runner& runner) {
  std::printf("%-100s %zu ops\n", c.grads.label.c_str(), ops.size());
  std::fflush(stdout);
  if (!allocate(c.grads)) return;
  if (allocate(c.params)) {
    const std::vector<gc_tensor> tensors = device_tensors(c.grads);
    gc_cuda_set* set = nullptr;
    const int rc = gc_cuda_set_create(tensors.data(), static_cast<int64_t>(tensors.size()), c.grads.chunk_elems, &set);
    GC_EXPECT(rc == GC_OK, "%s: set_create: %s", c.grads.label.c_str(), gc_cuda_last_error());
    if (rc == GC_OK) {
      const std::vector<gc_units> units = device_units(c);
      const int urc = gc_cuda_set_units(set, units.data(), static_cast<int64_t>(units.size()));
      GC_EXPECT(urc == GC_OK, "%s: set_units: %s", c.grads.label.c_str(), gc_cuda_last_error());
      for (size_t i = 0; urc == GC_OK && i < ops.size(); ++i) check_agc_run(c, set, ops[i], runner, i % 4 == 0);
      GC_EXPECT(gc_cuda_set_destroy(set) == GC_OK, "%s: destroy: %s", c.grads.label.c_str(), gc_cuda_last_error());
    }
    release(c.params);
  }
  release(c.grads);
}

std::vector<gc_op> all_agc_ops() {
  std::vector<gc_op> ops;
  for (int32_t policy : {GC_NONFINITE_ERROR, GC_NONFINITE_SKIP, GC_NONFINITE_PROPAGATE}) {
    for (double lambda : {0.0, 0.3, 1.0, 3.0, 1e9}) {
      for (double eps : {1e-3, 0.5}) ops.push_back(agc_op(policy, lambda, eps));
    }
  }
  std::shuffle(ops.begin(), ops.end(), std::mt19937_64(0x616763));
  return ops;
}

// Parameters for c.grads: the same counts, their own dtypes (mixed or not) and fills.
void add_params(AgcCase& c, std::mt19937_64& rng, bool mixed) {
  const int32_t uniform_dtype = std::uniform_int_distribution<int32_t>(0, 3)(rng);
  std::vector<int32_t> dtypes;
  for (size_t i = 0; i < c.grads.size(); ++i) {
    dtypes.push_back(mixed ? std::uniform_int_distribution<int32_t>(0, 3)(rng) : uniform_dtype);
  }
  c.params = make_set(c.grads.label + " (params)", c.grads.chunk_elems, dtypes, c.grads.counts, rng);
}

AgcCase directed_case(int index, std::mt19937_64& rng) {
  AgcCase c;
  std::vector<int32_t> dtypes;
  std::vector<int64_t> counts;
  std::string label;
  int64_t chunk = 0;
  auto add = [&](int32_t dtype, int64_t count, int32_t layout, int64_t units) {
    dtypes.push_back(dtype);
    counts.push_back(count);
    c.shapes.push_back(Shape{layout, units});
  };
  switch (index) {
    case 0:  // every mapping of units onto threads, chunk 100 so that long units split
      label = "AGC layouts, chunk 100";
      chunk = 100;
      add(GC_DTYPE_F32, 64 * 9, GC_UNITS_ROWS, 64);             // 9 elements a unit: 2 lanes each
      add(GC_DTYPE_BF16, 5 * 5000, GC_UNITS_ROWS, 5);           // 50 blocks per unit
      add(GC_DTYPE_F16, 300 * 7, GC_UNITS_COLUMNS, 7);          // 36 threads share a column
      add(GC_DTYPE_F64, 7 * 300, GC_UNITS_COLUMNS, 300);        // two tiles of columns
      add(GC_DTYPE_F32, 0, GC_UNITS_ROWS, 3);                   // empty, 3 units
      add(GC_DTYPE_F32, 1000, GC_UNITS_COLUMNS, 1);             // one column: contiguous
      add(GC_DTYPE_BF16, 333, GC_UNITS_COLUMNS, 333);           // one row: every element a unit
      add(GC_DTYPE_F32, 333, GC_UNITS_ROWS, 333);               // every element a unit
      add(GC_DTYPE_F32, 1, GC_UNITS_WHOLE, 1);
      add(GC_DTYPE_F64, 2 * 3000, GC_UNITS_ROWS, 2);
      add(GC_DTYPE_F16, 0, GC_UNITS_WHOLE, 1);
      add(GC_DTYPE_F32, 17 * 33, GC_UNITS_COLUMNS, 33);
      break;
    case 1:  // one unit over 301 blocks
      label = "AGC whole f32 300007 elements, chunk 1000";
      chunk = 1000;
      add(GC_DTYPE_F32, 300007, GC_UNITS_WHOLE, 1);
      break;
    case 2:  // default chunks, model-like shapes
      label = "AGC model shapes, default chunk";
      add(GC_DTYPE_F32, 512 * 768, GC_UNITS_ROWS, 512);
      add(GC_DTYPE_F32, 3072, GC_UNITS_WHOLE, 1);
      add(GC_DTYPE_F32, 256 * 1024, GC_UNITS_COLUMNS, 1024);
      add(GC_DTYPE_F32, 50 * 4096, GC_UNITS_ROWS, 50);
      add(GC_DTYPE_F32, 16 * 3 * 3 * 24, GC_UNITS_COLUMNS, 24);  // HWIO conv
      break;
    default:  // non-finite values in the gradients of one tensor and in the parameters of another
      label = "AGC non-finite, chunk 64";
      chunk = 64;
      add(GC_DTYPE_F32, 40 * 100, GC_UNITS_ROWS, 40);
      add(GC_DTYPE_BF16, 100 * 40, GC_UNITS_COLUMNS, 40);
      add(GC_DTYPE_F16, 5000, GC_UNITS_WHOLE, 1);
      break;
  }
  c.grads = make_set(label, chunk, dtypes, counts, rng);
  add_params(c, rng, true);
  if (index == 3) {
    store(GC_DTYPE_F32, c.grads.host_tensor(c.grads.original, 0), 64 * 40 + 1, NAN);
    store(c.params.dtypes[1], c.params.host_tensor(c.params.original, 1), 64 * 3, INFINITY);
    store(c.params.dtypes[2], c.params.host_tensor(c.params.original, 2), 4999, -INFINITY);
  }
  return c;
}

AgcCase random_case(int index, std::mt19937_64& rng, int64_t size_divisor) {
  AgcCase c;
  const int64_t chunk = pick(rng, std::vector<int64_t>{0, 0, 1, 7, 64, 255, 1000, 4096, 65537});
  const int64_t budget = (effective_chunk(chunk) < 64 ? 60000 : 1500000) / size_divisor;
  const int n = std::uniform_int_distribution<int>(1, 40)(rng);
  const bool mixed = std::uniform_int_distribution<int>(0, 9)(rng) < 4;
  const int32_t uniform_dtype = std::uniform_int_distribution<int32_t>(0, 3)(rng);
  const std::vector<int64_t> lengths = {0, 1, 2, 3, 7, 9, 16, 31, 64, 100, 257, 768, 2049, 5000};
  const std::vector<int64_t> unit_counts = {1, 1, 2, 3, 5, 17, 64, 255, 256, 257, 300};
  std::vector<int32_t> dtypes;
  std::vector<int64_t> counts;
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    const int32_t layout = std::uniform_int_distribution<int32_t>(0, 2)(rng);
    int64_t units = layout == GC_UNITS_WHOLE ? 1 : pick(rng, unit_counts);
    int64_t count = pick(rng, lengths) * (layout == GC_UNITS_WHOLE ? pick(rng, unit_counts) : units);
    if (total + count > budget) count = 0;
    total += count;
    dtypes.push_back(mixed ? std::uniform_int_distribution<int32_t>(0, 3)(rng) : uniform_dtype);
    counts.push_back(count);
    c.shapes.push_back(Shape{layout, units});
  }
  char label[160];
  std::snprintf(label, sizeof label, "AGC random #%d: %d tensors, %s, chunk_elems %" PRId64 ", %" PRId64 " elements",
                index, n, mixed ? "mixed dtypes" : dtype_name(uniform_dtype), chunk, total);
  c.grads = make_set(label, chunk, dtypes, counts, rng);
  add_params(c, rng, std::uniform_int_distribution<int>(0, 1)(rng) == 1);
  const int where = std::uniform_int_distribution<int>(0, 9)(rng);
  if (where < 2) {
    inject_nonfinite(c.grads, rng);
    c.grads.label += ", non-finite gradients";
  } else if (where < 4) {
    inject_nonfinite(c.params, rng);
    c.grads.label += ", non-finite parameters";
  }
  return c;
}

}  // namespace

void agc_parity(std::mt19937_64& rng, int random_sets, int64_t size_divisor, Runner& runner) {
  const std::vector<gc_op> ops = all_agc_ops();
  constexpr int kDirected = 4;
  size_t next = 0;
  for (int i = 0; i < kDirected + random_sets && failures() < 50; ++i) {
    AgcCase c = i < kDirected ? directed_case(i, rng) : random_case(i - kDirected, rng, size_divisor);
    std::vector<gc_op> selected;
    if (i == 0 || i == 3) {
      selected = ops;  // every op on the layouts and on the non-finite case
    } else {
      for (size_t k = 0; k < 8; ++k) selected.push_back(ops[(next + k) % ops.size()]);
      next += 5;
    }
    run_agc_case(c, selected, runner);
  }
}

// gc_cuda_set_units' checks (SEMANTICS.md, "Checks for the new modes"), AGC without units, and
// re-attaching: a failed attach keeps the earlier units, a successful one replaces them.
void agc_argument_errors() {
  constexpr int64_t kCount = 16;
  void* dev = nullptr;
  GC_EXPECT(gc_cuda_malloc(4096, &dev) == GC_OK, "malloc: %s", gc_cuda_last_error());
  GC_EXPECT(gc_cuda_memset(dev, 0, 4096) == GC_OK, "memset: %s", gc_cuda_last_error());
  std::vector<float> ones(kCount, 1.0f);
  GC_EXPECT(gc_cuda_memcpy(dev, ones.data(), kCount * 4, GC_COPY_HOST_TO_DEVICE, nullptr) == GC_OK, "memcpy");
  GC_EXPECT(gc_cuda_memcpy(static_cast<char*>(dev) + 1024, ones.data(), kCount * 4, GC_COPY_HOST_TO_DEVICE, nullptr) ==
                GC_OK,
            "memcpy");
  char* params = static_cast<char*>(dev) + 1024;
  gc_tensor t[2] = {{dev, kCount, GC_DTYPE_F32, 0}, {static_cast<char*>(dev) + 256, 0, GC_DTYPE_F32, 0}};
  gc_cuda_set* set = nullptr;
  GC_EXPECT(gc_cuda_set_create(t, 2, 0, &set) == GC_OK, "set_create: %s", gc_cuda_last_error());
  if (set == nullptr) return;

  const gc_op agc = agc_op(GC_NONFINITE_ERROR, 0.5, 1e-3);
  GC_EXPECT_STATUS(gc_cuda_run(set, &agc, nullptr), GC_E_INVALID, "AGC needs units: call gc_cuda_set_units first");
  gc_op bad_eps = agc;
  bad_eps.eps = 0.0;
  GC_EXPECT_STATUS(gc_cuda_run(set, &bad_eps, nullptr), GC_E_INVALID, "eps");

  const gc_units good[2] = {{params, 4, GC_UNITS_ROWS, GC_DTYPE_F32}, {nullptr, 5, GC_UNITS_COLUMNS, GC_DTYPE_BF16}};
  gc_units u[2] = {good[0], good[1]};
  GC_EXPECT_STATUS(gc_cuda_set_units(nullptr, u, 2), GC_E_INVALID, "set is NULL");
  GC_EXPECT_STATUS(gc_cuda_set_units(set, nullptr, 2), GC_E_INVALID, "units is NULL");
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 1), GC_E_INVALID, "1 entries for a set of 2 tensors");
  u[0].params_dtype = 7;
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 2), GC_E_INVALID, "units 0: unknown params dtype");
  u[0] = good[0];
  u[0].layout = 3;
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 2), GC_E_INVALID, "units 0: unknown layout");
  u[0] = good[0];
  u[0].params = nullptr;
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 2), GC_E_INVALID, "units 0: params is NULL");
  u[0] = good[0];
  u[0].params = params + 2;
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 2), GC_E_INVALID, "not aligned");
  u[0] = good[0];
  u[0].layout = GC_UNITS_WHOLE;
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 2), GC_E_INVALID, "a WHOLE tensor has 1 unit");
  u[0] = good[0];
  u[0].units = 0;
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 2), GC_E_INVALID, "units must be >= 1");
  u[0] = good[0];
  u[0].units = 5;
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 2), GC_E_INVALID, "do not divide");
  u[0] = good[0];
  u[1].units = 0;
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 2), GC_E_INVALID, "units 1: units must be >= 1");
  u[1] = good[1];
  std::vector<float> host(kCount, 1.0f);
  u[0].params = host.data();
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 2), GC_E_INVALID, "units 0: params");
  GC_EXPECT(std::strstr(gc_cuda_last_error(), "not device memory") != nullptr, "message: %s", gc_cuda_last_error());
  GC_EXPECT_STATUS(gc_cuda_run(set, &agc, nullptr), GC_E_INVALID, "AGC needs units");

  // Gradients and parameters all 1: ROWS of 4 have g = p = 2, so lambda 0.5 clips each of the 4 units
  // (coef 0.5); WHOLE has g = p = 4, one unit, coef 0.5.
  gc_result r{};
  GC_EXPECT(gc_cuda_set_units(set, good, 2) == GC_OK, "set_units: %s", gc_cuda_last_error());
  GC_EXPECT(gc_cuda_run(set, &agc, nullptr) == GC_OK && gc_cuda_result(set, nullptr, nullptr, &r) == GC_OK,
            "AGC run: %s", gc_cuda_last_error());
  GC_EXPECT(r.clipped_count == 4 && r.coefficient == 0.5 && r.total_norm == 4.0, "rows: count %" PRId64 " coef %g",
            r.clipped_count, r.coefficient);
  u[0] = good[0];
  u[0].units = 3;
  GC_EXPECT_STATUS(gc_cuda_set_units(set, u, 2), GC_E_INVALID, "do not divide");
  GC_EXPECT(gc_cuda_memcpy(dev, ones.data(), kCount * 4, GC_COPY_HOST_TO_DEVICE, nullptr) == GC_OK, "memcpy");
  GC_EXPECT(gc_cuda_run(set, &agc, nullptr) == GC_OK && gc_cuda_result(set, nullptr, nullptr, &r) == GC_OK,
            "AGC run after a failed attach: %s", gc_cuda_last_error());
  GC_EXPECT(r.clipped_count == 4, "a failed attach changed the units: count %" PRId64, r.clipped_count);
  u[0] = good[0];
  u[0].layout = GC_UNITS_WHOLE;
  u[0].units = 1;
  GC_EXPECT(gc_cuda_set_units(set, u, 2) == GC_OK, "set_units again: %s", gc_cuda_last_error());
  GC_EXPECT(gc_cuda_memcpy(dev, ones.data(), kCount * 4, GC_COPY_HOST_TO_DEVICE, nullptr) == GC_OK, "memcpy");
  GC_EXPECT(gc_cuda_run(set, &agc, nullptr) == GC_OK && gc_cuda_result(set, nullptr, nullptr, &r) == GC_OK,
            "AGC run after re-attaching: %s", gc_cuda_last_error());
  GC_EXPECT(r.clipped_count == 1 && r.coefficient == 0.5, "whole: count %" PRId64 " coef %g", r.clipped_count,
            r.coefficient);
  std::vector<float> back(kCount);
  GC_EXPECT(gc_cuda_memcpy(back.data(), dev, kCount * 4, GC_COPY_DEVICE_TO_HOST, nullptr) == GC_OK, "memcpy");
  GC_EXPECT(std::all_of(back.begin(), back.end(), [](float v) { return v == 0.5f; }), "gradients not halved");
  GC_EXPECT(gc_cuda_set_destroy(set) == GC_OK, "set_destroy: %s", gc_cuda_last_error());
  GC_EXPECT(gc_cuda_free(dev) == GC_OK, "free: %s", gc_cuda_last_error());
}

}  // namespace gctest
