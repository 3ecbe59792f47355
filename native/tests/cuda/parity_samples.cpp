// Per-sample clipping parity (GC_MODE_PER_SAMPLE_FLAT / _LAYER, docs/SEMANTICS.md "Per-sample
// clipping"): inputs and outputs of every dtype, batch 1 and larger, empty tensors, samples of a prime
// number of elements, rows that share their 16-byte alignment and rows that do not, samples longer than a
// chunk, both rules, noise on and off, divisors, NaN and infinities under every policy.
//  - norms (B for FLAT, B * n for LAYER, nothing beyond) within kNormTolerance of the reference;
//  - result fields exactly as SEMANTICS.md derives them from the device's own norms;
//  - outputs bit for bit the reference's fma chain given those coefficients; with noise, within an ulp
//    of the output dtype (the device's log and cos may differ from the host's by a few ulps of fp64);
//  - inputs and every byte outside the outputs untouched, nothing written under ERROR/SKIP with a
//    non-finite input; results and outputs bit-identical when a run is repeated.
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

constexpr double kUntouched = -12345.0;

struct SampleCase {
  TestSet inputs;
  TestSet outputs;
  int64_t batch = 1;
};

std::string describe(const gc_op& op) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s rule=%s nonfinite=%s threshold=%g noise=%g divisor=%g seed=%" PRIu64,
                mode_name(op.mode), op.rule == GC_RULE_TORCH ? "torch" : "exact", policy_name(op.nonfinite),
                op.threshold, op.noise_multiplier, op.divisor, op.seed);
  return buf;
}

gc_op sample_op(int32_t mode, int32_t policy, int32_t rule, double threshold, double sigma, double divisor,
                uint64_t seed) {
  gc_op op = op_of(mode, policy, rule, 0.0, threshold);  // norm_type is ignored: 0 shows it
  op.noise_multiplier = sigma;
  op.divisor = divisor;
  op.seed = seed;
  return op;
}

std::vector<gc_op> all_sample_ops(int64_t batch) {
  std::vector<gc_op> ops;
  uint64_t seed = 1;
  for (int32_t mode : {GC_MODE_PER_SAMPLE_FLAT, GC_MODE_PER_SAMPLE_LAYER}) {
    for (int32_t policy : {GC_NONFINITE_ERROR, GC_NONFINITE_SKIP, GC_NONFINITE_PROPAGATE}) {
      for (int32_t rule : {GC_RULE_TORCH, GC_RULE_EXACT}) {
        for (double c : {0.0, 0.7, 1e9}) {
          for (double sigma : {0.0, 1.1}) {
            const double divisor = (seed % 3 == 0) ? 1.0 : (seed % 3 == 1 ? static_cast<double>(batch) : 3.7);
            ops.push_back(sample_op(mode, policy, rule, c, sigma, divisor, seed * 0x9E3779B97F4A7C15ull));
            ++seed;
          }
        }
      }
    }
  }
  std::shuffle(ops.begin(), ops.end(), std::mt19937_64(0x736d70));
  return ops;
}

// The input sums s_{b,i} of the reference.
std::vector<double> sample_sums(const SampleCase& c) {
  const TestSet& in = c.inputs;
  const size_t n = in.size();
  std::vector<double> sums(static_cast<size_t>(c.batch) * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const int64_t k = in.counts[i] / c.batch;
    for (int64_t b = 0; b < c.batch; ++b) {
      double s = 0.0;
      for (int64_t j = 0; j < k; ++j) {
        const double x = load(in.dtypes[i], in.host_tensor(in.original, i), b * k + j);
        s += x * x;
      }
      sums[static_cast<size_t>(b) * n + i] = s;
    }
  }
  return sums;
}

// The outputs SEMANTICS.md's step 3 gives for coefficients coefs[b * n + i].
std::vector<uint8_t> expected_outputs(const SampleCase& c, const gc_op& op, const std::vector<double>& coefs) {
  const TestSet& in = c.inputs;
  const TestSet& out = c.outputs;
  const size_t n = in.size();
  std::vector<uint8_t> image = out.original;
  for (size_t i = 0; i < n; ++i) {
    const int64_t k = out.counts[i];
    for (int64_t j = 0; j < k; ++j) {
      double a = 0.0;
      for (int64_t b = 0; b < c.batch; ++b) {
        a = std::fma(load(in.dtypes[i], in.host_tensor(in.original, i), b * k + j), coefs[static_cast<size_t>(b) * n + i],
                     a);
      }
      if (op.noise_multiplier > 0.0) a = std::fma(op.noise_multiplier * op.threshold, noise(op.seed, i, j), a);
      store(out.dtypes[i], out.host_tensor(image, i), j, a / op.divisor);
    }
  }
  return image;
}

void check_sample_run(const SampleCase& c, gc_cuda_set* set, const gc_op& op, Runner& runner, bool repeat) {
  const std::string ctx = c.inputs.label + " | " + describe(op);
  const size_t n = c.inputs.size();
  const int64_t batch = c.batch;
  const bool flat = op.mode == GC_MODE_PER_SAMPLE_FLAT;
  const size_t norm_count = flat ? static_cast<size_t>(batch) : static_cast<size_t>(batch) * n;
  std::vector<double> first_norms;
  gc_result first{};
  std::vector<uint8_t> first_outputs;
  for (int rep = 0; rep < (repeat ? 2 : 1); ++rep) {
    void* stream = (runner.runs++ % 2 == 0) ? runner.stream : nullptr;
    GC_EXPECT(upload(c.outputs, c.outputs.original), "%s: upload: %s", ctx.c_str(), gc_cuda_last_error());
    const int rc = gc_cuda_run(set, &op, stream);
    GC_EXPECT(rc == GC_OK, "%s: run: %d %s", ctx.c_str(), rc, gc_cuda_last_error());
    if (rc != GC_OK) return;
    std::vector<double> norms(static_cast<size_t>(batch) * n + n + 1, kUntouched);
    gc_result r{};
    GC_EXPECT(gc_cuda_result(set, stream, norms.data(), &r) == GC_OK, "%s: result: %s", ctx.c_str(),
              gc_cuda_last_error());
    std::vector<uint8_t> outputs;
    std::vector<uint8_t> inputs;
    GC_EXPECT(download(c.outputs, outputs) && download(c.inputs, inputs), "%s: download: %s", ctx.c_str(),
              gc_cuda_last_error());
    if (rep == 1) {
      GC_EXPECT(std::memcmp(&r, &first, sizeof r) == 0 && std::memcmp(norms.data(), first_norms.data(), norms.size() * sizeof(double)) == 0 &&
                    outputs == first_outputs,
                "%s: a repeated run differs (total %.17g vs %.17g)", ctx.c_str(), r.total_norm, first.total_norm);
      continue;
    }
    first = r;
    first_norms = norms;
    first_outputs = outputs;

    const bool nonfinite = any_nonfinite(c.inputs);
    const bool blocked = nonfinite && op.nonfinite != GC_NONFINITE_PROPAGATE;
    const std::vector<double> sums = sample_sums(c);
    for (size_t q = 0; q < norm_count; ++q) {
      double s = 0.0;
      if (flat) {
        for (size_t i = 0; i < n; ++i) s += sums[q * n + i];
      } else {
        s = sums[q];
      }
      GC_EXPECT(close(norms[q], std::sqrt(s), kNormTolerance), "%s: norm %zu is %.17g, reference %.17g", ctx.c_str(), q,
                norms[q], std::sqrt(s));
    }
    for (size_t q = norm_count; q < norms.size(); ++q) {
      GC_EXPECT(norms[q] == kUntouched, "%s: tensor_norms[%zu] written (%zu norms expected)", ctx.c_str(), q,
                norm_count);
    }
    // Everything else from the device's own norms.
    std::vector<double> coefs(static_cast<size_t>(batch) * n);
    double largest = 0.0;
    double smallest = INFINITY;
    int64_t clipped = 0;
    for (size_t q = 0; q < norm_count; ++q) {
      const double coef = gc::coefficient(op.rule, norms[q], op.threshold);
      largest = nan_max(largest, norms[q]);
      smallest = nan_min(smallest, coef);
      clipped += coef >= 1.0 ? 0 : 1;
      if (flat) {
        for (size_t i = 0; i < n; ++i) coefs[q * n + i] = coef;
      } else {
        coefs[q] = coef;
      }
    }
    GC_EXPECT(same(r.total_norm, largest), "%s: total_norm %.17g, want the largest norm %.17g", ctx.c_str(),
              r.total_norm, largest);
    GC_EXPECT(same(r.coefficient, smallest), "%s: coefficient %.17g, want %.17g", ctx.c_str(), r.coefficient, smallest);
    if (nonfinite && op.nonfinite != GC_NONFINITE_PROPAGATE) clipped = 0;  // nothing written, nothing clipped
    GC_EXPECT(r.clipped_count == clipped && r.clipped == (clipped > 0 ? 1 : 0),
              "%s: clipped %d count %" PRId64 ", want %" PRId64, ctx.c_str(), r.clipped, r.clipped_count, clipped);
    GC_EXPECT(r.nonfinite == (nonfinite ? 1 : 0), "%s: nonfinite %d, want %d", ctx.c_str(), r.nonfinite, nonfinite);
    gc_result on_device{};
    GC_EXPECT(gc_cuda_memcpy(&on_device, gc_cuda_device_result(set), sizeof on_device, GC_COPY_DEVICE_TO_HOST,
                             nullptr) == GC_OK &&
                  std::memcmp(&on_device, &r, sizeof r) == 0,
              "%s: gc_cuda_device_result differs from gc_cuda_result", ctx.c_str());

    GC_EXPECT(inputs == c.inputs.original, "%s: inputs were written", ctx.c_str());
    if (blocked) {
      compare_buffers(c.outputs, c.outputs.original, outputs, ctx);
    } else {
      const std::vector<uint8_t> want = expected_outputs(c, op, coefs);
      Match match;
      if (op.noise_multiplier > 0.0) {
        // |z| < 8.6 for 53-bit uniforms: a few ulps of fp64 in z move a by at most this much.
        match = Match{true, 1e-13, 8.6 * op.noise_multiplier * op.threshold * 1e-14 / op.divisor};
      }
      compare_buffers(c.outputs, want, outputs, ctx, match);
    }
  }
}

void run_sample_case(SampleCase& c, const std::vector<gc_op>& ops, Runner& runner) {
  std::printf("%-100s %zu ops\n", c.inputs.label.c_str(), ops.size());
  std::fflush(stdout);
  if (!allocate(c.inputs)) return;
  if (allocate(c.outputs)) {
    const std::vector<gc_tensor> tensors = device_tensors(c.inputs);
    gc_cuda_set* set = nullptr;
    const int rc = gc_cuda_set_create(tensors.data(), static_cast<int64_t>(tensors.size()), c.inputs.chunk_elems, &set);
    GC_EXPECT(rc == GC_OK, "%s: set_create: %s", c.inputs.label.c_str(), gc_cuda_last_error());
    if (rc == GC_OK) {
      const std::vector<gc_tensor> outputs = device_tensors(c.outputs);
      const int src = gc_cuda_set_samples(set, c.batch, outputs.data(), static_cast<int64_t>(outputs.size()));
      GC_EXPECT(src == GC_OK, "%s: set_samples: %s", c.inputs.label.c_str(), gc_cuda_last_error());
      for (size_t i = 0; src == GC_OK && i < ops.size(); ++i) check_sample_run(c, set, ops[i], runner, i % 5 == 0);
      GC_EXPECT(gc_cuda_set_destroy(set) == GC_OK, "%s: destroy: %s", c.inputs.label.c_str(), gc_cuda_last_error());
    }
    release(c.outputs);
  }
  release(c.inputs);
}

// Inputs of batch * k_i elements and outputs of k_i, each with its own dtypes.
SampleCase make_case(std::string label, int64_t chunk, int64_t batch, const std::vector<int32_t>& in_dtypes,
                     const std::vector<int32_t>& out_dtypes, const std::vector<int64_t>& ks, std::mt19937_64& rng) {
  SampleCase c;
  c.batch = batch;
  std::vector<int64_t> counts;
  for (int64_t k : ks) counts.push_back(k * batch);
  c.inputs = make_set(std::move(label), chunk, in_dtypes, counts, rng);
  c.outputs = make_set(c.inputs.label + " (outputs)", chunk, out_dtypes, ks, rng);
  return c;
}

SampleCase directed_case(int index, std::mt19937_64& rng) {
  const int32_t f32 = GC_DTYPE_F32, f64 = GC_DTYPE_F64, bf16 = GC_DTYPE_BF16, f16 = GC_DTYPE_F16;
  switch (index) {
    case 0:
      return make_case("per-sample batch 1, chunk 64", 64, 1, {f32, bf16}, {f32, f64}, {1000, 77}, rng);
    case 1:  // rows of 64 f32 and 8 f16 share their alignment; 13 bf16 and 4099 f32 do not; chunk 7
      return make_case("per-sample batch 4, primes, chunk 7", 7, 4, {f32, bf16, f16, f64, f32, f64},
                       {bf16, f32, f16, f32, f64, f16}, {64, 13, 8, 0, 4099, 3}, rng);
    case 2:
      return make_case("per-sample batch 16, bf16 in, f32 out, chunk 1000", 1000, 16, {bf16, bf16}, {f32, f32},
                       {5000, 1024}, rng);
    default: {
      SampleCase c = make_case("per-sample non-finite, batch 3, chunk 100", 100, 3, {f32, f16, f64}, {f32, f16, bf16},
                               {500, 100, 33}, rng);
      store(f32, c.inputs.host_tensor(c.inputs.original, 0), 500 + 99, NAN);            // sample 1
      store(f16, c.inputs.host_tensor(c.inputs.original, 1), 299, INFINITY);           // the last element
      store(f64, c.inputs.host_tensor(c.inputs.original, 2), 0, -INFINITY);            // the first
      return c;
    }
  }
}

SampleCase random_case(int index, std::mt19937_64& rng, int64_t size_divisor) {
  const int64_t chunk = pick(rng, std::vector<int64_t>{0, 0, 1, 7, 64, 255, 1000, 4096});
  const int64_t batch = pick(rng, std::vector<int64_t>{1, 2, 3, 4, 7, 16});
  const int64_t budget = (effective_chunk(chunk) < 64 ? 60000 : 1500000) / size_divisor;
  const int n = std::uniform_int_distribution<int>(1, 30)(rng);
  const bool mixed = std::uniform_int_distribution<int>(0, 9)(rng) < 4;
  const int32_t in_dtype = std::uniform_int_distribution<int32_t>(0, 3)(rng);
  const int32_t out_dtype = std::uniform_int_distribution<int32_t>(0, 3)(rng);
  const std::vector<int64_t> lengths = {0, 1, 2, 3, 4, 5, 7, 8, 16, 31, 33, 100, 1000, 4097};
  std::vector<int32_t> in_dtypes;
  std::vector<int32_t> out_dtypes;
  std::vector<int64_t> ks;
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    int64_t k = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? std::uniform_int_distribution<int64_t>(0, 3000)(rng)
                                                                    : pick(rng, lengths);
    if (total + k * batch > budget) k = 0;
    total += k * batch;
    ks.push_back(k);
    in_dtypes.push_back(mixed ? std::uniform_int_distribution<int32_t>(0, 3)(rng) : in_dtype);
    out_dtypes.push_back(mixed ? std::uniform_int_distribution<int32_t>(0, 3)(rng) : out_dtype);
  }
  char label[160];
  std::snprintf(label, sizeof label,
                "per-sample random #%d: %d tensors, batch %" PRId64 ", %s, chunk_elems %" PRId64 ", %" PRId64 " elements",
                index, n, batch, mixed ? "mixed dtypes" : dtype_name(in_dtype), chunk, total);
  SampleCase c = make_case(label, chunk, batch, in_dtypes, out_dtypes, ks, rng);
  if (std::uniform_int_distribution<int>(0, 9)(rng) < 3) {
    inject_nonfinite(c.inputs, rng);
    c.inputs.label += ", non-finite";
  }
  return c;
}

}  // namespace

void samples_parity(std::mt19937_64& rng, int random_sets, int64_t size_divisor, Runner& runner) {
  constexpr int kDirected = 4;
  size_t next = 0;
  for (int i = 0; i < kDirected + random_sets && failures() < 50; ++i) {
    SampleCase c = i < kDirected ? directed_case(i, rng) : random_case(i - kDirected, rng, size_divisor);
    const std::vector<gc_op> ops = all_sample_ops(c.batch);
    std::vector<gc_op> selected;
    if (i == 1 || i == 3) {
      selected = ops;  // every op where chunks, alignments and non-finite inputs are most varied
    } else {
      for (size_t k = 0; k < 10; ++k) selected.push_back(ops[(next + k) % ops.size()]);
      next += 7;
    }
    run_sample_case(c, selected, runner);
  }
}

// gc_cuda_set_samples' checks (SEMANTICS.md, "Checks for the new modes"), per-sample ops without samples
// and re-attaching.
void samples_argument_errors() {
  void* dev = nullptr;
  GC_EXPECT(gc_cuda_malloc(4096, &dev) == GC_OK, "malloc: %s", gc_cuda_last_error());
  GC_EXPECT(gc_cuda_memset(dev, 0, 4096) == GC_OK, "memset: %s", gc_cuda_last_error());
  char* base = static_cast<char*>(dev);
  // Two tensors of 16 f32 (batch 4: 4 elements a sample) and one empty.
  gc_tensor t[3] = {{base, 16, GC_DTYPE_F32, 0}, {base + 256, 16, GC_DTYPE_F32, 0}, {nullptr, 0, GC_DTYPE_F16, 0}};
  gc_cuda_set* set = nullptr;
  GC_EXPECT(gc_cuda_set_create(t, 3, 0, &set) == GC_OK, "set_create: %s", gc_cuda_last_error());
  if (set == nullptr) return;

  const gc_op flat = sample_op(GC_MODE_PER_SAMPLE_FLAT, GC_NONFINITE_ERROR, GC_RULE_TORCH, 1.0, 0.0, 1.0, 0);
  const gc_op layer = sample_op(GC_MODE_PER_SAMPLE_LAYER, GC_NONFINITE_ERROR, GC_RULE_EXACT, 1.0, 0.5, 4.0, 9);
  GC_EXPECT_STATUS(gc_cuda_run(set, &flat, nullptr), GC_E_INVALID, "needs samples: call gc_cuda_set_samples first");
  GC_EXPECT_STATUS(gc_cuda_run(set, &layer, nullptr), GC_E_INVALID, "needs samples");
  gc_op bad = flat;
  bad.divisor = 0.0;
  GC_EXPECT_STATUS(gc_cuda_run(set, &bad, nullptr), GC_E_INVALID, "divisor");
  bad = flat;
  bad.noise_multiplier = -1.0;
  GC_EXPECT_STATUS(gc_cuda_run(set, &bad, nullptr), GC_E_INVALID, "noise_multiplier");
  bad = layer;
  bad.rule = 5;
  GC_EXPECT_STATUS(gc_cuda_run(set, &bad, nullptr), GC_E_INVALID, "rule");

  const gc_tensor good[3] = {{base + 1024, 4, GC_DTYPE_F32, 0}, {base + 1280, 4, GC_DTYPE_BF16, 0},
                             {nullptr, 0, GC_DTYPE_F64, 0}};
  gc_tensor o[3] = {good[0], good[1], good[2]};
  GC_EXPECT_STATUS(gc_cuda_set_samples(nullptr, 4, o, 3), GC_E_INVALID, "set is NULL");
  GC_EXPECT_STATUS(gc_cuda_set_samples(set, 0, o, 3), GC_E_INVALID, "batch must be >= 1");
  GC_EXPECT_STATUS(gc_cuda_set_samples(set, 4, nullptr, 3), GC_E_INVALID, "outputs is NULL");
  GC_EXPECT_STATUS(gc_cuda_set_samples(set, 4, o, 2), GC_E_INVALID, "2 entries for a set of 3 tensors");
  GC_EXPECT_STATUS(gc_cuda_set_samples(set, 3, o, 3), GC_E_INVALID, "batch 3 does not divide 16");
  o[1].count = 5;
  GC_EXPECT_STATUS(gc_cuda_set_samples(set, 4, o, 3), GC_E_INVALID, "output 1: 5 elements, expected 4");
  o[1] = good[1];
  o[0].dtype = 8;
  GC_EXPECT_STATUS(gc_cuda_set_samples(set, 4, o, 3), GC_E_INVALID, "unknown dtype");
  o[0] = good[0];
  o[0].data = base + 1026;
  GC_EXPECT_STATUS(gc_cuda_set_samples(set, 4, o, 3), GC_E_INVALID, "not aligned");
  o[0] = good[0];
  float host[4] = {};
  o[0].data = host;
  GC_EXPECT_STATUS(gc_cuda_set_samples(set, 4, o, 3), GC_E_INVALID, "output 0: data");
  GC_EXPECT(std::strstr(gc_cuda_last_error(), "not device memory") != nullptr, "message: %s", gc_cuda_last_error());
  GC_EXPECT_STATUS(gc_cuda_run(set, &flat, nullptr), GC_E_INVALID, "needs samples");

  // Batch 4, then batch 2 (outputs of 8): the norms gc_cuda_result returns follow the attachment.
  gc_result r{};
  double norms[16];
  GC_EXPECT(gc_cuda_set_samples(set, 4, good, 3) == GC_OK, "set_samples: %s", gc_cuda_last_error());
  std::fill(norms, norms + 16, kUntouched);
  GC_EXPECT(gc_cuda_run(set, &layer, nullptr) == GC_OK && gc_cuda_result(set, nullptr, norms, &r) == GC_OK,
            "LAYER run: %s", gc_cuda_last_error());
  GC_EXPECT(norms[11] == 0.0 && norms[12] == kUntouched, "LAYER writes batch * n = 12 norms");
  const gc_tensor halves[3] = {{base + 1024, 8, GC_DTYPE_F32, 0}, {base + 1280, 8, GC_DTYPE_F16, 0},
                               {base, 0, GC_DTYPE_F64, 0}};
  GC_EXPECT(gc_cuda_set_samples(set, 2, halves, 3) == GC_OK, "set_samples again: %s", gc_cuda_last_error());
  GC_EXPECT_STATUS(gc_cuda_result(set, nullptr, norms, &r), GC_E_INVALID, "no successful gc_cuda_run");
  std::fill(norms, norms + 16, kUntouched);
  GC_EXPECT(gc_cuda_run(set, &flat, nullptr) == GC_OK && gc_cuda_result(set, nullptr, norms, &r) == GC_OK,
            "FLAT run: %s", gc_cuda_last_error());
  GC_EXPECT(norms[1] == 0.0 && norms[2] == kUntouched, "FLAT writes batch = 2 norms");
  GC_EXPECT(r.total_norm == 0.0 && r.coefficient == 1.0 && r.clipped_count == 0 && r.nonfinite == 0,
            "zeros: total %g coef %g", r.total_norm, r.coefficient);
  GC_EXPECT(gc_cuda_set_destroy(set) == GC_OK, "set_destroy: %s", gc_cuda_last_error());
  GC_EXPECT(gc_cuda_free(dev) == GC_OK, "free: %s", gc_cuda_last_error());
}

}  // namespace gctest
