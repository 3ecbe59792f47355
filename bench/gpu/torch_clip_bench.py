"""PyTorch's own clipping on the GPU, timed like gradclip's native benchmark: the peer of the comparison.

Usage: python3 torch_clip_bench.py --csv OUT.csv [--reps 20]
Prints and writes set,dtype,mode,ms_median,ms_min,ms_max for clip_grad_norm_(foreach=True) when clipping
and when not, and clip_grad_value_(foreach=True).
"""
import argparse
import csv
import statistics
import sys

import torch

from gpt2_shapes import SETS

CASES = [("gpt2-124m", torch.float32), ("gpt2-124m", torch.bfloat16), ("gpt2-1.5b", torch.float32),
         ("flat-256m", torch.float32), ("tiny-2000x4096", torch.float32)]


def timed(fn, reps, warmup=5):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times), min(times), max(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    rows = []
    for name, dtype in CASES:
        params = []
        for shape in SETS[name]:
            p = torch.nn.Parameter(torch.empty(shape, device="cuda", dtype=dtype))
            p.grad = torch.randn(shape, device="cuda", dtype=dtype) * 1e-3
            params.append(p)
        dt = str(dtype).replace("torch.", "").replace("float32", "f32").replace("bfloat16", "bf16")
        # clip_grad_norm_ returns a device tensor; calling .item() would add a sync PyTorch users avoid.
        # A tiny max_norm forces the scaling pass to change the data; a huge one leaves it (PyTorch
        # still multiplies by the clamped coefficient 1.0).
        for mode, fn in [
            ("global-clipping", lambda: torch.nn.utils.clip_grad_norm_(params, 1e-6, foreach=True)),
            ("global-not-clipping", lambda: torch.nn.utils.clip_grad_norm_(params, 1e30, foreach=True)),
            ("value", lambda: torch.nn.utils.clip_grad_value_(params, 1e-3, foreach=True)),
        ]:
            med, lo, hi = timed(fn, args.reps)
            rows.append({"set": name, "dtype": dt, "mode": mode, "ms_median": med, "ms_min": lo, "ms_max": hi})
            print(f"torch {name:15s} {dt:5s} {mode:20s} {med:9.3f} ms (min {lo:.3f}, max {hi:.3f})", flush=True)
        del params
        torch.cuda.empty_cache()
    with open(args.csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    sys.exit(main())
