// One ISA level's KernelTable from the loops of kernel_loops.hpp and mode_loops.hpp. Included last by a
// kernels_<isa>.cpp, under its target pragma, like those two.

namespace gc::cpu {
namespace {

template <class R, class TIn>
constexpr void fill_aggregate(KernelTable& t, int input) {
  t.aggregate[input][GC_DTYPE_F32] = &aggregate_kernel<R, TIn, float>;
  t.aggregate[input][GC_DTYPE_F64] = &aggregate_kernel<R, TIn, double>;
  t.aggregate[input][GC_DTYPE_BF16] = &aggregate_kernel<R, TIn, Bf16>;
  t.aggregate[input][GC_DTYPE_F16] = &aggregate_kernel<R, TIn, F16>;
}

template <class R, class T>
constexpr void fill_dtype(KernelTable& t, int dtype) {
  t.norm[dtype][kNormL1] = &norm_kernel<R, T, kNormL1>;
  t.norm[dtype][kNormL2] = &norm_kernel<R, T, kNormL2>;
  t.norm[dtype][kNormInf] = &norm_kernel<R, T, kNormInf>;
  t.norm[dtype][kNormPow] = &norm_kernel<R, T, kNormPow>;
  t.scale[dtype] = &scale_kernel<R, T>;
  t.clamp[dtype] = &clamp_kernel<R, T>;
  t.column_sums[dtype] = &column_sums_kernel<R, T>;
  t.scale_columns[dtype] = &scale_columns_kernel<R, T>;
  fill_aggregate<R, T>(t, dtype);
}

// constexpr so the table is built at compile time: no initializer compiled for an ISA the CPU may
// lack runs when the library loads.
template <class R>
constexpr KernelTable make_table() {
  KernelTable t{};
  fill_dtype<R, float>(t, GC_DTYPE_F32);
  fill_dtype<R, double>(t, GC_DTYPE_F64);
  fill_dtype<R, Bf16>(t, GC_DTYPE_BF16);
  fill_dtype<R, F16>(t, GC_DTYPE_F16);
  return t;
}

}  // namespace
}  // namespace gc::cpu
