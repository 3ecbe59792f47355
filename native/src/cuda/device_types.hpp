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
  uint32_t reserved;
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
  double* tensor_coefs;                // PER_TENSOR: coef(n_i), read by the write launch
  DeviceControl* control;
};

// The op, reduced to what kernels need; passed by value.
struct OpArgs {
  int32_t mode;
  int32_t nonfinite;
  int32_t rule;
  int32_t reserved;
  double norm_type;
  double threshold;
};

// Norm kinds with their own fast path; everything else goes through pow.
enum class NormKind { kL1, kL2, kInf, kPow };

}  // namespace gc::cuda
