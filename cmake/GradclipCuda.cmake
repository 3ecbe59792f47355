# Everything CUDA-specific, included only when GRADCLIP_BUILD_CUDA is ON.
enable_language(CUDA)
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
# Static runtime: the library then loads on machines without the CUDA toolkit, and without a driver
# cudaGetDeviceCount reports an error instead of the load failing.
set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
find_package(CUDAToolkit REQUIRED)
message(STATUS "gradclip: CUDA ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES}")

# Flags for gradclip's own CUDA translation units (targets opt in, as with gradclip_warnings).
#  - host-compiler warnings on the host side of .cu files;
#  - a call from device code to a host-only function is an error, not a warning that fails at run time;
#  - ptxas reports spills, so a kernel that outgrows kMinBlocksPerSm's register budget is visible.
# No --use_fast_math / -ftz: the scaled values must be rounded exactly as docs/SEMANTICS.md says.
add_library(gradclip_cuda_flags INTERFACE)
target_compile_options(gradclip_cuda_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra --Werror=cross-execution-space-call -Xptxas=-warn-spills>)
