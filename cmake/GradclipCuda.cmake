# Everything CUDA-specific, included only when GRADCLIP_BUILD_CUDA is ON.
enable_language(CUDA)
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
# Static runtime: the library then loads on machines without the CUDA toolkit, and without a driver
# cudaGetDeviceCount reports an error instead of the load failing.
set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
find_package(CUDAToolkit REQUIRED)
message(STATUS "gradclip: CUDA ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES}")
