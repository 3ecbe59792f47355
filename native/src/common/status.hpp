// Error reporting shared by both libraries: a status code plus a thread-local message that the
// exported gc_*_last_error returns. Each shared library links its own copy, so each has its own slot.
#pragma once
#include "gradclip.h"

namespace gc {

// Records the message (printf-style) for this thread and returns code, so callers can write
// `return fail(GC_E_INVALID, "...", ...)`.
int fail(int code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void clear_error();
const char* last_error();

}  // namespace gc
