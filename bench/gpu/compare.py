"""Joins gradclip's GPU benchmark CSV with PyTorch's and prints one Markdown table with the speed-ups.

Usage: python3 compare.py CUDA_BENCH.csv TORCH_BENCH.csv
"""
import csv
import os
import sys

# The two programs name a few things differently; both are mapped onto the names.
SET_NAMES = {"gpt2-xl": "gpt2-1.5b", "2000x4096": "tiny-2000x4096"}
MODE_NAMES = {"global-clip": "global-clipping", "global-noclip": "global-not-clipping"}
DTYPE_NAMES = {"fp32": "f32", "fp64": "f64", "fp16": "f16"}


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def key(row):
    return (SET_NAMES.get(row["set"], row["set"]), DTYPE_NAMES.get(row["dtype"], row["dtype"]),
            MODE_NAMES.get(row["mode"], row["mode"]))


def main(ours_path, torch_path):
    if not os.path.exists(ours_path):
        print(f"no gradclip results ({ours_path} missing): see cuda-bench.txt")
        return 1
    ours = load(ours_path)
    torch_rows = {key(r): r for r in load(torch_path)} if os.path.exists(torch_path) else {}
    device = ours[0].get("device", "?") if ours else "?"
    print(f"GPU: {device}\n")
    print("| set | dtype | mode | launches | gradclip ms | GB/s | % of copy bw | PyTorch ms | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in ours:
        k = key(r)
        t = torch_rows.get(k)
        torch_ms = float(t["ms_median"]) if t else None
        ms = float(r["ms_median"])
        speedup = f"{torch_ms / ms:.2f}x" if torch_ms and ms > 0 else "-"
        print(f"| {k[0]} | {k[1]} | {k[2]} | {r['launches']} | {ms:.3f} | {float(r['gb_per_s']):.0f} | "
              f"{float(r['pct_copy_bw']):.1f} | {'' if torch_ms is None else f'{torch_ms:.3f}'} | {speedup} |")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
