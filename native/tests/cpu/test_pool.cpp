// The thread pool under use: many back-to-back runs, several caller threads sharing one pool (their
// calls are serialised), pools of 1 to 1024 threads, sets below and above the threaded size.
#include <atomic>
#include <memory>
#include <thread>

#include "support.hpp"

namespace {

std::vector<t::Tensor> make_set(int64_t n, uint64_t seed) {
  t::Rng rng(seed);
  std::vector<t::Tensor> ts{t::Tensor(GC_DTYPE_F32, n), t::Tensor(GC_DTYPE_BF16, n / 3)};
  for (auto& x : ts) t::fill_random(x, rng, 1.0);
  return ts;
}

double norm_of(gc_cpu_pool* pool, gc_cpu_set* set) {
  const gc_op op = t::make_op(GC_MODE_NORM, GC_NONFINITE_ERROR, GC_RULE_TORCH, 2.0, 1.0);
  gc_result r;
  t::require(gc_cpu_run(pool, set, &op, nullptr, &r), "gc_cpu_run");
  return r.total_norm;
}

// Back-to-back runs on one pool alternate between a small (caller-only) and a large (threaded) set;
// with more threads than cores some workers join late or not at all.
void check_back_to_back(int threads) {
  t::Pool pool(threads);
  auto small = make_set(1000, 1);
  auto large = make_set(600000, 2);
  t::Set s(small, 0), l(large, 0);
  const double want_small = norm_of(pool.p, s.s), want_large = norm_of(pool.p, l.s);
  int wrong = 0;
  for (int i = 0; i < 300; ++i) {
    wrong += norm_of(pool.p, l.s) != want_large;
    wrong += norm_of(pool.p, s.s) != want_small;
  }
  t::expect(wrong == 0, "back to back, %d threads: %d runs gave another norm", threads, wrong);
}

// Four caller threads share one pool, each with its own set.
void check_shared_pool() {
  t::Pool pool(3);
  constexpr int kCallers = 4;
  constexpr int kRuns = 30;
  std::vector<std::vector<t::Tensor>> data;
  for (int c = 0; c < kCallers; ++c) data.push_back(make_set(300000 + 1000 * c, 10 + c));
  std::vector<std::unique_ptr<t::Set>> sets;
  std::vector<double> want;
  for (auto& d : data) {
    sets.push_back(std::make_unique<t::Set>(d, 0));
    want.push_back(norm_of(pool.p, sets.back()->s));
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c)
    callers.emplace_back([&, c] {
      for (int i = 0; i < kRuns; ++i)
        if (norm_of(pool.p, sets[c]->s) != want[c]) ++wrong;
    });
  for (auto& th : callers) th.join();
  t::expect(wrong.load() == 0, "shared pool: %d runs gave another norm", wrong.load());
}

// The thread counts at both ends of the range agree with each other.
void check_sizes() {
  auto data = make_set(400000, 5);
  std::vector<double> got;
  for (int threads : {1, 16, 1024}) {
    t::Pool pool(threads);
    t::expect(gc_cpu_pool_threads(pool.p) == threads, "pool of %d reports %d", threads, gc_cpu_pool_threads(pool.p));
    t::Set set(data, 1000);
    got.push_back(norm_of(pool.p, set.s));
  }
  t::expect(got[0] == got[1] && got[0] == got[2], "1/16/1024 threads: %.17g %.17g %.17g", got[0], got[1], got[2]);
}

}  // namespace

int main() {
  check_back_to_back(2);
  check_back_to_back(7);
  check_shared_pool();
  check_sizes();
  return t::finish("test_pool");
}
