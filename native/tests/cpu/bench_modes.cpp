// Not a test: times BLOCK_RMS, AGC and the per-sample modes on a GPT-2 124M-like fp32 set against the
// machine's read bandwidth (gc_cpu_probe_read), on a pool of all hardware threads.
// Usage: bench_modes [repeats [section]], section: all (the default), agc, value (VALUE against an
// in-place scale of the same data) or sample.
#include <algorithm>
#include <chrono>
#include <functional>

#include "modes_reference.hpp"

namespace {

struct Shape {
  int64_t rows, cols;  // PyTorch [out, in]; a bias or gain has rows = 1... stored as cols = count, rows = 1
  bool matrix;
};

// wte, wpe, 12 blocks of (ln_1 g/b, c_attn W/b, c_proj W/b, ln_2 g/b, c_fc W/b, mlp c_proj W/b), ln_f g/b.
std::vector<Shape> gpt2_shapes(int layers, bool embeddings) {
  std::vector<Shape> s;
  if (embeddings) {
    s.push_back({50257, 768, true});
    s.push_back({1024, 768, true});
  }
  for (int l = 0; l < layers; ++l) {
    s.push_back({1, 768, false});
    s.push_back({1, 768, false});
    s.push_back({2304, 768, true});
    s.push_back({1, 2304, false});
    s.push_back({768, 768, true});
    s.push_back({1, 768, false});
    s.push_back({1, 768, false});
    s.push_back({1, 768, false});
    s.push_back({3072, 768, true});
    s.push_back({1, 3072, false});
    s.push_back({768, 3072, true});
    s.push_back({1, 768, false});
  }
  s.push_back({1, 768, false});
  s.push_back({1, 768, false});
  return s;
}

std::vector<t::Tensor> make_tensors(const std::vector<Shape>& shapes, int64_t batch, t::Rng& rng, double scale) {
  std::vector<t::Tensor> ts;
  for (const Shape& s : shapes) {
    ts.emplace_back(GC_DTYPE_F32, s.rows * s.cols * batch);
    auto* p = static_cast<float*>(ts.back().data());
    for (int64_t i = 0; i < ts.back().count; ++i) p[i] = static_cast<float>(rng.normal() * scale);
  }
  return ts;
}

int64_t bytes_of(const std::vector<t::Tensor>& ts) {
  int64_t b = 0;
  for (const auto& x : ts) b += x.count * t::dtype_size(x.dtype);
  return b;
}

// Median milliseconds of `repeats` calls of run(), each after reset() (not timed).
double time_ms(int repeats, const std::function<void()>& reset, const std::function<void()>& run) {
  std::vector<double> ms;
  reset();
  run();  // warm-up: pages touched, workers awake
  for (int r = 0; r < repeats; ++r) {
    reset();
    const auto t0 = std::chrono::steady_clock::now();
    run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void report(const char* what, double ms, double bytes, double read_gbs) {
  const double gbs = bytes / ms / 1e6;
  std::printf("%-44s %8.2f ms  %7.1f GB/s  %5.0f%% of read\n", what, ms, gbs, 100.0 * gbs / read_gbs);
}

int64_t changed_elements(const std::vector<t::Tensor>& a, const std::vector<t::Tensor>& b) {
  int64_t n = 0;
  for (size_t k = 0; k < a.size(); ++k)
    for (int64_t i = 0; i < a[k].count; ++i) n += a[k].raw(i) != b[k].raw(i);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::string section = argc > 2 ? argv[2] : "all";
  const auto wanted = [&](const char* s) { return section == "all" || section == s; };
  t::Pool pool(0);
  std::printf("threads %d, isa %d\n", gc_cpu_pool_threads(pool.p), gc_cpu_isa());
  t::Rng rng(1);
  const std::vector<Shape> shapes = gpt2_shapes(12, true);
  const std::vector<t::Tensor> grads0 = make_tensors(shapes, 1, rng, 1e-3);
  std::vector<t::Tensor> grads = grads0;
  std::vector<t::Tensor> params = make_tensors(shapes, 1, rng, 0.02);
  const double nbytes = static_cast<double>(bytes_of(grads));
  std::printf("set: %zu tensors, %.1f M elements\n", grads.size(), nbytes / 4e6);

  // Read floor: one buffer of the same size as the gradients.
  std::vector<uint64_t> flat(static_cast<size_t>(nbytes / 8), 1);
  uint64_t sink = 0;
  const double read_ms = time_ms(repeats, [] {}, [&] { t::require(gc_cpu_probe_read(pool.p, flat.data(), static_cast<int64_t>(nbytes), &sink), "probe"); });
  const double read_gbs = nbytes / read_ms / 1e6;
  report("probe_read (floor)", read_ms, nbytes, read_gbs);
  flat = {};

  t::Set set(grads, 0);
  const auto reset = [&] {
    for (size_t k = 0; k < grads.size(); ++k) grads[k].words = grads0[k].words;
  };
  const auto run = [&](const gc_op& op) {
    gc_result r;
    t::require(gc_cpu_run(pool.p, set.s, &op, nullptr, &r), "run");
  };
  // All tensors clipped: every element read once and written once.
  if (section == "all") {
    const gc_op per_tensor = t::make_op(GC_MODE_PER_TENSOR, GC_NONFINITE_ERROR, GC_RULE_TORCH, 2.0, 1e-3);
    report("PER_TENSOR p=2 (all written; baseline)", time_ms(repeats, reset, [&] { run(per_tensor); }), 2 * nbytes, read_gbs);
    const gc_op rms = t::make_op(GC_MODE_BLOCK_RMS, GC_NONFINITE_ERROR, GC_RULE_TORCH, 2.0, 1e-4);
    report("BLOCK_RMS (all written)", time_ms(repeats, reset, [&] { run(rms); }), 2 * nbytes, read_gbs);
  }
  if (wanted("value")) {
    // VALUE against the one read+write pass it needs at least: SCALE (every element multiplied in
    // place, no norms). Thresholds so that ~0%, ~1% and ~30% of the elements (N(0, 1e-3)) clip.
    const gc_op scale = t::make_op(GC_MODE_SCALE, GC_NONFINITE_ERROR, GC_RULE_TORCH, 2.0, 0.5);
    report("SCALE (all written; VALUE's floor)", time_ms(repeats, reset, [&] { run(scale); }), 2 * nbytes, read_gbs);
    for (double v : {1.0, 2.576e-3, 1.036e-3}) {
      const gc_op value = t::make_op(GC_MODE_VALUE, GC_NONFINITE_ERROR, GC_RULE_TORCH, 2.0, v);
      reset();
      run(value);
      const double changed = static_cast<double>(changed_elements(grads, grads0));
      const std::string what = t::format("VALUE v=%g (%.1f%% clipped)", v, 100.0 * changed * 4.0 / nbytes);
      report(what.c_str(), time_ms(repeats, reset, [&] { run(value); }), 2 * nbytes, read_gbs);
    }
  }

  // AGC, PyTorch layout (ROWS: [out, in], units = out; biases and gains WHOLE) and Optax layout
  // (COLUMNS: the transposed [in, out], units = out), lambda so that about half the units clip.
  for (int layout : {GC_UNITS_ROWS, GC_UNITS_COLUMNS}) {
    if (!wanted("agc")) break;
    std::vector<gc_units> units;
    for (size_t k = 0; k < shapes.size(); ++k) {
      const Shape& s = shapes[k];
      units.push_back(s.matrix ? gc_units{params[k].data(), s.rows, layout, GC_DTYPE_F32}
                               : gc_units{params[k].data(), 1, GC_UNITS_WHOLE, GC_DTYPE_F32});
    }
    t::require(gc_cpu_set_units(set.s, units.data(), static_cast<int64_t>(units.size())), "set_units");
    for (int policy : {GC_NONFINITE_PROPAGATE, GC_NONFINITE_ERROR, -1, -2}) {
      // policy -1 / -2: lambda so large that nothing clips, the norms pass alone (ERROR's, PROPAGATE's)
      const gc_op agc = policy < 0 ? t::agc_op(policy == -1 ? GC_NONFINITE_ERROR : GC_NONFINITE_PROPAGATE, 1e9, 1e-3)
                                   : t::agc_op(policy, 0.05, 1e-3);
      reset();
      run(agc);
      const double written = static_cast<double>(changed_elements(grads, grads0)) * 4.0;
      const double ms = time_ms(repeats, reset, [&] { run(agc); });
      const std::string what = t::format("AGC %s %s (%.0f%% written)", layout == GC_UNITS_ROWS ? "ROWS" : "COLUMNS",
                                         policy == GC_NONFINITE_PROPAGATE ? "PROPAGATE" : policy == -1 ? "norms only" : policy == -2 ? "PROPAGATE norms only" : "ERROR", 100.0 * written / nbytes);
      report(what.c_str(), ms, 2 * nbytes + written, read_gbs);
    }
  }
  grads = {};
  params = {};
  if (!wanted("sample")) return 0;

  // Per-sample: batch 4 of 4 transformer blocks (about 28M elements per sample).
  const int64_t batch = 4;
  const std::vector<Shape> sample_shapes = gpt2_shapes(4, false);
  std::vector<t::Tensor> inputs = make_tensors(sample_shapes, batch, rng, 1e-3);
  std::vector<t::Tensor> outputs = make_tensors(sample_shapes, 1, rng, 0.0);
  const double in_bytes = static_cast<double>(bytes_of(inputs)), out_bytes = static_cast<double>(bytes_of(outputs));
  std::printf("per-sample: batch %lld, %.1f M elements per sample\n", (long long)batch, out_bytes / 4e6);
  t::Set sample_set(inputs, 0);
  const auto outs = t::views(outputs);
  t::require(gc_cpu_set_samples(sample_set.s, batch, outs.data(), static_cast<int64_t>(outs.size())), "set_samples");
  for (int mode : {GC_MODE_PER_SAMPLE_FLAT, GC_MODE_PER_SAMPLE_LAYER})
    for (double sigma : {0.0, 1.0}) {
      const gc_op op = t::sample_op(mode, GC_NONFINITE_ERROR, GC_RULE_TORCH, 0.5, sigma, 4.0, 7);
      const double ms = time_ms(repeats, [] {}, [&] {
        gc_result r;
        t::require(gc_cpu_run(pool.p, sample_set.s, &op, nullptr, &r), "run");
      });
      const std::string what = t::format("%s noise %s", t::mode_name(mode), sigma > 0 ? "on" : "off");
      report(what.c_str(), ms, in_bytes + out_bytes, read_gbs);
    }
  return 0;
}
