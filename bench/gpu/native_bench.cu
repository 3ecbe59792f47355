// gradclip_cuda_bench: throughput of libgradclip_cuda on real model shapes, against the device's own
// copy and read bandwidth.
//
//   gradclip_cuda_bench [results.csv]
//
// Sets: GPT-2 124M (148 tensors, fp32 and bf16), GPT-2 XL 1.5B (580 tensors, fp32), one flat tensor of
// 256 Mi fp32 elements, and 2000 tensors of 4096 fp32. Modes: NORM, GLOBAL that clips (threshold 1e-3,
// far below the data's norm), GLOBAL that does not (threshold 1e30), VALUE (clip at 0.5, about half
// of the elements change). Each timed run starts from freshly filled data and a flushed L2 (neither
// timed), is timed with CUDA events around gc_cuda_run alone, and the median of kReps runs after
// kWarmup untimed ones is reported. Bytes moved: one read when nothing is written; read + read + write
// for a clipping GLOBAL; read + write for VALUE. Each set's NORM result is checked against a separate
// reference kernel first, so a fast wrong kernel cannot look good.
//
// The modes of ABI v2 run on GPT-2 124M fp32 only: BLOCK_RMS that clips every tensor (read + read +
// write); AGC with fp32 parameters of the same shapes (units as PyTorch/HF lay them out: wte and wpe
// rows, Conv1D weights [in, out] columns, vectors whole), clipping every unit (grads + params read, every
// gradient written) or none (grads + params read); per-sample clipping, FLAT and LAYER, of a batch of
// 4 samples of a smaller GPT-2 (n_embd 256, 4 layers, 256 positions), with and without noise (inputs
// read twice, outputs written once). Their norms are checked against the reference kernel too.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gradclip.h"

namespace {

// 20 timed runs (the median of >= 20 is what the table reports) after 3 warm-ups that settle clocks
// and caches; with the largest set (GPT-2 XL, 6.2 GB) the whole program stays well under a minute.
constexpr int kWarmup = 3;
constexpr int kReps = 20;
constexpr int kThreads = 256;
constexpr size_t kTensorAlign = 256;  // byte alignment of each tensor in a set's buffer, as allocators give

#define CUDA_OK(call)                                                                                 \
  do {                                                                                                \
    cudaError_t e_ = (call);                                                                          \
    if (e_ != cudaSuccess) {                                                                          \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, cudaGetErrorName(e_), cudaGetErrorString(e_)); \
      std::exit(2);                                                                                   \
    }                                                                                                 \
  } while (0)

#define GC_OK_OR_DIE(call)                                                                     \
  do {                                                                                         \
    int rc_ = (call);                                                                          \
    if (rc_ != GC_OK) {                                                                        \
      std::fprintf(stderr, "%s:%d: %s: %d %s\n", __FILE__, __LINE__, #call, rc_, gc_cuda_last_error()); \
      std::exit(2);                                                                            \
    }                                                                                          \
  } while (0)

gc_op op_of(int32_t mode, double threshold) {
  gc_op op{};
  op.mode = mode;
  op.nonfinite = GC_NONFINITE_PROPAGATE;
  op.rule = GC_RULE_TORCH;
  op.norm_type = 2.0;
  op.threshold = threshold;
  op.eps = 1e-3;
  op.divisor = 1.0;
  return op;
}

// ---------------------------------------------------------------- device helpers of the benchmark

__device__ __forceinline__ float hash_uniform(uint64_t i, uint32_t seed) {
  uint64_t x = i * 0x9E3779B97F4A7C15ull + seed;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 29;
  return static_cast<float>(x >> 40) * (2.0f / 16777216.0f) - 1.0f;  // [-1, 1)
}

__global__ void fill_f32(float* p, int64_t n, uint32_t seed) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    p[i] = hash_uniform(static_cast<uint64_t>(i), seed);
  }
}

__global__ void fill_bf16(__nv_bfloat16* p, int64_t n, uint32_t seed) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    p[i] = __float2bfloat16_rn(hash_uniform(static_cast<uint64_t>(i), seed));
  }
}

// Read-only bandwidth: 16-byte loads, 4 in flight per thread, folded so the compiler keeps them.
__global__ void read_kernel(const uint4* p, int64_t n, unsigned* sink) {
  unsigned acc = 0;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  for (; i + 3 * stride < n; i += 4 * stride) {
    const uint4 a = __ldcs(p + i);
    const uint4 b = __ldcs(p + i + stride);
    const uint4 c = __ldcs(p + i + 2 * stride);
    const uint4 d = __ldcs(p + i + 3 * stride);
    acc ^= a.x ^ a.y ^ a.z ^ a.w ^ b.x ^ b.y ^ b.z ^ b.w ^ c.x ^ c.y ^ c.z ^ c.w ^ d.x ^ d.y ^ d.z ^ d.w;
  }
  for (; i < n; i += stride) {
    const uint4 a = __ldcs(p + i);
    acc ^= a.x ^ a.y ^ a.z ^ a.w;
  }
  if (acc == 0x12345678u) *sink = acc;  // practically never true; keeps the loads alive
}

// Reference sum of squares, one fp64 partial per block (summed on the host): independent of the library.
template <typename T>
__device__ __forceinline__ double widen(T x);
template <>
__device__ __forceinline__ double widen<float>(float x) { return x; }
template <>
__device__ __forceinline__ double widen<__nv_bfloat16>(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T>
__global__ void reference_sumsq(const T* p, int64_t n, double* block_sums) {
  __shared__ double warp_sums[kThreads / 32];
  double s = 0.0;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    const double x = widen(p[i]);
    s += x * x;
  }
  for (int o = 16; o > 0; o /= 2) s += __shfl_down_sync(0xffffffffu, s, o);
  if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = s;
  __syncthreads();
  if (threadIdx.x == 0) {
    double t = 0.0;
    for (int w = 0; w < kThreads / 32; ++w) t += warp_sums[w];
    block_sums[blockIdx.x] = t;
  }
}

// ---------------------------------------------------------------- tensor sets

struct Shape {
  std::string name;
  int64_t elements;
  int64_t rows = 1;  // the first dimension of a matrix; 1 for a vector
};

std::vector<Shape> gpt2_shapes(int64_t n_embd, int layers, int64_t positions) {
  const int64_t vocab = 50257;
  std::vector<Shape> s;
  s.push_back({"wte", vocab * n_embd, vocab});
  s.push_back({"wpe", positions * n_embd, positions});
  for (int l = 0; l < layers; ++l) {
    const std::string h = "h." + std::to_string(l) + ".";
    s.push_back({h + "ln_1.weight", n_embd});
    s.push_back({h + "ln_1.bias", n_embd});
    s.push_back({h + "attn.c_attn.weight", n_embd * 3 * n_embd, n_embd});
    s.push_back({h + "attn.c_attn.bias", 3 * n_embd});
    s.push_back({h + "attn.c_proj.weight", n_embd * n_embd, n_embd});
    s.push_back({h + "attn.c_proj.bias", n_embd});
    s.push_back({h + "ln_2.weight", n_embd});
    s.push_back({h + "ln_2.bias", n_embd});
    s.push_back({h + "mlp.c_fc.weight", n_embd * 4 * n_embd, n_embd});
    s.push_back({h + "mlp.c_fc.bias", 4 * n_embd});
    s.push_back({h + "mlp.c_proj.weight", 4 * n_embd * n_embd, 4 * n_embd});
    s.push_back({h + "mlp.c_proj.bias", n_embd});
  }
  s.push_back({"ln_f.weight", n_embd});
  s.push_back({"ln_f.bias", n_embd});
  return s;
}

struct BenchSet {
  std::string name;
  int32_t dtype;
  std::vector<Shape> shapes;
};

const char* dtype_name(int32_t dtype) { return dtype == GC_DTYPE_BF16 ? "bf16" : "fp32"; }
size_t dtype_bytes(int32_t dtype) { return dtype == GC_DTYPE_BF16 ? 2 : 4; }

struct Allocated {
  void* buffer = nullptr;
  size_t bytes = 0;
  int64_t elements = 0;
  std::vector<size_t> offsets;
};

Allocated allocate(const BenchSet& set) {
  Allocated a;
  for (const Shape& s : set.shapes) {
    a.bytes = (a.bytes + kTensorAlign - 1) / kTensorAlign * kTensorAlign;
    a.offsets.push_back(a.bytes);
    a.bytes += static_cast<size_t>(s.elements) * dtype_bytes(set.dtype);
    a.elements += s.elements;
  }
  CUDA_OK(cudaMalloc(&a.buffer, a.bytes));
  return a;
}

int grid_for(int64_t n) { return static_cast<int>(std::min<int64_t>((n + kThreads - 1) / kThreads, 132 * 64)); }

void fill(const BenchSet& set, const Allocated& a, uint32_t seed) {
  // The whole buffer as one array: padding between tensors gets values too, which nothing reads.
  const int64_t n = static_cast<int64_t>(a.bytes / dtype_bytes(set.dtype));
  if (set.dtype == GC_DTYPE_BF16) {
    fill_bf16<<<grid_for(n), kThreads>>>(static_cast<__nv_bfloat16*>(a.buffer), n, seed);
  } else {
    fill_f32<<<grid_for(n), kThreads>>>(static_cast<float*>(a.buffer), n, seed);
  }
  CUDA_OK(cudaGetLastError());
}

// Sum of squares over elements [part * count / parts, (part + 1) * count / parts) of every tensor (all
// of them for parts = 1; sample `part` of a batch of `parts` samples otherwise), rooted.
double reference_total_norm(const BenchSet& set, const Allocated& a, int64_t part = 0, int64_t parts = 1) {
  constexpr int kBlocks = 1024;
  double* sums = nullptr;
  CUDA_OK(cudaMalloc(&sums, kBlocks * sizeof(double)));
  double total = 0.0;
  std::vector<double> host(kBlocks);
  for (size_t t = 0; t < set.shapes.size(); ++t) {
    const int64_t n = set.shapes[t].elements / parts;
    const char* base = static_cast<const char*>(a.buffer) + a.offsets[t] + static_cast<size_t>(part * n) * dtype_bytes(set.dtype);
    if (set.dtype == GC_DTYPE_BF16) {
      reference_sumsq<<<kBlocks, kThreads>>>(reinterpret_cast<const __nv_bfloat16*>(base), n, sums);
    } else {
      reference_sumsq<<<kBlocks, kThreads>>>(reinterpret_cast<const float*>(base), n, sums);
    }
    CUDA_OK(cudaGetLastError());
    CUDA_OK(cudaMemcpy(host.data(), sums, kBlocks * sizeof(double), cudaMemcpyDeviceToHost));
    for (double s : host) total += s;
  }
  CUDA_OK(cudaFree(sums));
  return std::sqrt(total);
}

// ---------------------------------------------------------------- timing

struct Timer {
  cudaEvent_t start{};
  cudaEvent_t stop{};
  Timer() {
    CUDA_OK(cudaEventCreate(&start));
    CUDA_OK(cudaEventCreate(&stop));
  }
  ~Timer() {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Writing a buffer twice the L2's size evicts the data under test, so every timed run reads HBM.
struct L2Flusher {
  void* scratch = nullptr;
  size_t bytes = 0;
  L2Flusher() {
    int l2 = 0;
    CUDA_OK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, 0));
    bytes = 2 * static_cast<size_t>(l2);
    CUDA_OK(cudaMalloc(&scratch, bytes));
  }
  ~L2Flusher() { cudaFree(scratch); }
  void flush() const { CUDA_OK(cudaMemsetAsync(scratch, 0, bytes, 0)); }
};

struct Row {
  std::string set;
  std::string dtype;
  size_t tensors;
  int64_t elements;
  std::string mode;
  int launches;
  double ms_median;
  double ms_min;
  double bytes_moved;
  double gbps;
  double pct_copy;
};

// ---------------------------------------------------------------- baselines

// Both baselines move 1 GiB (the copy reads it and writes it) and return the median time in ms.
double copy_ms(const Timer& timer) {
  const size_t bytes = size_t{1} << 30;
  void* a = nullptr;
  void* b = nullptr;
  CUDA_OK(cudaMalloc(&a, bytes));
  CUDA_OK(cudaMalloc(&b, bytes));
  CUDA_OK(cudaMemset(a, 1, bytes));
  std::vector<double> ms;
  for (int r = 0; r < kWarmup + kReps; ++r) {
    CUDA_OK(cudaEventRecord(timer.start, 0));
    CUDA_OK(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice, 0));
    CUDA_OK(cudaEventRecord(timer.stop, 0));
    CUDA_OK(cudaEventSynchronize(timer.stop));
    float t = 0;
    CUDA_OK(cudaEventElapsedTime(&t, timer.start, timer.stop));
    if (r >= kWarmup) ms.push_back(t);
  }
  CUDA_OK(cudaFree(a));
  CUDA_OK(cudaFree(b));
  return median(ms);
}

double read_ms(const Timer& timer, const L2Flusher& l2) {
  const size_t bytes = size_t{1} << 30;
  void* a = nullptr;
  unsigned* sink = nullptr;
  CUDA_OK(cudaMalloc(&a, bytes));
  CUDA_OK(cudaMalloc(&sink, sizeof(unsigned)));
  CUDA_OK(cudaMemset(a, 1, bytes));
  int sms = 0;
  CUDA_OK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  const int64_t vectors = static_cast<int64_t>(bytes / 16);
  std::vector<double> ms;
  for (int r = 0; r < kWarmup + kReps; ++r) {
    l2.flush();
    CUDA_OK(cudaEventRecord(timer.start, 0));
    read_kernel<<<sms * 8, kThreads>>>(static_cast<const uint4*>(a), vectors, sink);
    CUDA_OK(cudaGetLastError());
    CUDA_OK(cudaEventRecord(timer.stop, 0));
    CUDA_OK(cudaEventSynchronize(timer.stop));
    float t = 0;
    CUDA_OK(cudaEventElapsedTime(&t, timer.start, timer.stop));
    if (r >= kWarmup) ms.push_back(t);
  }
  CUDA_OK(cudaFree(a));
  CUDA_OK(cudaFree(sink));
  return median(ms);
}

// ---------------------------------------------------------------- one set

struct Mode {
  const char* name;
  gc_op op;
  int launches;        // by design (launch_impl.cuh): NORM 1, GLOBAL 2 (the second returns at once when not
                       // clipping), VALUE with PROPAGATE 1
  int bytes_factor;    // multiples of the set's bytes moved
  int expect_clipped;  // result.clipped the run must report
};

// kWarmup + kReps timed runs of m.op, each on data refill(rep) left and a flushed L2; checks that every
// run reports m.expect_clipped and returns the timed runs' milliseconds.
template <typename Refill>
std::vector<double> time_runs(const std::string& set_name, const Mode& m, gc_cuda_set* gset, const Timer& timer,
                              const L2Flusher& l2, Refill&& refill) {
  std::vector<double> ms;
  gc_result r{};
  for (int rep = 0; rep < kWarmup + kReps; ++rep) {
    refill(rep);
    l2.flush();
    CUDA_OK(cudaEventRecord(timer.start, 0));
    GC_OK_OR_DIE(gc_cuda_run(gset, &m.op, nullptr));
    CUDA_OK(cudaEventRecord(timer.stop, 0));
    GC_OK_OR_DIE(gc_cuda_result(gset, nullptr, nullptr, &r));
    if (r.clipped != m.expect_clipped) {
      std::fprintf(stderr, "%s %s: clipped %d, expected %d\n", set_name.c_str(), m.name, r.clipped, m.expect_clipped);
      std::exit(3);
    }
    float t = 0;
    CUDA_OK(cudaEventElapsedTime(&t, timer.start, timer.stop));
    if (rep >= kWarmup) ms.push_back(t);
  }
  return ms;
}

void add_row(std::vector<Row>& rows, const BenchSet& set, int64_t elements, const Mode& m, const std::vector<double>& ms,
             double bytes_moved, double copy_gbps) {
  Row row;
  row.set = set.name;
  row.dtype = dtype_name(set.dtype);
  row.tensors = set.shapes.size();
  row.elements = elements;
  row.mode = m.name;
  row.launches = m.launches;
  row.ms_median = median(ms);
  row.ms_min = *std::min_element(ms.begin(), ms.end());
  row.bytes_moved = bytes_moved;
  row.gbps = row.bytes_moved / (row.ms_median * 1e-3) / 1e9;
  row.pct_copy = 100.0 * row.gbps / copy_gbps;
  rows.push_back(row);
  std::printf("%-14s %-5s %-14s %3d launch(es) %9.3f ms %8.1f GB/s %6.1f %% of copy\n", row.set.c_str(),
              row.dtype.c_str(), row.mode.c_str(), row.launches, row.ms_median, row.gbps, row.pct_copy);
  std::fflush(stdout);
}

std::vector<gc_tensor> tensors_of(const BenchSet& set, const Allocated& a) {
  std::vector<gc_tensor> tensors;
  for (size_t t = 0; t < set.shapes.size(); ++t) {
    tensors.push_back(gc_tensor{static_cast<char*>(a.buffer) + a.offsets[t], set.shapes[t].elements, set.dtype, 0});
  }
  return tensors;
}

void check_norm(const char* what, double got, double want) {
  const double rel = std::fabs(got - want) / want;
  std::printf("# %s: norm %.10g (reference %.10g, rel. diff %.1e)\n", what, got, want, rel);
  if (!(rel < 1e-9)) {
    std::fprintf(stderr, "norm mismatch on %s: library %.17g, reference %.17g\n", what, got, want);
    std::exit(3);
  }
}

void bench_set(const BenchSet& set, const Timer& timer, const L2Flusher& l2, double copy_gbps, std::vector<Row>& rows) {
  Allocated a = allocate(set);
  const std::vector<gc_tensor> tensors = tensors_of(set, a);
  gc_cuda_set* gset = nullptr;
  GC_OK_OR_DIE(gc_cuda_set_create(tensors.data(), static_cast<int64_t>(tensors.size()), 0, &gset));
  const double data_bytes = static_cast<double>(a.elements) * static_cast<double>(dtype_bytes(set.dtype));

  // Correctness first: the library's norm against the reference kernel, same data.
  fill(set, a, 1);
  const double want = reference_total_norm(set, a);
  const gc_op norm_op = op_of(GC_MODE_NORM, 0.0);
  gc_result r{};
  GC_OK_OR_DIE(gc_cuda_run(gset, &norm_op, nullptr));
  GC_OK_OR_DIE(gc_cuda_result(gset, nullptr, nullptr, &r));
  const double rel = std::fabs(r.total_norm - want) / want;
  std::printf("# %s %s: %zu tensors, %lld elements, %lld chunks, norm %.10g (reference %.10g, rel. diff %.1e)\n",
              set.name.c_str(), dtype_name(set.dtype), set.shapes.size(), static_cast<long long>(a.elements),
              static_cast<long long>(gc_cuda_set_chunks(gset)), r.total_norm, want, rel);
  if (!(rel < 1e-9)) {
    std::fprintf(stderr, "norm mismatch on %s: library %.17g, reference %.17g\n", set.name.c_str(), r.total_norm, want);
    std::exit(3);
  }

  const Mode modes[] = {
      {"norm", op_of(GC_MODE_NORM, 0.0), 1, 1, 0},
      {"global-clip", op_of(GC_MODE_GLOBAL, 1e-3), 2, 3, 1},
      {"global-noclip", op_of(GC_MODE_GLOBAL, 1e30), 2, 1, 0},
      {"value", op_of(GC_MODE_VALUE, 0.5), 1, 2, 1},
  };
  for (const Mode& m : modes) {
    const std::vector<double> ms = time_runs(set.name, m, gset, timer, l2, [&](int rep) { fill(set, a, static_cast<uint32_t>(rep + 2)); });
    add_row(rows, set, a.elements, m, ms, data_bytes * m.bytes_factor, copy_gbps);
  }
  GC_OK_OR_DIE(gc_cuda_set_destroy(gset));
  CUDA_OK(cudaFree(a.buffer));
}

// BLOCK_RMS and AGC on GPT-2 124M fp32 (AGC's parameters: a second buffer of the same shapes).
void bench_rms_and_agc(const Timer& timer, const L2Flusher& l2, double copy_gbps, std::vector<Row>& rows) {
  const BenchSet set{"gpt2-124m", GC_DTYPE_F32, gpt2_shapes(768, 12, 1024)};
  Allocated a = allocate(set);
  Allocated w = allocate(set);
  const std::vector<gc_tensor> tensors = tensors_of(set, a);
  gc_cuda_set* gset = nullptr;
  GC_OK_OR_DIE(gc_cuda_set_create(tensors.data(), static_cast<int64_t>(tensors.size()), 0, &gset));
  const double data_bytes = static_cast<double>(a.elements) * static_cast<double>(dtype_bytes(set.dtype));
  auto refill = [&](int rep) { fill(set, a, static_cast<uint32_t>(rep + 2)); };

  const Mode rms{"block-rms-clip", op_of(GC_MODE_BLOCK_RMS, 1e-3), 2, 3, 1};
  add_row(rows, set, a.elements, rms, time_runs(set.name, rms, gset, timer, l2, refill), data_bytes * 3, copy_gbps);

  // Units as PyTorch (HF GPT-2) lays them out: embeddings [rows, n_embd] by row, Conv1D weights
  // [in, out] by column, vectors whole.
  std::vector<gc_units> units;
  int64_t total_units = 0;
  for (size_t t = 0; t < set.shapes.size(); ++t) {
    const Shape& sh = set.shapes[t];
    gc_units u{static_cast<char*>(w.buffer) + w.offsets[t], 1, GC_UNITS_WHOLE, set.dtype};
    if (sh.rows > 1) {
      const bool embedding = sh.name == "wte" || sh.name == "wpe";
      u.layout = embedding ? GC_UNITS_ROWS : GC_UNITS_COLUMNS;
      u.units = embedding ? sh.rows : sh.elements / sh.rows;
    }
    total_units += u.units;
    units.push_back(u);
  }
  fill(set, w, 777);
  GC_OK_OR_DIE(gc_cuda_set_units(gset, units.data(), static_cast<int64_t>(units.size())));

  // Correctness: the gradient norm against the reference; lambda 1e-3 clips every unit (the gradients
  // and parameters are alike, so g_u is about 1000 times lambda * p_u).
  fill(set, a, 1);
  const double want = reference_total_norm(set, a);
  gc_result r{};
  const gc_op clip = op_of(GC_MODE_AGC, 1e-3);
  GC_OK_OR_DIE(gc_cuda_run(gset, &clip, nullptr));
  GC_OK_OR_DIE(gc_cuda_result(gset, nullptr, nullptr, &r));
  check_norm("gpt2-124m fp32 AGC", r.total_norm, want);
  if (r.clipped_count != total_units) {
    std::fprintf(stderr, "AGC clipped %lld of %lld units\n", static_cast<long long>(r.clipped_count),
                 static_cast<long long>(total_units));
    std::exit(3);
  }
  std::printf("# gpt2-124m fp32 AGC: %lld units (rows, columns and whole)\n", static_cast<long long>(total_units));

  const Mode modes[] = {
      {"agc-clip", clip, 3, 3, 1},                          // grads + params read, every gradient written
      {"agc-noclip", op_of(GC_MODE_AGC, 1e9), 3, 2, 0},  // grads + params read
  };
  for (const Mode& m : modes) {
    add_row(rows, set, a.elements, m, time_runs(set.name, m, gset, timer, l2, refill), data_bytes * m.bytes_factor,
            copy_gbps);
  }
  GC_OK_OR_DIE(gc_cuda_set_destroy(gset));
  CUDA_OK(cudaFree(a.buffer));
  CUDA_OK(cudaFree(w.buffer));
}

// Per-sample clipping of a batch of 4 samples of a smaller GPT-2, fp32 in and out.
void bench_per_sample(const Timer& timer, const L2Flusher& l2, double copy_gbps, std::vector<Row>& rows) {
  constexpr int64_t kBatch = 4;
  const BenchSet out{"gpt2-mini", GC_DTYPE_F32, gpt2_shapes(256, 4, 256)};
  BenchSet in{"gpt2-mini-b4", GC_DTYPE_F32, out.shapes};
  for (Shape& sh : in.shapes) sh.elements *= kBatch;
  Allocated ai = allocate(in);
  Allocated ao = allocate(out);
  const std::vector<gc_tensor> inputs = tensors_of(in, ai);
  const std::vector<gc_tensor> outputs = tensors_of(out, ao);
  gc_cuda_set* gset = nullptr;
  GC_OK_OR_DIE(gc_cuda_set_create(inputs.data(), static_cast<int64_t>(inputs.size()), 0, &gset));
  GC_OK_OR_DIE(gc_cuda_set_samples(gset, kBatch, outputs.data(), static_cast<int64_t>(outputs.size())));
  const double in_bytes = static_cast<double>(ai.elements) * static_cast<double>(dtype_bytes(in.dtype));
  const double out_bytes = static_cast<double>(ao.elements) * static_cast<double>(dtype_bytes(out.dtype));

  // Correctness: each sample's norm (FLAT) against the reference over that sample's rows.
  fill(in, ai, 1);
  gc_op flat = op_of(GC_MODE_PER_SAMPLE_FLAT, 1.0);
  double norms[kBatch];
  gc_result r{};
  GC_OK_OR_DIE(gc_cuda_run(gset, &flat, nullptr));
  GC_OK_OR_DIE(gc_cuda_result(gset, nullptr, norms, &r));
  for (int64_t b = 0; b < kBatch; ++b) {
    const std::string what = "gpt2-mini-b4 fp32 sample " + std::to_string(b);
    check_norm(what.c_str(), norms[b], reference_total_norm(in, ai, b, kBatch));
  }

  gc_op noisy = flat;
  noisy.noise_multiplier = 1.0;
  noisy.seed = 42;
  gc_op layer = op_of(GC_MODE_PER_SAMPLE_LAYER, 1.0);
  layer.divisor = static_cast<double>(kBatch);
  const Mode modes[] = {
      {"ps-flat", flat, 2, 0, 1},
      {"ps-flat-noise", noisy, 2, 0, 1},
      {"ps-layer", layer, 2, 0, 1},
  };
  for (const Mode& m : modes) {
    // Inputs read twice (norms, then the aggregate), outputs written once.
    add_row(rows, in, ai.elements, m,
            time_runs(in.name, m, gset, timer, l2, [&](int rep) { fill(in, ai, static_cast<uint32_t>(rep + 2)); }),
            2.0 * in_bytes + out_bytes, copy_gbps);
  }
  GC_OK_OR_DIE(gc_cuda_set_destroy(gset));
  CUDA_OK(cudaFree(ai.buffer));
  CUDA_OK(cudaFree(ao.buffer));
}

}  // namespace

int main(int argc, char** argv) {
  const char* csv_path = argc > 1 ? argv[1] : nullptr;
  int32_t devices = 0;
  const int rc = gc_cuda_device_count(&devices);
  if (rc != GC_OK || devices == 0) {
    std::printf("SKIPPED: no CUDA device (%s)\n", rc != GC_OK ? gc_cuda_last_error() : "0 devices");
    return 77;
  }
  char name[256];
  int64_t total_bytes = 0;
  int32_t major = 0;
  int32_t minor = 0;
  GC_OK_OR_DIE(gc_cuda_device_info(0, name, sizeof name, &total_bytes, &major, &minor));
  std::printf("# device: %s (sm_%d%d, %.0f GiB)\n", name, major, minor, static_cast<double>(total_bytes) / (1 << 30));

  Timer timer;
  L2Flusher l2;
  constexpr double kGiB = static_cast<double>(size_t{1} << 30);
  const double copy_time = copy_ms(timer);
  const double read_time = read_ms(timer, l2);
  const double copy_gbps = 2.0 * kGiB / (copy_time * 1e-3) / 1e9;  // read + write
  const double read_gbps = kGiB / (read_time * 1e-3) / 1e9;
  std::printf("# cudaMemcpy D2D 1 GiB: %.1f GB/s (read + write); read-only kernel 1 GiB: %.1f GB/s\n", copy_gbps,
              read_gbps);
  std::printf("# launches per op by design: NORM 1, GLOBAL/PER_TENSOR/BLOCK_RMS 2, VALUE 1 (PROPAGATE) or 2, SCALE 1, "
              "AGC 3, PER_SAMPLE 2\n");
  std::printf("# columns: set, dtype, mode, launches, median ms of %d runs, effective GB/s, %% of copy bandwidth\n",
              kReps);

  std::vector<BenchSet> sets;
  sets.push_back({"gpt2-124m", GC_DTYPE_F32, gpt2_shapes(768, 12, 1024)});
  sets.push_back({"gpt2-124m", GC_DTYPE_BF16, gpt2_shapes(768, 12, 1024)});
  sets.push_back({"gpt2-xl", GC_DTYPE_F32, gpt2_shapes(1600, 48, 1024)});
  sets.push_back({"flat-256m", GC_DTYPE_F32, {{"flat", int64_t{1} << 28}}});
  std::vector<Shape> many;
  for (int i = 0; i < 2000; ++i) many.push_back({"t" + std::to_string(i), 4096});
  sets.push_back({"2000x4096", GC_DTYPE_F32, many});
  if (sets[0].shapes.size() != 148) {
    std::fprintf(stderr, "GPT-2 124M should have 148 tensors, got %zu\n", sets[0].shapes.size());
    return 3;
  }

  std::vector<Row> rows;
  rows.push_back({"(baseline)", "-", 0, int64_t{1} << 28, "memcpy-d2d", 1, copy_time, copy_time, 2.0 * kGiB, copy_gbps,
                  100.0});
  rows.push_back({"(baseline)", "-", 0, int64_t{1} << 28, "read-kernel", 1, read_time, read_time, kGiB, read_gbps,
                  100.0 * read_gbps / copy_gbps});
  for (const BenchSet& s : sets) bench_set(s, timer, l2, copy_gbps, rows);
  bench_rms_and_agc(timer, l2, copy_gbps, rows);
  bench_per_sample(timer, l2, copy_gbps, rows);

  if (csv_path != nullptr) {
    FILE* f = std::fopen(csv_path, "w");
    if (f == nullptr) {
      std::perror(csv_path);
      return 2;
    }
    std::fprintf(f,
                 "device,set,dtype,tensors,elements,mode,launches,ms_median,ms_min,bytes_moved,gb_per_s,pct_copy_bw\n");
    for (const Row& r : rows) {
      std::fprintf(f, "\"%s\",%s,%s,%zu,%lld,%s,%d,%.4f,%.4f,%.0f,%.1f,%.1f\n", name, r.set.c_str(), r.dtype.c_str(),
                   r.tensors, static_cast<long long>(r.elements), r.mode.c_str(), r.launches, r.ms_median, r.ms_min,
                   r.bytes_moved, r.gbps, r.pct_copy);
    }
    std::fclose(f);
    std::printf("# wrote %s\n", csv_path);
  }
  return 0;
}
