// The library's kernel translation units, compiled as C++ against the emulator. launch.cu comes first:
// it declares the explicit instantiations that the kernels_*.cu files then define.
#include "launch.cu"
#include "kernels_bf16.cu"
#include "kernels_f16.cu"
#include "kernels_f32.cu"
#include "kernels_f64.cu"
#include "kernels_mixed.cu"
