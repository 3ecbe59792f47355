# Warning flags for gradclip's own targets (not global flags: targets opt in).
add_library(gradclip_warnings INTERFACE)
target_compile_options(gradclip_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion>)
