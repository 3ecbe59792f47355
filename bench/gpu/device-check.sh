#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, after bench/gpu/make-bundle.sh made .device/ here:
# the native CUDA parity test, the Java GPU tests (JUnit console on the jlink'ed runtime), gradclip's GPU
# benchmark and PyTorch's clipping on the same shapes, then a joined table. Results go to $OUT.
# Usage: device-check.sh [all|tests|bench]: the parts fit one 600 s device call each; "all" may not.
set -uo pipefail
part="${1:-all}"
b=.device
out="${OUT:-/tmp/gradclip-device}"
mkdir -p "$out"
export LD_LIBRARY_PATH="$PWD/$b/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
chmod +x "$b"/bin/* "$b"/jre/bin/* 2>/dev/null

nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv | tee "$out/summary.md"

if [ "$part" != bench ]; then
echo "== native CUDA parity test"
timeout 120 "$b/bin/gradclip_cuda_parity_test" > "$out/native-parity.log" 2>&1
echo "native parity exit code: $?" | tee -a "$out/summary.md"
tail -n 5 "$out/native-parity.log"

echo "== Java GPU tests"
timeout 150 "$b/jre/bin/java" --enable-native-access=ALL-UNNAMED -Dgradclip.library.path="$PWD/$b/lib" \
  -jar "$b/junit-console.jar" execute --disable-banner --details=summary \
  --class-path "$b/gradclip.jar:$b/gradclip-tests.jar" \
  --select-class dev.gradclip.CudaAvailabilityTest --select-class dev.gradclip.CudaSemanticsTest \
  --select-class dev.gradclip.CudaParityTest --select-class dev.gradclip.CudaModesParityTest \
  > "$out/java-gpu-tests.log" 2>&1
echo "java GPU tests exit code: $?" | tee -a "$out/summary.md"
grep -E "tests (successful|failed|skipped|found)" "$out/java-gpu-tests.log" | tee -a "$out/summary.md"
fi
[ "$part" = tests ] && exit 0

echo "== gradclip GPU benchmark"
timeout 100 "$b/bin/gradclip_cuda_bench" "$out/cuda-bench.csv" > "$out/cuda-bench.txt" 2>&1
echo "gradclip bench exit code: $?" | tee -a "$out/summary.md"
grep "^#" "$out/cuda-bench.txt" | tee -a "$out/summary.md"

echo "== ./gradclip bench, cuda backend, from Java"
timeout 150 "$b/jre/bin/java" --enable-native-access=ALL-UNNAMED -Dgradclip.library.path="$PWD/$b/lib" \
  -cp "$b/gradclip.jar:$(ls "$b"/benchlib/*.jar | tr '\n' ':')" dev.gradclip.bench.BenchMain \
  --backend cuda --set gpt2-124m,gpt2-1.5b,flat-256m,tiny-2000x4096 --peers none > "$out/java-bench.txt" 2>&1
echo "java bench exit code: $?" | tee -a "$out/summary.md"

echo "== ./gradclip bench, cuda backend, the modes of issue 6 on gpt2-124m"
timeout 150 "$b/jre/bin/java" --enable-native-access=ALL-UNNAMED -Dgradclip.library.path="$PWD/$b/lib" \
  -cp "$b/gradclip.jar:$(ls "$b"/benchlib/*.jar | tr '\n' ':')" dev.gradclip.bench.BenchMain \
  --backend cuda --set gpt2-124m --peers none \
  --mode global-clip,block-rms,agc,agc-noclip,per-sample,per-sample-noise,autoclip,zclip,amp > "$out/java-bench-modes.txt" 2>&1
echo "java bench (modes) exit code: $?" | tee -a "$out/summary.md"

echo "== PyTorch on the same shapes"
(cd bench/gpu && PYTHONUNBUFFERED=1 timeout 120 python3 torch_clip_bench.py --csv "$out/torch-bench.csv") \
  > "$out/torch-bench.txt" 2>&1
echo "torch bench exit code: $?" | tee -a "$out/summary.md"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$out/summary.md"

echo | tee -a "$out/summary.md"
python3 bench/gpu/compare.py "$out/cuda-bench.csv" "$out/torch-bench.csv" | tee -a "$out/summary.md"
