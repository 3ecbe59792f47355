// Runs on every machine, with or without a GPU: the library loads (this program links it), argument
// errors are reported before any CUDA call, and without a driver gc_cuda_device_count fails cleanly
// with GC_E_CUDA and a message naming the CUDA error.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "check.hpp"
#include "gradclip.h"

namespace {

gc_op good_op() {
  gc_op op{};
  op.mode = GC_MODE_GLOBAL;
  op.nonfinite = GC_NONFINITE_PROPAGATE;
  op.rule = GC_RULE_TORCH;
  op.norm_type = 2.0;
  op.threshold = 1.0;
  return op;
}

void abi() {
  GC_EXPECT(gc_cuda_abi_version() == GC_ABI_VERSION, "abi %d", gc_cuda_abi_version());
  GC_EXPECT(gc_cuda_last_error() != nullptr, "last_error is NULL");
}

// The one call that needs CUDA: either devices are counted, or the failure is a proper GC_E_CUDA.
void device_count() {
  GC_EXPECT_STATUS(gc_cuda_device_count(nullptr), GC_E_INVALID, "out is NULL");
  int32_t count = -7;
  const int rc = gc_cuda_device_count(&count);
  if (rc == GC_OK) {
    GC_EXPECT(count >= 0, "count %d", count);
    std::printf("gc_cuda_device_count: %d device(s)\n", count);
    return;
  }
  const char* message = gc_cuda_last_error();
  std::printf("gc_cuda_device_count: status %d, \"%s\"\n", rc, message);
  GC_EXPECT(rc == GC_E_CUDA, "status %d", rc);
  GC_EXPECT(count == -7, "out written on failure: %d", count);
  GC_EXPECT(message[0] != '\0', "empty message");
  GC_EXPECT(std::strncmp(message, "cuda", 4) == 0, "message does not name a CUDA error: %s", message);
  GC_EXPECT(std::strstr(message, "(in cudaGetDeviceCount)") != nullptr, "message does not name the call: %s", message);
  // A failed device count must not leave the library unusable for argument checks.
  GC_EXPECT_STATUS(gc_cuda_malloc(-1, nullptr), GC_E_INVALID, "out is NULL");
}

// gc_cuda_set_create checks everything it can before its first CUDA call.
void set_create_arguments() {
  float dummy[4] = {0, 0, 0, 0};
  gc_tensor good{dummy, 4, GC_DTYPE_F32, 0};
  gc_cuda_set* set = reinterpret_cast<gc_cuda_set*>(0x1);

  GC_EXPECT_STATUS(gc_cuda_set_create(&good, 1, 0, nullptr), GC_E_INVALID, "out is NULL");
  GC_EXPECT_STATUS(gc_cuda_set_create(nullptr, 1, 0, &set), GC_E_INVALID, "tensors is NULL");
  GC_EXPECT_STATUS(gc_cuda_set_create(&good, 0, 0, &set), GC_E_INVALID, "at least one tensor");
  GC_EXPECT_STATUS(gc_cuda_set_create(&good, 1, -1, &set), GC_E_INVALID, "chunk_elems");

  gc_tensor t[2] = {good, good};
  t[1].dtype = 9;
  GC_EXPECT_STATUS(gc_cuda_set_create(t, 2, 0, &set), GC_E_INVALID, "tensor 1: unknown dtype");
  t[1] = good;
  t[1].reserved = 1;
  GC_EXPECT_STATUS(gc_cuda_set_create(t, 2, 0, &set), GC_E_INVALID, "tensor 1: reserved");
  t[1] = good;
  t[1].count = -1;
  GC_EXPECT_STATUS(gc_cuda_set_create(t, 2, 0, &set), GC_E_INVALID, "tensor 1: negative count");
  t[1] = good;
  t[1].data = nullptr;
  GC_EXPECT_STATUS(gc_cuda_set_create(t, 2, 0, &set), GC_E_INVALID, "tensor 1: data is NULL");
  t[1] = good;
  t[1].data = reinterpret_cast<char*>(dummy) + 2;
  GC_EXPECT_STATUS(gc_cuda_set_create(t, 2, 0, &set), GC_E_INVALID, "not aligned");
  GC_EXPECT(set == reinterpret_cast<gc_cuda_set*>(0x1), "out written on failure");
}

// gc_cuda_run validates the op before it looks at the set or at CUDA.
void run_arguments() {
  gc_op op = good_op();
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, nullptr, nullptr), GC_E_INVALID, "op is NULL");
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "set is NULL");
  op.mode = 9;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "unknown mode 9");
  op = good_op();
  op.nonfinite = 5;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "non-finite policy");
  op = good_op();
  op.rule = 4;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "rule");
  op = good_op();
  op.norm_type = 0.0;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "norm_type");
  op.norm_type = NAN;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "norm_type");
  op = good_op();
  op.threshold = -1.0;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "threshold");
  op.threshold = INFINITY;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "threshold");
  op = good_op();
  op.reserved = 3;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "reserved");
}

// The ops of ABI v2 are checked before the set: no CUDA needed.
void new_mode_arguments() {
  gc_op op = good_op();
  op.mode = GC_MODE_AGC;
  op.eps = 0.0;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "eps");
  op.eps = 1e-3;
  op.threshold = -1.0;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "threshold");
  op.threshold = 0.01;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "set is NULL");
  op = good_op();
  op.mode = GC_MODE_PER_SAMPLE_FLAT;
  op.divisor = 0.0;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "divisor");
  op.divisor = 1.0;
  op.noise_multiplier = NAN;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "noise_multiplier");
  op = good_op();
  op.mode = GC_MODE_BLOCK_RMS;
  op.rule = 2;
  GC_EXPECT_STATUS(gc_cuda_run(nullptr, &op, nullptr), GC_E_INVALID, "rule");

  gc_units units{};
  gc_tensor output{};
  GC_EXPECT_STATUS(gc_cuda_set_units(nullptr, &units, 1), GC_E_INVALID, "set is NULL");
  GC_EXPECT_STATUS(gc_cuda_set_samples(nullptr, 1, &output, 1), GC_E_INVALID, "set is NULL");
}

void result_and_handle_arguments() {
  gc_result result;
  std::memset(&result, 0x5a, sizeof result);
  gc_result before = result;
  GC_EXPECT_STATUS(gc_cuda_result(nullptr, nullptr, nullptr, &result), GC_E_INVALID, "set is NULL");
  GC_EXPECT(std::memcmp(&before, &result, sizeof result) == 0, "result written on failure");
  GC_EXPECT(gc_cuda_set_chunks(nullptr) == -1, "set_chunks(NULL)");
  GC_EXPECT(gc_cuda_device_result(nullptr) == nullptr, "device_result(NULL)");
  GC_EXPECT(gc_cuda_set_destroy(nullptr) == GC_OK, "set_destroy(NULL)");
}

void memory_arguments() {
  void* p = reinterpret_cast<void*>(0x1);
  GC_EXPECT_STATUS(gc_cuda_malloc(16, nullptr), GC_E_INVALID, "out is NULL");
  GC_EXPECT_STATUS(gc_cuda_malloc(-1, &p), GC_E_INVALID, "bytes must be >= 0");
  GC_EXPECT(p == reinterpret_cast<void*>(0x1), "out written on failure");
  GC_EXPECT(gc_cuda_malloc(0, &p) == GC_OK && p == nullptr, "malloc(0) gives NULL without CUDA");
  GC_EXPECT(gc_cuda_free(nullptr) == GC_OK, "free(NULL)");

  char host[8];
  GC_EXPECT_STATUS(gc_cuda_memcpy(host, host, 8, 0, nullptr), GC_E_INVALID, "unknown copy kind 0");
  GC_EXPECT_STATUS(gc_cuda_memcpy(host, host, 8, 4, nullptr), GC_E_INVALID, "unknown copy kind 4");
  GC_EXPECT_STATUS(gc_cuda_memcpy(host, host, -8, GC_COPY_HOST_TO_DEVICE, nullptr), GC_E_INVALID, "bytes");
  GC_EXPECT_STATUS(gc_cuda_memcpy(nullptr, host, 8, GC_COPY_HOST_TO_DEVICE, nullptr), GC_E_INVALID, "dst is NULL");
  GC_EXPECT_STATUS(gc_cuda_memcpy(host, nullptr, 8, GC_COPY_DEVICE_TO_HOST, nullptr), GC_E_INVALID, "src is NULL");
  GC_EXPECT(gc_cuda_memcpy(nullptr, nullptr, 0, GC_COPY_DEVICE_TO_DEVICE, nullptr) == GC_OK, "0-byte copy");
  GC_EXPECT_STATUS(gc_cuda_memset(nullptr, 0, -1), GC_E_INVALID, "bytes");
  GC_EXPECT_STATUS(gc_cuda_memset(nullptr, 0, 4), GC_E_INVALID, "ptr is NULL");
  GC_EXPECT(gc_cuda_memset(nullptr, 0, 0) == GC_OK, "0-byte memset");

  GC_EXPECT_STATUS(gc_cuda_stream_create(nullptr), GC_E_INVALID, "out is NULL");
  GC_EXPECT_STATUS(gc_cuda_stream_destroy(nullptr), GC_E_INVALID, "cannot be destroyed");

  char name[8];
  int64_t total = 0;
  int32_t major = 0;
  int32_t minor = 0;
  GC_EXPECT_STATUS(gc_cuda_device_info(0, nullptr, 8, &total, &major, &minor), GC_E_INVALID, "name is NULL");
  GC_EXPECT_STATUS(gc_cuda_device_info(0, name, 0, &total, &major, &minor), GC_E_INVALID, "name_len");
  GC_EXPECT_STATUS(gc_cuda_device_info(0, name, 8, nullptr, &major, &minor), GC_E_INVALID, "total_bytes is NULL");
  GC_EXPECT_STATUS(gc_cuda_device_info(0, name, 8, &total, nullptr, &minor), GC_E_INVALID, "sm_major is NULL");
  GC_EXPECT_STATUS(gc_cuda_device_info(0, name, 8, &total, &major, nullptr), GC_E_INVALID, "sm_minor is NULL");
}

}  // namespace

int main() {
  abi();
  set_create_arguments();
  run_arguments();
  new_mode_arguments();
  result_and_handle_arguments();
  memory_arguments();
  device_count();  // last: it is the only check that initializes CUDA
  if (gctest::failures() != 0) {
    std::fprintf(stderr, "%d check(s) failed\n", gctest::failures());
    return 1;
  }
  std::printf("all checks passed\n");
  return 0;
}
