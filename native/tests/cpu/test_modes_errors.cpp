// Every check of "Checks for the new modes" (docs/SEMANTICS.md): gc_cpu_set_units, gc_cpu_set_samples
// and the ops of BLOCK_RMS, AGC and PER_SAMPLE_*, each failing with GC_E_INVALID, a message, and
// nothing written; a run without the attachment fails the same way.
#include "modes_reference.hpp"

namespace {

gc_result poisoned_result() {
  gc_result r;
  std::memset(&r, 0xa5, sizeof r);
  return r;
}

void expect_invalid(int rc, const std::string& what) {
  t::expect(rc == GC_E_INVALID, "%s: returned %d, want GC_E_INVALID", what.c_str(), rc);
  t::expect(std::strlen(gc_cpu_last_error()) > 0, "%s: no message", what.c_str());
}

struct Fixture {
  std::vector<t::Tensor> grads{t::Tensor(GC_DTYPE_F32, 12), t::Tensor(GC_DTYPE_BF16, 0), t::Tensor(GC_DTYPE_F64, 6)};
  std::vector<t::Tensor> params{t::Tensor(GC_DTYPE_F16, 12), t::Tensor(GC_DTYPE_F32, 0), t::Tensor(GC_DTYPE_F32, 6)};
  std::vector<t::Tensor> outputs{t::Tensor(GC_DTYPE_F32, 4), t::Tensor(GC_DTYPE_F64, 0), t::Tensor(GC_DTYPE_BF16, 2)};
  std::vector<t::Tensor> original, original_outputs;

  Fixture() {
    t::Rng rng(1);
    for (auto& x : grads) t::fill_random(x, rng, 100.0);  // far above every threshold below
    for (auto& x : params) t::fill_random(x, rng, 1.0);
    for (auto& x : outputs) t::fill_random(x, rng, 1.0);
    original = grads;
    original_outputs = outputs;
  }
  std::vector<gc_units> units() {
    return {gc_units{params[0].data(), 3, GC_UNITS_ROWS, params[0].dtype}, gc_units{nullptr, 4, GC_UNITS_COLUMNS, params[1].dtype},
            gc_units{params[2].data(), 1, GC_UNITS_WHOLE, params[2].dtype}};
  }
  void expect_untouched(const std::string& what) {
    t::compare(grads, original, what + ": gradients");
    t::compare(outputs, original_outputs, what + ": outputs");
  }
};

// A run that must fail: nothing written to the result, the norms, the tensors or the outputs.
void run_fails(Fixture& f, gc_cpu_pool* pool, gc_cpu_set* set, const gc_op& op, const std::string& what) {
  gc_result r = poisoned_result();
  const gc_result poison = poisoned_result();
  double norms[16];
  for (double& x : norms) x = -7.0;
  expect_invalid(gc_cpu_run(pool, set, &op, norms, &r), what);
  t::expect(std::memcmp(&r, &poison, sizeof r) == 0, "%s: result written", what.c_str());
  for (double x : norms) t::expect(x == -7.0, "%s: tensor_norms written", what.c_str());
  f.expect_untouched(what);
}

void check_set_units() {
  Fixture f;
  t::Set set(f.grads, 0);
  expect_invalid(gc_cpu_set_units(nullptr, f.units().data(), 3), "set_units(set NULL)");
  expect_invalid(gc_cpu_set_units(set.s, nullptr, 3), "set_units(units NULL)");
  expect_invalid(gc_cpu_set_units(set.s, f.units().data(), 2), "set_units(n = 2 of 3)");
  struct Case {
    const char* what;
    size_t index;
    void (*edit)(gc_units&);
  };
  const Case cases[] = {
      {"layout -1", 0, [](gc_units& u) { u.layout = -1; }},
      {"layout 3", 0, [](gc_units& u) { u.layout = 3; }},
      {"params dtype 4", 2, [](gc_units& u) { u.params_dtype = 4; }},
      {"params dtype -1", 0, [](gc_units& u) { u.params_dtype = -1; }},
      {"params NULL", 0, [](gc_units& u) { u.params = nullptr; }},
      {"params misaligned", 2, [](gc_units& u) { u.params = static_cast<const char*>(u.params) + 2; }},
      {"WHOLE with 2 units", 2, [](gc_units& u) { u.units = 2; }},
      {"WHOLE with 0 units", 2, [](gc_units& u) { u.units = 0; }},
      {"ROWS with 0 units", 0, [](gc_units& u) { u.units = 0; }},
      {"COLUMNS with -3 units", 1, [](gc_units& u) { u.units = -3; }},
      {"ROWS with 5 units of 12", 0, [](gc_units& u) { u.units = 5; }},
      {"COLUMNS with 7 units of 12", 0, [](gc_units& u) { u.layout = GC_UNITS_COLUMNS, u.units = 7; }},
  };
  for (const Case& c : cases) {
    std::vector<gc_units> units = f.units();
    c.edit(units[c.index]);
    expect_invalid(gc_cpu_set_units(set.s, units.data(), 3), std::string("set_units: ") + c.what);
  }
  t::Pool pool(2);
  const gc_op agc = t::agc_op(GC_NONFINITE_ERROR, 0.01, 1e-3);
  run_fails(f, pool.p, set.s, agc, "AGC before any successful set_units");
  t::expect(std::strstr(gc_cpu_last_error(), "gc_cpu_set_units") != nullptr, "message '%s' does not name gc_cpu_set_units",
            gc_cpu_last_error());
  // Valid: an empty tensor's params may be NULL and its units anything >= 1; fields AGC does not use.
  t::require(gc_cpu_set_units(set.s, f.units().data(), 3), "set_units(valid)");
  gc_op loose = agc;
  loose.rule = 9;
  loose.norm_type = NAN;
  loose.divisor = -1.0;
  loose.noise_multiplier = NAN;
  gc_result r;
  t::expect(gc_cpu_run(pool.p, set.s, &loose, nullptr, &r) == GC_OK, "AGC with unused fields set failed: %s", gc_cpu_last_error());
}

void check_set_samples() {
  Fixture f;
  t::Set set(f.grads, 0);
  auto outs = t::views(f.outputs);
  expect_invalid(gc_cpu_set_samples(nullptr, 3, outs.data(), 3), "set_samples(set NULL)");
  expect_invalid(gc_cpu_set_samples(set.s, 3, nullptr, 3), "set_samples(outputs NULL)");
  expect_invalid(gc_cpu_set_samples(set.s, 3, outs.data(), 4), "set_samples(n = 4 of 3)");
  expect_invalid(gc_cpu_set_samples(set.s, 0, outs.data(), 3), "set_samples(batch 0)");
  expect_invalid(gc_cpu_set_samples(set.s, -3, outs.data(), 3), "set_samples(batch -3)");
  expect_invalid(gc_cpu_set_samples(set.s, 4, outs.data(), 3), "set_samples(batch 4 does not divide 6)");
  expect_invalid(gc_cpu_set_samples(set.s, 2, outs.data(), 3), "set_samples(batch 2: outputs sized for 3)");
  struct Case {
    const char* what;
    size_t index;
    void (*edit)(gc_tensor&);
  };
  const Case cases[] = {
      {"output count 5", 0, [](gc_tensor& o) { o.count = 5; }},
      {"output count -1", 1, [](gc_tensor& o) { o.count = -1; }},
      {"output dtype 7", 2, [](gc_tensor& o) { o.dtype = 7; }},
      {"output reserved 1", 0, [](gc_tensor& o) { o.reserved = 1; }},
      {"output data NULL", 2, [](gc_tensor& o) { o.data = nullptr; }},
      {"output misaligned", 0, [](gc_tensor& o) { o.data = static_cast<char*>(o.data) + 1; }},
  };
  for (const Case& c : cases) {
    auto edited = outs;
    c.edit(edited[c.index]);
    expect_invalid(gc_cpu_set_samples(set.s, 3, edited.data(), 3), std::string("set_samples: ") + c.what);
  }
  t::Pool pool(2);
  for (int mode : {GC_MODE_PER_SAMPLE_FLAT, GC_MODE_PER_SAMPLE_LAYER}) {
    run_fails(f, pool.p, set.s, t::sample_op(mode, GC_NONFINITE_ERROR, GC_RULE_TORCH, 1.0, 1.0, 3.0, 1),
              std::string(t::mode_name(mode)) + " before any successful set_samples");
    t::expect(std::strstr(gc_cpu_last_error(), "gc_cpu_set_samples") != nullptr, "message '%s' does not name gc_cpu_set_samples",
              gc_cpu_last_error());
  }
  t::require(gc_cpu_set_samples(set.s, 3, outs.data(), 3), "set_samples(valid)");
  gc_op loose = t::sample_op(GC_MODE_PER_SAMPLE_FLAT, GC_NONFINITE_ERROR, GC_RULE_TORCH, 1e9, 0.0, 3.0, 1);
  loose.norm_type = -1.0;
  loose.eps = NAN;
  gc_result r;
  t::expect(gc_cpu_run(pool.p, set.s, &loose, nullptr, &r) == GC_OK, "per-sample with unused fields set failed: %s",
            gc_cpu_last_error());
}

void check_ops() {
  Fixture f;
  t::Set set(f.grads, 0);
  t::require(gc_cpu_set_units(set.s, f.units().data(), 3), "set_units");
  auto outs = t::views(f.outputs);
  t::require(gc_cpu_set_samples(set.s, 3, outs.data(), 3), "set_samples");
  t::Pool pool(2);
  const auto with = [](gc_op op, void (*edit)(gc_op&)) {
    edit(op);
    return op;
  };
  const gc_op agc = t::agc_op(GC_NONFINITE_ERROR, 0.01, 1e-3);
  const gc_op rms = t::make_op(GC_MODE_BLOCK_RMS, GC_NONFINITE_ERROR, GC_RULE_TORCH, 2.0, 0.01);
  const gc_op flat = t::sample_op(GC_MODE_PER_SAMPLE_FLAT, GC_NONFINITE_ERROR, GC_RULE_TORCH, 0.01, 1.0, 3.0, 5);
  const gc_op layer = t::sample_op(GC_MODE_PER_SAMPLE_LAYER, GC_NONFINITE_PROPAGATE, GC_RULE_EXACT, 0.01, 0.0, 1.0, 5);
  struct Case {
    const char* what;
    gc_op op;
  };
  const Case cases[] = {
      {"AGC threshold NaN", with(agc, [](gc_op& o) { o.threshold = NAN; })},
      {"AGC threshold inf", with(agc, [](gc_op& o) { o.threshold = INFINITY; })},
      {"AGC threshold -1", with(agc, [](gc_op& o) { o.threshold = -1.0; })},
      {"AGC eps 0", with(agc, [](gc_op& o) { o.eps = 0.0; })},
      {"AGC eps -1e-3", with(agc, [](gc_op& o) { o.eps = -1e-3; })},
      {"AGC eps NaN", with(agc, [](gc_op& o) { o.eps = NAN; })},
      {"AGC eps inf", with(agc, [](gc_op& o) { o.eps = INFINITY; })},
      {"AGC policy 3", with(agc, [](gc_op& o) { o.nonfinite = 3; })},
      {"AGC reserved 1", with(agc, [](gc_op& o) { o.reserved = 1; })},
      {"BLOCK_RMS threshold -1", with(rms, [](gc_op& o) { o.threshold = -1.0; })},
      {"BLOCK_RMS threshold NaN", with(rms, [](gc_op& o) { o.threshold = NAN; })},
      {"BLOCK_RMS threshold inf", with(rms, [](gc_op& o) { o.threshold = INFINITY; })},
      {"BLOCK_RMS rule 2", with(rms, [](gc_op& o) { o.rule = 2; })},
      {"FLAT threshold NaN", with(flat, [](gc_op& o) { o.threshold = NAN; })},
      {"LAYER threshold -1", with(layer, [](gc_op& o) { o.threshold = -1.0; })},
      {"FLAT rule -1", with(flat, [](gc_op& o) { o.rule = -1; })},
      {"LAYER rule 2", with(layer, [](gc_op& o) { o.rule = 2; })},
      {"FLAT noise NaN", with(flat, [](gc_op& o) { o.noise_multiplier = NAN; })},
      {"LAYER noise -1", with(layer, [](gc_op& o) { o.noise_multiplier = -1.0; })},
      {"FLAT noise inf", with(flat, [](gc_op& o) { o.noise_multiplier = INFINITY; })},
      {"FLAT divisor 0", with(flat, [](gc_op& o) { o.divisor = 0.0; })},
      {"LAYER divisor -2", with(layer, [](gc_op& o) { o.divisor = -2.0; })},
      {"FLAT divisor NaN", with(flat, [](gc_op& o) { o.divisor = NAN; })},
      {"LAYER divisor inf", with(layer, [](gc_op& o) { o.divisor = INFINITY; })},
      {"mode 9", with(flat, [](gc_op& o) { o.mode = 9; })},
  };
  for (const Case& c : cases) run_fails(f, pool.p, set.s, c.op, c.what);
  // The valid ops do run (and write).
  for (const gc_op& op : {agc, rms, flat, layer}) {
    gc_result r;
    t::expect(gc_cpu_run(pool.p, set.s, &op, nullptr, &r) == GC_OK, "%s: %s", t::mode_name(op.mode), gc_cpu_last_error());
  }
}

}  // namespace

int main() {
  check_set_units();
  check_set_samples();
  check_ops();
  return t::finish("test_modes_errors");
}
