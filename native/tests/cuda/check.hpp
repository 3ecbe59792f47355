// A minimal check macro for the CUDA CTest programs: counts failures, prints where and why, keeps going.
#pragma once
#include <cstdio>
#include <cstring>

#include "gradclip.h"

namespace gctest {

inline int& failures() {
  static int count = 0;
  return count;
}

}  // namespace gctest

#define GC_EXPECT(cond, ...)                                                       \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      if (++gctest::failures() <= 50) {                                            \
        std::fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond);     \
        std::fprintf(stderr, __VA_ARGS__);                                         \
        std::fprintf(stderr, "\n");                                                \
      }                                                                            \
    }                                                                              \
  } while (0)

// rc must be `status` and the library's message must contain `fragment`.
#define GC_EXPECT_STATUS(rc, status, fragment)                                                        \
  do {                                                                                                \
    const int rc_ = (rc);                                                                             \
    GC_EXPECT(rc_ == (status) && std::strstr(gc_cuda_last_error(), (fragment)) != nullptr,            \
              "%s returned %d (want %d), message \"%s\" (want it to contain \"%s\")", #rc, rc_, (status), \
              gc_cuda_last_error(), (fragment));                                                      \
  } while (0)
