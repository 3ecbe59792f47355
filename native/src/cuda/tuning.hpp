// Launch-shape constants of the CUDA kernels, each with the reason for its value.
#pragma once

namespace gc::cuda {

// Threads per block. 8 warps: enough loads in flight per block to stream a chunk at full bandwidth,
// few enough that a 64 Ki-element chunk still gives every thread 64+ elements to amortize its block
// reduction, and a block reduction is one warp-shuffle round plus 8 values combined by thread 0.
constexpr int kBlockSize = 256;

// Blocks per SM the kernels are compiled for (__launch_bounds__): caps registers at 64 per thread so
// 4 blocks (32 warps, half of Hopper's 64) stay resident. With kUnroll 16-byte loads per thread that
// is 64 KiB in flight per SM, about three times what Little's law asks of HBM3 (3.35 TB/s x ~0.8 us
// / 132 SMs = ~20 KiB), so more occupancy would not add bandwidth.
constexpr int kMinBlocksPerSm = 4;

// The same for kernels compiled for sets that mix dtypes (elements.cuh, AnyDtype): their four inlined
// element loops need about twice the registers, and 64 would spill inside the loops; 128 registers
// keep 2 blocks (16 warps, 32 KiB of loads in flight per SM), still above what HBM needs.
constexpr int kMinBlocksPerSmMixed = 2;

// The same for AGC's partial kernel (two arrays per segment, the parameters in any of four dtypes) and
// the per-sample output kernel (up to 8 fp64 accumulators per thread, then log and cos for the noise):
// at 64 registers both spill, at 128 they do not. 2 blocks are still enough for HBM (see above). Their
// launches keep the set's grid: a persistent grid larger than what is resident runs in two waves, each
// at full bandwidth, so the shared grid is not lowered for them.
constexpr int kMinBlocksPerSmHeavy = 2;

// Upper bound on resident blocks per SM that a grid is sized for: 2048 threads per SM / kBlockSize.
constexpr int kMaxBlocksPerSm = 8;

// 16-byte vectors: the widest per-thread global load (LDG.128), one full 32-byte sector per pair of
// lanes, so a warp's vector load is four fully used 128-byte lines.
constexpr int kVectorBytes = 16;

// Vectors each thread loads before using the first (instruction-level parallelism): hides DRAM latency
// without relying on occupancy alone (see kMinBlocksPerSm), costs 16 registers.
constexpr int kUnroll = 4;

// The finishing warp of a multi-chunk tensor loads this many warp-widths of chunk partials at once
// (128 partials, 8 registers per lane) and prefetches the next window while it adds the current one,
// so its strictly ordered additions wait on the fp64 add latency, not on L2.
constexpr int kFinishWindows = 4;

constexpr int kWarpSize = 32;

}  // namespace gc::cuda
