// Every argument check of the C ABI: the right status, a message, and nothing written anywhere.
#include <thread>

#include "support.hpp"

namespace {

// A result whose every byte is a pattern no run produces, to see that a failed call left it alone.
gc_result poisoned_result() {
  gc_result r;
  std::memset(&r, 0xa5, sizeof r);
  return r;
}

bool untouched(const gc_result& r) {
  const gc_result p = poisoned_result();
  return std::memcmp(&r, &p, sizeof r) == 0;
}

// Calls f(), which must fail with `code` and a non-empty message.
template <class F>
void expect_failure(int code, const char* what, const F& f) {
  const int rc = f();
  t::expect(rc == code, "%s: returned %d, want %d", what, rc, code);
  t::expect(std::strlen(gc_cpu_last_error()) > 0, "%s: no error message", what);
}

void check_versions_and_isa() {
  t::expect(gc_cpu_abi_version() == GC_ABI_VERSION, "abi version %d", gc_cpu_abi_version());
  t::expect(gc_cpu_last_error() != nullptr && gc_cpu_last_error()[0] == '\0', "last error not empty before any error");
  const int best = gc_cpu_isa_supported();
  t::expect(best >= GC_ISA_SCALAR && best <= GC_ISA_AVX512, "supported isa %d", best);
  t::expect(gc_cpu_isa() == best, "isa %d before any force, supported %d", gc_cpu_isa(), best);
  expect_failure(GC_E_INVALID, "force_isa(-1)", [] { return gc_cpu_force_isa(-1); });
  expect_failure(GC_E_INVALID, "force_isa(3)", [] { return gc_cpu_force_isa(3); });
  if (best < GC_ISA_AVX512)
    expect_failure(GC_E_UNSUPPORTED, "force_isa(above supported)", [&] { return gc_cpu_force_isa(best + 1); });
  t::expect(gc_cpu_isa() == best, "a failed force changed the isa to %d", gc_cpu_isa());
  t::expect(gc_cpu_force_isa(GC_ISA_SCALAR) == GC_OK && gc_cpu_isa() == GC_ISA_SCALAR, "force scalar");
  t::expect(gc_cpu_force_isa(best) == GC_OK && gc_cpu_isa() == best, "force back to best");
}

void check_pool() {
  gc_cpu_pool* const sentinel = reinterpret_cast<gc_cpu_pool*>(uintptr_t{0x1234});
  gc_cpu_pool* out = sentinel;
  expect_failure(GC_E_INVALID, "pool_create(out NULL)", [] { return gc_cpu_pool_create(2, nullptr); });
  expect_failure(GC_E_INVALID, "pool_create(-1)", [&] { return gc_cpu_pool_create(-1, &out); });
  expect_failure(GC_E_INVALID, "pool_create(1025)", [&] { return gc_cpu_pool_create(1025, &out); });
  t::expect(out == sentinel, "pool_create wrote *out on failure");
  t::expect(gc_cpu_pool_threads(nullptr) == 0, "pool_threads(NULL)");
  gc_cpu_pool_destroy(nullptr);

  t::require(gc_cpu_pool_create(3, &out), "pool_create(3)");
  t::expect(gc_cpu_pool_threads(out) == 3, "pool of 3 reports %d", gc_cpu_pool_threads(out));
  gc_cpu_pool_destroy(out);
  t::require(gc_cpu_pool_create(0, &out), "pool_create(0)");
  const unsigned hw = std::thread::hardware_concurrency();
  t::expect(gc_cpu_pool_threads(out) == static_cast<int>(hw == 0 ? 1 : hw), "pool of 0 reports %d threads, hardware %u",
            gc_cpu_pool_threads(out), hw);
  gc_cpu_pool_destroy(out);
}

void check_set_create() {
  std::vector<t::Tensor> ts{t::Tensor(GC_DTYPE_F32, 10), t::Tensor(GC_DTYPE_F16, 3)};
  gc_cpu_set* const sentinel = reinterpret_cast<gc_cpu_set*>(uintptr_t{0x5678});
  gc_cpu_set* out = sentinel;

  // Each case breaks one field of a valid array.
  struct Case {
    const char* what;
    void (*breaks)(gc_tensor&);
  };
  const Case cases[] = {
      {"unknown dtype", [](gc_tensor& x) { x.dtype = 4; }},
      {"negative dtype", [](gc_tensor& x) { x.dtype = -1; }},
      {"reserved != 0", [](gc_tensor& x) { x.reserved = 1; }},
      {"negative count", [](gc_tensor& x) { x.count = -1; }},
      {"NULL data with count > 0", [](gc_tensor& x) { x.data = nullptr; }},
      {"misaligned data", [](gc_tensor& x) { x.data = static_cast<char*>(x.data) + 2; }},
  };
  for (const Case& c : cases) {
    auto v = t::views(ts);
    c.breaks(v[0]);  // the fp32 tensor: 2 bytes off is misaligned
    expect_failure(GC_E_INVALID, c.what, [&] { return gc_cpu_set_create(v.data(), 2, 0, &out); });
  }
  auto v = t::views(ts);
  expect_failure(GC_E_INVALID, "set_create(tensors NULL)", [&] { return gc_cpu_set_create(nullptr, 2, 0, &out); });
  expect_failure(GC_E_INVALID, "set_create(n = 0)", [&] { return gc_cpu_set_create(v.data(), 0, 0, &out); });
  expect_failure(GC_E_INVALID, "set_create(n < 0)", [&] { return gc_cpu_set_create(v.data(), -3, 0, &out); });
  expect_failure(GC_E_INVALID, "set_create(chunk_elems < 0)", [&] { return gc_cpu_set_create(v.data(), 2, -1, &out); });
  expect_failure(GC_E_INVALID, "set_create(out NULL)", [&] { return gc_cpu_set_create(v.data(), 2, 0, nullptr); });
  t::expect(out == sentinel, "set_create wrote *out on failure");

  // Valid edge cases: NULL data for an empty tensor, and the chunk count.
  std::vector<t::Tensor> sizes{t::Tensor(GC_DTYPE_F32, 0), t::Tensor(GC_DTYPE_F32, 1), t::Tensor(GC_DTYPE_F64, 1000),
                               t::Tensor(GC_DTYPE_BF16, 1001), t::Tensor(GC_DTYPE_F16, 2500)};
  auto sv = t::views(sizes);
  t::expect(sv[0].data == nullptr, "empty tensor view has data");
  t::require(gc_cpu_set_create(sv.data(), 5, 1000, &out), "set_create with an empty tensor");
  t::expect(gc_cpu_set_chunks(out) == 0 + 1 + 1 + 2 + 3, "chunks %lld, want 7", (long long)gc_cpu_set_chunks(out));
  gc_cpu_set_destroy(out);
  std::vector<t::Tensor> big{t::Tensor(GC_DTYPE_F32, 2 * 65536 + 1)};
  auto bv = t::views(big);
  t::require(gc_cpu_set_create(bv.data(), 1, 0, &out), "set_create default chunks");
  t::expect(gc_cpu_set_chunks(out) == 3, "default chunk_elems: %lld chunks, want 3", (long long)gc_cpu_set_chunks(out));
  gc_cpu_set_destroy(out);
  t::expect(gc_cpu_set_chunks(nullptr) == 0, "set_chunks(NULL)");
  gc_cpu_set_destroy(nullptr);
}

void check_run() {
  t::Pool pool(2);
  std::vector<t::Tensor> ts{t::Tensor(GC_DTYPE_F32, 1000), t::Tensor(GC_DTYPE_BF16, 77)};
  t::Rng rng(7);
  for (auto& x : ts) t::fill_random(x, rng, 100.0);  // norms far above the thresholds below
  const std::vector<t::Tensor> original = ts;
  t::Set set(ts, 100);
  const gc_op good = t::make_op(GC_MODE_GLOBAL, GC_NONFINITE_ERROR, GC_RULE_TORCH, 2.0, 1.0);

  struct Case {
    const char* what;
    gc_op op;
  };
  const Case cases[] = {
      {"reserved != 0", gc_op{GC_MODE_GLOBAL, 0, 0, 1, 2.0, 1.0, 0.0, 0.0, 0.0, 0}},
      {"mode -1", gc_op{-1, 0, 0, 0, 2.0, 1.0, 0.0, 0.0, 0.0, 0}},
      {"mode 9", gc_op{9, 0, 0, 0, 2.0, 1.0, 0.0, 0.0, 0.0, 0}},
      {"nonfinite 3", gc_op{GC_MODE_GLOBAL, 3, 0, 0, 2.0, 1.0, 0.0, 0.0, 0.0, 0}},
      {"nonfinite -1", gc_op{GC_MODE_VALUE, -1, 0, 0, 2.0, 1.0, 0.0, 0.0, 0.0, 0}},
      {"rule 2 (GLOBAL)", gc_op{GC_MODE_GLOBAL, 0, 2, 0, 2.0, 1.0, 0.0, 0.0, 0.0, 0}},
      {"rule -1 (PER_TENSOR)", gc_op{GC_MODE_PER_TENSOR, 0, -1, 0, 2.0, 1.0, 0.0, 0.0, 0.0, 0}},
      {"norm_type 0 (NORM)", gc_op{GC_MODE_NORM, 0, 0, 0, 0.0, 1.0, 0.0, 0.0, 0.0, 0}},
      {"norm_type -2 (GLOBAL)", gc_op{GC_MODE_GLOBAL, 0, 0, 0, -2.0, 1.0, 0.0, 0.0, 0.0, 0}},
      {"norm_type NaN (PER_TENSOR)", gc_op{GC_MODE_PER_TENSOR, 0, 0, 0, NAN, 1.0, 0.0, 0.0, 0.0, 0}},
      {"norm_type -inf (NORM)", gc_op{GC_MODE_NORM, 0, 0, 0, -INFINITY, 1.0, 0.0, 0.0, 0.0, 0}},
      {"threshold NaN (GLOBAL)", gc_op{GC_MODE_GLOBAL, 0, 0, 0, 2.0, NAN, 0.0, 0.0, 0.0, 0}},
      {"threshold inf (PER_TENSOR)", gc_op{GC_MODE_PER_TENSOR, 0, 0, 0, 2.0, INFINITY, 0.0, 0.0, 0.0, 0}},
      {"threshold -1 (VALUE)", gc_op{GC_MODE_VALUE, 0, 0, 0, 2.0, -1.0, 0.0, 0.0, 0.0, 0}},
      {"threshold -0.5 (GLOBAL)", gc_op{GC_MODE_GLOBAL, 0, 0, 0, 2.0, -0.5, 0.0, 0.0, 0.0, 0}},
  };
  const auto run_fails = [&](const char* what, gc_cpu_pool* p, gc_cpu_set* s, const gc_op* op, bool with_result) {
    gc_result r = poisoned_result();
    double norms[2] = {-7.0, -7.0};
    expect_failure(GC_E_INVALID, what, [&] { return gc_cpu_run(p, s, op, norms, with_result ? &r : nullptr); });
    t::expect(untouched(r), "%s: result written", what);
    t::expect(norms[0] == -7.0 && norms[1] == -7.0, "%s: tensor_norms written", what);
    t::compare(ts, original, std::string(what) + ": data");
  };
  for (const Case& c : cases) run_fails(c.what, pool.p, set.s, &c.op, true);
  run_fails("pool NULL", nullptr, set.s, &good, true);
  run_fails("set NULL", pool.p, nullptr, &good, true);
  run_fails("op NULL", pool.p, set.s, nullptr, true);
  run_fails("result NULL", pool.p, set.s, &good, false);

  // Fields a mode does not use are not checked: they must not fail.
  gc_result r;
  const gc_op value_any_p = gc_op{GC_MODE_VALUE, GC_NONFINITE_ERROR, 9, 0, -1.0, 1e9, 0.0, 0.0, 0.0, 0};
  t::expect(gc_cpu_run(pool.p, set.s, &value_any_p, nullptr, &r) == GC_OK, "VALUE with unused rule/norm_type failed: %s",
            gc_cpu_last_error());
  const gc_op scale_nan = gc_op{GC_MODE_SCALE, GC_NONFINITE_ERROR, 9, 0, NAN, 1.0, 0.0, 0.0, 0.0, 0};
  t::expect(gc_cpu_run(pool.p, set.s, &scale_nan, nullptr, &r) == GC_OK, "SCALE by 1 with NaN norm_type failed");
  const gc_op norm_rule = gc_op{GC_MODE_NORM, GC_NONFINITE_ERROR, 9, 0, 2.0, NAN, 0.0, 0.0, 0.0, 0};
  t::expect(gc_cpu_run(pool.p, set.s, &norm_rule, nullptr, &r) == GC_OK, "NORM with unused rule/threshold failed");
  t::compare(ts, original, "valid calls that write nothing");
}

// The message is per thread: another thread's failure leaves this thread's message alone.
void check_thread_local_message() {
  gc_cpu_pool* out = nullptr;
  t::expect(gc_cpu_pool_create(-5, &out) == GC_E_INVALID, "pool_create(-5)");
  const std::string mine = gc_cpu_last_error();
  std::string theirs_before, theirs_after;
  std::thread other([&] {
    theirs_before = gc_cpu_last_error();
    gc_cpu_set* s = nullptr;
    (void)gc_cpu_set_create(nullptr, 1, 0, &s);
    theirs_after = gc_cpu_last_error();
  });
  other.join();
  t::expect(theirs_before.empty(), "a new thread starts with message '%s'", theirs_before.c_str());
  t::expect(!theirs_after.empty() && theirs_after != mine, "other thread's message '%s'", theirs_after.c_str());
  t::expect(mine == gc_cpu_last_error(), "this thread's message changed to '%s'", gc_cpu_last_error());
}

}  // namespace

int main() {
  check_versions_and_isa();
  check_pool();
  check_set_create();
  check_run();
  check_thread_local_message();
  return t::finish("test_api_errors");
}
