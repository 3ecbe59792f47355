#include "common/status.hpp"

#include <cstdarg>
#include <cstdio>

namespace gc {
namespace {
// Big enough for a tensor index, a CUDA error name and its description.
constexpr int kMessageBytes = 512;
thread_local char t_message[kMessageBytes] = "";
}  // namespace

int fail(int code, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(t_message, sizeof t_message, fmt, args);
  va_end(args);
  return code;
}

void clear_error() { t_message[0] = '\0'; }

const char* last_error() { return t_message; }

}  // namespace gc
