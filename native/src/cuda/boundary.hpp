// The C ABI boundary: no C++ exception may cross into the caller (the JVM).
#pragma once
#include <exception>
#include <new>

#include "common/status.hpp"
#include "gradclip.h"

namespace gc::cuda {

// Runs body (returning a status) and turns any escaping exception into a status and a message.
template <typename Body>
int guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(GC_E_NOMEM, "out of host memory");
  } catch (const std::exception& e) {
    return fail(GC_E_INTERNAL, "unexpected C++ exception: %s", e.what());
  } catch (...) {
    return fail(GC_E_INTERNAL, "unexpected non-standard C++ exception");
  }
}

}  // namespace gc::cuda
