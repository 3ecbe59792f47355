"""PyTorch peer of ./gradclip bench (see bench/README.md).

Times PyTorch's own clipping -- torch.nn.utils.clip_grad_norm_ (foreach=True where this torch has it),
clip_grad_value_, and the total norm -- on gradients of the given shapes and dtype, with the same
warm-up, repetitions, time budget and threshold schedule as the Java side (ThresholdSchedule.java).
The data is generated here (same shapes and dtype, not the same values) and refilled before each mode,
and each mode's first run is checked against a float64 reference computed in this process.
Prints one JSON object on stdout; nothing else.
"""
import argparse
import inspect
import json
import math
import sys
import time

import torch

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16, "f64": torch.float64}
CHUNK = 1 << 24  # elements widened to float64 at a time by the reference, to bound its memory


def read_shapes(path):
    shapes = []
    with open(path) as f:
        for line in f:
            text = line.split("#", 1)[0].strip()
            if text:
                dims = text.split()[-1]
                shapes.append(tuple(int(d) for d in dims.split("x")))
    return shapes


def fill(grads):
    gen = torch.Generator().manual_seed(0)
    for g in grads:
        g.uniform_(-1.0, 1.0, generator=gen)


def sum_squares64(g, clamp=None):
    s = 0.0
    for c in g.reshape(-1).split(CHUNK):
        d = c.double()
        if clamp is not None:
            d = d.clamp(-clamp, clamp)
        s += d.square().sum().item()
    return s


def threshold(a, mode, k, total, smallest):
    if mode == "norm":
        return 0.0
    if mode == "global-noclip":
        return 2.0 * total
    if mode == "global-clip":
        return total * a.first_fraction * a.decay ** k
    if mode == "per-tensor":
        return smallest * a.first_fraction * a.decay ** k
    return a.first_clip_value * a.value_decay ** k  # value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", required=True)
    ap.add_argument("--dtype", required=True, choices=sorted(DTYPES))
    ap.add_argument("--modes", required=True)
    ap.add_argument("--warmup", type=int, required=True)
    ap.add_argument("--reps", type=int, required=True)
    ap.add_argument("--min-reps", type=int, required=True)
    ap.add_argument("--max-seconds", type=float, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--decay", type=float, required=True)
    ap.add_argument("--first-fraction", type=float, required=True)
    ap.add_argument("--first-clip-value", type=float, required=True)
    ap.add_argument("--value-decay", type=float, required=True)
    ap.add_argument("--tolerance", type=float, required=True)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    dtype = DTYPES[a.dtype]
    params = []
    for shape in read_shapes(a.shapes):
        p = torch.nn.Parameter(torch.empty(shape, dtype=dtype))  # never touched: costs no memory
        p.grad = torch.empty(shape, dtype=dtype)
        params.append(p)
    grads = [p.grad for p in params]

    utils = torch.nn.utils
    foreach = "foreach" in inspect.signature(utils.clip_grad_norm_).parameters
    kw = {"foreach": True} if foreach else {}
    value_kw = {"foreach": True} if "foreach" in inspect.signature(utils.clip_grad_value_).parameters else {}
    has_total_norm = hasattr(utils, "get_total_norm")

    def total_norm():
        if has_total_norm:
            return utils.get_total_norm(grads, 2.0, foreach=True).item()
        # what clip_grad_norm_ computes before scaling, in torch versions without get_total_norm
        return torch.norm(torch.stack([torch.norm(g.detach(), 2.0) for g in grads]), 2.0).item()

    def run(mode, t):
        if mode == "norm":
            return total_norm()
        if mode in ("global-noclip", "global-clip"):
            return utils.clip_grad_norm_(params, t, **kw).item()
        if mode == "per-tensor":
            return math.sqrt(sum(utils.clip_grad_norm_([p], t, **kw).item() ** 2 for p in params))
        utils.clip_grad_value_(params, t, **value_kw)
        return float("nan")

    def check(what, actual, expected):
        if abs(actual - expected) <= a.tolerance * abs(expected):
            return None
        return "%s %.9g, reference %.9g (relative error %.2g > %.0g)" % (
            what, actual, expected, abs(actual - expected) / abs(expected), a.tolerance)

    cases = []
    fill(grads)
    sums = [sum_squares64(g) for g in grads]  # every fill writes the same values: one reference serves all modes
    total = math.sqrt(sum(sums))
    smallest = min(math.sqrt(s) for s in sums)
    pristine = True
    for mode in a.modes.split(","):
        if not pristine:
            fill(grads)
        pristine = mode in ("norm", "global-noclip")
        t0 = threshold(a, mode, 0, total, smallest)
        if mode == "global-clip":
            after = total * min(1.0, t0 / (total + 1e-6))
        elif mode == "per-tensor":
            after = math.sqrt(sum((math.sqrt(s) * min(1.0, t0 / (math.sqrt(s) + 1e-6))) ** 2 for s in sums))
        elif mode == "value":
            after = math.sqrt(sum(sum_squares64(g, clamp=t0) for g in grads))
        else:
            after = total
        problems = []
        times = []
        warming = a.warmup > 0
        warm_start = time.perf_counter()
        timed_start = 0.0
        k = 0
        while len(times) < a.reps:
            if len(times) >= min(a.min_reps, a.reps) and time.perf_counter() - timed_start > a.max_seconds:
                break
            t = threshold(a, mode, k, total, smallest)
            start = time.perf_counter()
            norm = run(mode, t)
            elapsed = time.perf_counter() - start
            if k == 0:
                if mode != "value":
                    problems.append(check("norm", norm, total))
                problems.append(check("norm after the first run", math.sqrt(sum(sum_squares64(g) for g in grads)), after))
            if warming:
                warming = k + 1 < a.warmup and time.perf_counter() - warm_start <= a.max_seconds
            else:
                if not times:
                    timed_start = start
                times.append(elapsed * 1e3)
            k += 1
        problems = [p for p in problems if p]
        cases.append({"mode": mode, "ms": times, "check": "; ".join(problems) if problems else "ok"})

    how = "clip_grad_norm_(foreach=True)" if foreach else "clip_grad_norm_ (no foreach in this torch)"
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "how": how,
               "cases": cases}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
