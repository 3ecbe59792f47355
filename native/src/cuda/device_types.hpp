// The device-side image of a set: built once by set.cpp, read and written by the kernels.
// Plain structs only, so host C++ and CUDA translation units agree on the layout.
#pragma once
#include <cstdint>

#include "common/chunks.hpp"
#include "gradclip.h"

namespace gc::cuda {

// One tensor as the kernels see it: its data plus where its chunks are in the chunk table.
struct DeviceTensor {
  void* data;
  int64_t count;        // elements (BLOCK_RMS divides by it)
  int64_t first_chunk;  // its chunks are [first_chunk, first_chunk + num_chunks) of the table
  int64_t num_chunks;   // 0 for an empty tensor
  int32_t dtype;        // GC_DTYPE_*
  int32_t reserved;
};

// Decisions and counters that outlive one launch. Written by the finishing block of a launch, read by
// the next launch of the same run and copied back by gc_cuda_result.
struct DeviceControl {
  gc_result result;       // first member: gc_cuda_device_result hands out this address
  int32_t apply;          // 1 when the run's write launch must write (GLOBAL, PER_TENSOR, VALUE)
  uint32_t norm_ticket;   // blocks of the norm launch that finished; reset to 0 by the last of them
  uint32_t value_ticket;  // the same for the VALUE counting launch
  uint32_t agc_ticket;    // the same for AGC's unit launch (agc_kernels.cuh)
};

// AGC (units.cpp builds these, agc_kernels.cuh reads them). A tensor's units are reduced by one of three
// element-to-thread mappings, chosen per tensor from its layout and unit length K:
enum AgcKind : int32_t {
  kAgcSplit = 0,    // contiguous units too long for a warp: each segment is a piece of one unit, one block
  kAgcRows = 1,     // contiguous short units: `lanes` threads per unit, many units per segment
  kAgcColumns = 2,  // strided units (COLUMNS): one thread per column, `row_groups` threads share a column
};

struct AgcTensor {
  const void* params;
  int64_t units;           // U
  int64_t unit_len;        // K = count / U
  int64_t first_unit;      // index of unit 0 in unit_coefs
  int64_t first_slot;      // slot of (unit 0, segment 0); unit u's slots are first_slot + u * slots_per_unit + s
  int64_t slots_per_unit;  // segments each unit is cut into: 0 for an empty tensor
  int64_t first_group;     // its unit groups are [first_group, first_group + num_groups)
  int64_t num_groups;
  int32_t params_dtype;
  int32_t kind;            // AgcKind
  int32_t lanes;           // kAgcRows: threads per unit, a power of two <= the warp size
  int32_t columns;         // kAgcColumns: W, columns of a tile (<= kBlockSize)
  int32_t row_groups;      // kAgcColumns: kBlockSize / W threads per column
  int32_t reserved;
};

// One block's work in the partial and write launches of AGC.
struct AgcSegment {
  int64_t tensor;
  int64_t unit0;  // first unit covered (index within the tensor)
  int64_t units;  // units covered: 1 (split), rows (rows), tile width (columns)
  int64_t k0;     // first element covered within each unit (split: offset in the unit; columns: first row)
  int64_t klen;   // elements covered of each unit
  int64_t slot;   // s: which of each covered unit's slots this segment fills
};

// Up to kBlockSize units of one tensor, finished by one block of the unit launch.
struct UnitGroup {
  int64_t tensor;
  int64_t unit0;
  int64_t units;
};

struct AgcView {
  const AgcTensor* tensors;  // num_tensors of the set; NULL when no units are attached
  const AgcSegment* segments;
  int64_t num_segments;
  const UnitGroup* groups;
  int64_t num_groups;
  // One slot per (unit, segment), each written by the block that computed that segment.
  double* slot_g;       // sum of squared gradients
  double* slot_w;       // sum of squared parameters
  int32_t* slot_flags;  // 1 when a gradient or parameter of the segment is NaN or infinite
  double* unit_coefs;   // coef_u of every unit of the set, read by the write launch
  // One slot per unit group.
  double* group_sums;  // its units' gradient sums
  double* group_mins;  // smallest coef_u
  long long* group_counts;  // units that must be written
  int32_t* group_flags;
};

// PER_SAMPLE_*: output tensor i of the aggregate, with where its input lives.
struct SampleOutput {
  void* data;         // k elements of dtype
  const void* input;  // batch * k elements of input_dtype, sample-major
  int64_t k;
  int32_t dtype;
  int32_t input_dtype;
  int32_t co_aligned;  // 1 when every sample row has the same 16-byte alignment (k * element size % 16 == 0)
  int32_t reserved;
};

struct SampleView {
  const SampleOutput* outputs;  // NULL when no samples are attached
  const Chunk* chunks;          // the outputs cut into chunks; Chunk::tensor indexes outputs
  int64_t num_chunks;
  int64_t batch;    // B
  int64_t tensors;  // n, tensors per sample
};

// Device pointers of one set, passed by value to every launch: nothing is copied host-to-device per run.
struct SetView {
  const DeviceTensor* tensors;  // num_tensors
  const Chunk* chunks;          // num_chunks, gc::Chunk copied as is
  int64_t num_tensors;
  int64_t num_chunks;
  // One slot per chunk, each written only by the block that computed that chunk.
  double* chunk_partials;  // power sum (or max) of the chunk; only for tensors with more than one chunk
  int32_t* chunk_flags;    // 1 when the chunk holds a NaN or an infinity
  int64_t* chunk_counts;   // VALUE: elements of the chunk that were (or would be) clamped
  // One slot per tensor.
  double* tensor_sums;                 // power sum of the tensor, its chunk partials added in chunk order
  int32_t* tensor_flags;               // OR of its chunk flags
  unsigned long long* tensor_tickets;  // chunks of the tensor done; reset to 0 by the block that finishes it
  double* tensor_norms;                // n_i, copied back by gc_cuda_result
  double* tensor_coefs;                // PER_TENSOR, BLOCK_RMS: coef(n_i), read by the write launch
  DeviceControl* control;
  // PER_SAMPLE_*: the view of pass 1 has one "tensor" per (sample b, tensor i), at b * n + i, whose
  // chunks never cross a sample; its tensor slots then hold s_{b,i}, n and coef per pair.
  SampleView samples;
  AgcView agc;
};

// The op, reduced to what kernels need; passed by value.
struct OpArgs {
  int32_t mode;
  int32_t nonfinite;
  int32_t rule;
  int32_t reserved;
  double norm_type;  // 2 for BLOCK_RMS, AGC and PER_SAMPLE_*, whatever the op said
  double threshold;
  double eps;
  double noise_multiplier;
  double divisor;
  uint64_t seed;
};

// Norm kinds with their own fast path; everything else goes through pow.
enum class NormKind { kL1, kL2, kInf, kPow };

}  // namespace gc::cuda
