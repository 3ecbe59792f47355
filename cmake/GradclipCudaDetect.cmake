# Decides whether the CUDA library is built. The user's -DGRADCLIP_BUILD_CUDA wins; otherwise it is
# built whenever a CUDA compiler is found (CUDACXX, -DCMAKE_CUDA_COMPILER, PATH, then the toolkit's
# usual folders). Included after project() (check_language needs the generator's make program) and
# before enable_language(CUDA): CMAKE_CUDA_ARCHITECTURES must be set before CUDA is enabled, or
# nvcc's own default (sm_75) silently wins.
include(CheckLanguage)
if(NOT DEFINED GRADCLIP_BUILD_CUDA)
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    find_program(GRADCLIP_NVCC nvcc HINTS ENV CUDA_PATH ENV CUDA_HOME PATH_SUFFIXES bin
                 PATHS /usr/local/cuda/bin /opt/cuda/bin)
    if(GRADCLIP_NVCC)
      set(CMAKE_CUDA_COMPILER "${GRADCLIP_NVCC}" CACHE FILEPATH "CUDA compiler")
    endif()
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(_gc_cuda_default ON)
    set(GRADCLIP_CUDA_REASON "nvcc found at ${CMAKE_CUDA_COMPILER}")
  else()
    set(_gc_cuda_default OFF)
    set(GRADCLIP_CUDA_REASON "no CUDA compiler found (set CUDACXX or put nvcc on PATH)")
  endif()
  option(GRADCLIP_BUILD_CUDA "Build libgradclip_cuda" ${_gc_cuda_default})
else()
  set(GRADCLIP_CUDA_REASON "GRADCLIP_BUILD_CUDA=${GRADCLIP_BUILD_CUDA} given by the user")
endif()
if(GRADCLIP_BUILD_CUDA AND NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  # sm_90 (H100/H200) as real code plus compute_90 PTX so newer GPUs can JIT it.
  set(CMAKE_CUDA_ARCHITECTURES "90-real;90-virtual" CACHE STRING "CUDA architectures")
endif()
