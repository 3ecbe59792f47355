/*
 * gradclip C ABI: fused multi-tensor norm-and-clip kernels for the CPU and CUDA libraries.
 *
 * This header is the contract between the native libraries (libgradclip_cpu, libgradclip_cuda) and
 * the Java bindings (dev.gradclip.internal.ffm.GradclipNative), which a test checks against this file.
 *
 * Conventions
 *  - Every function that can fail returns an int status (GC_OK or a GC_E_* code). On failure the
 *    library's last-error string (gc_cpu_last_error / gc_cuda_last_error) says why; it is
 *    thread-local, static storage owned by the library: do not free it.
 *  - Every pointer argument is checked; nothing is written through an output pointer on failure.
 *  - Tensor data is caller-owned and must stay valid (and unmoved) while a set that names it lives.
 *  - A set copies the gc_tensor array it is given; the caller may free that array afterwards.
 *  - Handles (pools, sets) are created and destroyed only through these functions. One handle must
 *    not be used by two threads at once; the Java layer enforces that.
 *  - Determinism: tensors are cut into chunks of chunk_elems elements when a set is created; every
 *    chunk's partial is computed in a fixed lane order, partials are added per tensor in chunk order
 *    and tensor sums in tensor order. Threads and GPU blocks only decide who computes a chunk, so a
 *    norm is bit-identical across runs and thread counts on one backend.
 */
#ifndef GRADCLIP_H
#define GRADCLIP_H

#include <stdint.h>

#if defined(_WIN32)
#  define GC_API __declspec(dllexport)
#else
#  define GC_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define GC_ABI_VERSION 2

/* Status codes. */
#define GC_OK            0
#define GC_E_INVALID     1  /* an argument is invalid (null, out of range, misaligned, ...) */
#define GC_E_NOMEM       2  /* host or device allocation failed */
#define GC_E_UNSUPPORTED 3  /* not supported by this build or this machine */
#define GC_E_CUDA        4  /* a CUDA runtime call or launch failed; the message names the error */
#define GC_E_INTERNAL    5  /* a bug: an invariant of the library did not hold */

/* Element types of gradient storage. Accumulation is always in fp64. */
#define GC_DTYPE_F32  0
#define GC_DTYPE_F64  1
#define GC_DTYPE_BF16 2
#define GC_DTYPE_F16  3

/* What gc_cpu_run / gc_cuda_run do. */
#define GC_MODE_NORM       0 /* norms only; nothing is written */
#define GC_MODE_GLOBAL     1 /* one norm over all tensors; scale all by coef(norm) when coef < 1 */
#define GC_MODE_PER_TENSOR 2 /* each tensor scaled by coef(its own norm) when that coef < 1 */
#define GC_MODE_VALUE      3 /* every element clamped to [-threshold, threshold] */
#define GC_MODE_SCALE      4 /* every element multiplied by threshold (no-op when it is exactly 1) */
#define GC_MODE_BLOCK_RMS  5 /* each tensor scaled by coef(rms) where rms = sqrt(sum x^2 / count) (Optax clip_by_block_rms) */
#define GC_MODE_AGC        6 /* unit-wise adaptive clipping (NFNets AGC): needs units attached (gc_*_set_units) */
#define GC_MODE_PER_SAMPLE_FLAT  7 /* DP: each sample clipped by its norm over all tensors, then aggregated (gc_*_set_samples) */
#define GC_MODE_PER_SAMPLE_LAYER 8 /* DP: each sample's tensor clipped by its own norm, then aggregated */

/* What happens when a NaN or an infinity is found in the input (every mode but SCALE). */
#define GC_NONFINITE_ERROR     0 /* nothing written; result.nonfinite = 1 (the caller raises the error) */
#define GC_NONFINITE_SKIP      1 /* nothing written; result.nonfinite = 1 */
#define GC_NONFINITE_PROPAGATE 2 /* applied as computed, NaN coefficients included (PyTorch's default) */

/* How the coefficient is derived from a norm n and the threshold c. Both are NaN when n is NaN. */
#define GC_RULE_TORCH 0 /* min(1, c / (n + 1e-6)), as torch.nn.utils.clip_grad_norm_ */
#define GC_RULE_EXACT 1 /* c / max(c, n): exactly 1 when n <= c */

#define GC_TORCH_EPS 1e-6

/* How the output units of a tensor lie in memory, for AGC (see docs/SEMANTICS.md). */
#define GC_UNITS_WHOLE   0 /* the whole tensor is one unit (scalars, biases, gains) */
#define GC_UNITS_ROWS    1 /* [units, count/units] row-major: output dimension first (PyTorch Linear [out,in], Conv [out,in,kh,kw]) */
#define GC_UNITS_COLUMNS 2 /* [count/units, units] row-major: output dimension last (JAX Dense [in,out], Conv HWIO) */

/* CPU instruction-set levels (gc_cpu_isa, gc_cpu_force_isa). */
#define GC_ISA_SCALAR 0
#define GC_ISA_AVX2   1
#define GC_ISA_AVX512 2

/* One tensor of a set. 24 bytes. */
typedef struct gc_tensor {
  void*   data;     /* caller-owned; host memory (cpu) or device memory (cuda); aligned to the element size */
  int64_t count;    /* number of elements, >= 0 */
  int32_t dtype;    /* GC_DTYPE_* */
  int32_t reserved; /* must be 0 */
} gc_tensor;

/* One operation. 64 bytes. Fields a mode does not name are ignored by it. */
typedef struct gc_op {
  int32_t  mode;      /* GC_MODE_* */
  int32_t  nonfinite; /* GC_NONFINITE_* */
  int32_t  rule;      /* GC_RULE_* (GLOBAL, PER_TENSOR, BLOCK_RMS, PER_SAMPLE_*) */
  int32_t  reserved;  /* must be 0 */
  double   norm_type; /* p > 0, or INFINITY for the max norm (NORM, GLOBAL, PER_TENSOR) */
  double   threshold; /* max norm (GLOBAL, PER_TENSOR, BLOCK_RMS: max rms, PER_SAMPLE_*; finite, >= 0), clip value (VALUE, >= 0),
                         clipping factor lambda (AGC, finite, >= 0), coefficient (SCALE, any value) */
  double   eps;       /* AGC: floor of a unit's parameter norm, finite and > 0 (NFNets, Optax, timm: 1e-3) */
  double   noise_multiplier; /* PER_SAMPLE_*: sigma, finite and >= 0; Gaussian noise of std sigma * threshold is added */
  double   divisor;   /* PER_SAMPLE_*: finite and > 0; the noisy sum is divided by it (1: sum, batch size: mean) */
  uint64_t seed;      /* PER_SAMPLE_*: key of the counter-based noise (docs/SEMANTICS.md); any value */
} gc_op;

/* AGC: the parameters a gradient tensor belongs to, and its output units. 24 bytes. */
typedef struct gc_units {
  const void* params;       /* count elements of params_dtype, same layout as the gradient; caller-owned,
                               host (cpu) or device (cuda) memory; never written */
  int64_t     units;        /* WHOLE: 1; ROWS, COLUMNS: >= 1 and divides the tensor's count (any value >= 1 when count is 0) */
  int32_t     layout;       /* GC_UNITS_* */
  int32_t     params_dtype; /* GC_DTYPE_* */
} gc_units;

/* What an operation found and did. 32 bytes. docs/SEMANTICS.md has the table for every mode. */
typedef struct gc_result {
  double  total_norm;    /* L2/p norm over all tensors before any write (NORM, GLOBAL, PER_TENSOR, BLOCK_RMS, AGC);
                            largest per-sample norm (PER_SAMPLE_*); NaN otherwise */
  double  coefficient;   /* GLOBAL: coef(total_norm); PER_TENSOR, BLOCK_RMS, AGC, PER_SAMPLE_*: smallest coef;
                            SCALE: threshold; else 1 */
  int64_t clipped_count; /* GLOBAL, SCALE: 1 if written; PER_TENSOR, BLOCK_RMS: tensors written; AGC: units written;
                            VALUE: elements changed; PER_SAMPLE_FLAT: samples clipped; PER_SAMPLE_LAYER: (sample, tensor) pairs clipped */
  int32_t clipped;       /* 1 when clipped_count > 0 */
  int32_t nonfinite;     /* 1 when a NaN or an infinity was seen in the input (not computed for SCALE) */
} gc_result;

/* ---------------------------------------------------------------- CPU: libgradclip_cpu */

typedef struct gc_cpu_pool gc_cpu_pool; /* persistent worker threads */
typedef struct gc_cpu_set gc_cpu_set;   /* tensors + chunk table */

GC_API int32_t gc_cpu_abi_version(void);
/* Thread-local, library-owned, never NULL; "" when no error happened on this thread yet. */
GC_API const char* gc_cpu_last_error(void);
/* The instruction-set level the kernels use now (GC_ISA_*). */
GC_API int32_t gc_cpu_isa(void);
/* The best level this CPU supports (GC_ISA_*). */
GC_API int32_t gc_cpu_isa_supported(void);
/* Test knob: use level isa (<= gc_cpu_isa_supported()) from now on, process-wide. */
GC_API int gc_cpu_force_isa(int32_t isa);

/* threads: 1..1024 workers in total, the calling thread included; 0 = the machine's hardware threads.
 * *out receives a pool the caller destroys with gc_cpu_pool_destroy. */
GC_API int gc_cpu_pool_create(int32_t threads, gc_cpu_pool** out);
GC_API int32_t gc_cpu_pool_threads(const gc_cpu_pool* pool);
GC_API void gc_cpu_pool_destroy(gc_cpu_pool* pool); /* NULL is a no-op */

/* tensors: n >= 1 entries, copied. chunk_elems: >= 1 (0 = default, 65536). */
GC_API int gc_cpu_set_create(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cpu_set** out);
GC_API int64_t gc_cpu_set_chunks(const gc_cpu_set* set);
GC_API void gc_cpu_set_destroy(gc_cpu_set* set); /* NULL is a no-op */

/* AGC: attaches one gc_units per tensor (n = the set's tensor count), copied; replaces earlier ones.
 * Checked here against the set's tensors (dtype, alignment, divisibility). */
GC_API int gc_cpu_set_units(gc_cpu_set* set, const gc_units* units, int64_t n);
/* PER_SAMPLE_*: every tensor i of the set holds batch samples of k_i = count_i / batch elements each,
 * sample-major (sample b is elements [b*k_i, (b+1)*k_i)); outputs[i] (n entries, copied) receives the
 * aggregate: k_i elements of any dtype, not overlapping any input. batch >= 1 divides every count.
 * Replaces an earlier attachment. */
GC_API int gc_cpu_set_samples(gc_cpu_set* set, int64_t batch, const gc_tensor* outputs, int64_t n);

/* Runs op over set on pool's threads. tensor_norms: NULL, or the doubles that receive the norms: n, one
 * per tensor (NORM, GLOBAL, PER_TENSOR, AGC: L2 norms; BLOCK_RMS: rms); batch, one per sample
 * (PER_SAMPLE_FLAT); batch * n, sample-major (PER_SAMPLE_LAYER); untouched for VALUE and SCALE.
 * result: required. Blocks until done. */
GC_API int gc_cpu_run(gc_cpu_pool* pool, gc_cpu_set* set, const gc_op* op, double* tensor_norms, gc_result* result);

/* Memory-bandwidth probes for benchmark floors, on pool's threads with the widest vectors available.
 * probe_read reads bytes of data once and stores the sum of its 64-bit words in *sink (so no load can
 * be dropped); probe_copy copies bytes from src to dst (the ranges must not overlap). */
GC_API int gc_cpu_probe_read(gc_cpu_pool* pool, const void* data, int64_t bytes, uint64_t* sink);
GC_API int gc_cpu_probe_copy(gc_cpu_pool* pool, void* dst, const void* src, int64_t bytes);

/* ---------------------------------------------------------------- CUDA: libgradclip_cuda */

typedef struct gc_cuda_set gc_cuda_set; /* tensors + device chunk table + device result */

#define GC_COPY_HOST_TO_DEVICE   1
#define GC_COPY_DEVICE_TO_HOST   2
#define GC_COPY_DEVICE_TO_DEVICE 3

GC_API int32_t gc_cuda_abi_version(void);
GC_API const char* gc_cuda_last_error(void); /* as gc_cpu_last_error */
/* *out = number of usable devices; fails (GC_E_CUDA, message naming the CUDA error) without a driver. */
GC_API int gc_cuda_device_count(int32_t* out);
/* name: buffer of name_len bytes receiving the device's name, NUL-terminated. */
GC_API int gc_cuda_device_info(int32_t device, char* name, int32_t name_len, int64_t* total_bytes, int32_t* sm_major, int32_t* sm_minor);
GC_API int gc_cuda_set_device(int32_t device);
GC_API int gc_cuda_malloc(int64_t bytes, void** out);        /* device memory; caller frees with gc_cuda_free */
GC_API int gc_cuda_free(void* ptr);                          /* NULL is a no-op */
GC_API int gc_cuda_memset(void* ptr, int32_t value, int64_t bytes);
/* Copies and then synchronizes stream (NULL = the legacy default stream). */
GC_API int gc_cuda_memcpy(void* dst, const void* src, int64_t bytes, int32_t kind, void* stream);
GC_API int gc_cuda_stream_create(void** out);
GC_API int gc_cuda_stream_destroy(void* stream);
GC_API int gc_cuda_stream_synchronize(void* stream);

/* tensors: n >= 1 entries whose data are device pointers of the current device; the chunk table is
 * built and copied to the device once, here. chunk_elems as for the CPU. */
GC_API int gc_cuda_set_create(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cuda_set** out);
GC_API int64_t gc_cuda_set_chunks(const gc_cuda_set* set);
GC_API int gc_cuda_set_destroy(gc_cuda_set* set); /* NULL is a no-op; synchronizes the device first */
/* As gc_cpu_set_units / gc_cpu_set_samples, with device pointers; the tables go to the device here, once. */
GC_API int gc_cuda_set_units(gc_cuda_set* set, const gc_units* units, int64_t n);
GC_API int gc_cuda_set_samples(gc_cuda_set* set, int64_t batch, const gc_tensor* outputs, int64_t n);
/* Enqueues op on stream (NULL = the legacy default stream): at most 3 kernel launches (2 for modes 0-5), no host sync.
 * The result (and the per-tensor norms) stay on the device until gc_cuda_result is called. */
GC_API int gc_cuda_run(gc_cuda_set* set, const gc_op* op, void* stream);
/* Synchronizes stream, then copies the last run's result (and, when tensor_norms is not NULL, its norms,
 * counted as for gc_cpu_run) to the host. */
GC_API int gc_cuda_result(gc_cuda_set* set, void* stream, double* tensor_norms, gc_result* result);
/* Device address of the set's gc_result, for kernels of the caller's that read the coefficient. */
GC_API const gc_result* gc_cuda_device_result(const gc_cuda_set* set);

#ifdef __cplusplus
}
#endif

#endif /* GRADCLIP_H */
