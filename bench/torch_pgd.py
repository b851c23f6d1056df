#!/usr/bin/python3
"""PyTorch eager timing of PGD-100 for `npm run bench:attacks` (bench/attacks.ts runs this script).

The same attack Gauntlet's `pgd` runs with its defaults (src/attacks/pgd.ts, verified by
src/attacks/run.ts), written in plain torch eager on the fixture CNN, so that the two wall-clock
times can be compared:

    clean = argmax f(x); attack only the clean-correct points
    x_0 = clip_box(x + U(-eps, eps))                          (random start, one draw per pixel)
    for t = 0 .. T:                                            (T + 1 gradient evaluations)
        z = f(x_t); CE = logsumexp(z) - z[y]; g = d(sum CE)/dx_t    (one batched call)
        a misclassified x_t is kept as the sample's result and the sample leaves the batch
        (else the iterate of highest CE so far is kept)
        x_{t+1} = clip_box(clip(x_t + alpha * sign(g), x - eps, x + eps)),  alpha = 2.5 * eps / T
    verification: one forward pass of the kept points; robust = clean-correct and still correct

float32 CPU, parameters frozen (input gradient only), torch.set_num_threads(--threads). The model
is rebuilt and loaded exactly as bench/torch_grad.py does it (the module classes of
fixtures/generate.py with the weights of fixtures/models/cnn.onnx; logits checked against
fixtures/golden/cnn.npz before timing). The box is [0, 1] (mnist-eval.npz has no lower/upper).

The timed region is the whole attack above (clean prediction to verification) on the first --n
evaluation points, after one untimed warm-up forward/backward pass. `--rounds` repeats it; each
round uses a fresh generator seeded with --seed, so every round computes the same thing.
With --full-batch the script also times the naive variant that keeps every point for all T + 1
iterations (no early stop), once, for reference.

Usage: /usr/bin/python3 bench/torch_pgd.py --n 500 --eps 0.1 --steps 100 --threads 2
Prints one JSON object on stdout:
  {"status": "ok", "torch": ..., "threads": ..., "rounds": [{"seconds", "robust_accuracy", ...}], ...}
  {"status": "no-torch", "message": "..."}      torch (or onnx/numpy) cannot be imported
  {"status": "error", "message": "..."}         the torch twin failed its golden check, or anything else
Progress goes to stderr.
"""

import argparse
import os
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))  # .../bench (this script and torch_grad.py)
REPO = os.path.dirname(BENCH)
FIXTURES = os.path.join(REPO, "fixtures")

sys.dont_write_bytecode = True  # no bench/__pycache__
sys.path.insert(0, BENCH)
from torch_grad import emit  # noqa: E402  (one JSON result line on stdout; torch_grad imports nothing heavy at module level)


def log(*a):
    print("[torch_pgd]", *a, file=sys.stderr, flush=True)


def load_cnn(threads):
    """The fixture CNN through bench/torch_grad.py's loader (raises ImportError without torch)."""
    sys.dont_write_bytecode = True  # no bench/__pycache__
    sys.path.insert(0, BENCH)
    import torch_grad  # noqa: E402  (imports nothing heavy at module level)

    gen = torch_grad.import_deps()  # ImportError here = no torch/onnx/numpy
    import torch

    torch.set_num_threads(threads)
    fwd, full = torch_grad.build_model(gen, "cnn")
    check = torch_grad.check_golden("cnn", fwd, full)
    return torch_grad, fwd, check


def load_data(n):
    import numpy as np
    import torch

    d = np.load(os.path.join(FIXTURES, "data", "mnist-eval.npz"))
    if "lower" in d.files or "upper" in d.files:
        raise RuntimeError("mnist-eval.npz has a lower/upper box; this script assumes [0, 1]")
    x = np.ascontiguousarray(d["x"][:n].astype(np.float32))
    y = np.ascontiguousarray(d["y"][:n].astype(np.int64))
    return torch.from_numpy(x), torch.from_numpy(y)


def ce_and_grad(model, xa, y):
    import torch
    import torch.nn.functional as F

    xa = xa.detach().requires_grad_(True)
    z = model(xa)
    loss = F.cross_entropy(z, y, reduction="none")  # logsumexp(z) - z[y], per sample
    (g,) = torch.autograd.grad(loss.sum(), xa)
    return z.detach(), loss.detach(), g


def pgd(model, x, y, eps, steps, seed, early_stop=True):
    """PGD-`steps` as described in the module docstring; returns counts and robust accuracy."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    alpha = 2.5 * eps / steps
    n = len(x)
    with torch.no_grad():
        clean = model(x).argmax(1)
    forward = n
    idx = torch.nonzero(clean == y).flatten()
    x0, y0 = x[idx], y[idx]
    m = len(idx)
    best = x0.clone()
    best_loss = torch.full((m,), -float("inf"))
    active = torch.arange(m)
    lo, hi = (x0 - eps).clamp(0.0, 1.0), (x0 + eps).clamp(0.0, 1.0)
    cur = (x0 + eps * (2.0 * torch.rand(x0.shape, generator=gen) - 1.0)).clamp(0.0, 1.0)
    found = torch.zeros(m, dtype=torch.bool)
    grads = 0
    for t in range(steps + 1):
        z, loss, g = ce_and_grad(model, cur, y0[active])
        grads += len(active)
        wrong = (z.argmax(1) != y0[active]) & ~found[active]
        better = ~wrong & ~found[active] & (loss > best_loss[active])
        best[active[better]] = cur[better]
        best_loss[active[better]] = loss[better]
        best[active[wrong]] = cur[wrong]
        found[active[wrong]] = True
        if t == steps:
            break
        if early_stop and bool(wrong.any()):
            keep = ~wrong
            active, cur, g = active[keep], cur[keep], g[keep]
            if len(active) == 0:
                break
        cur = cur + alpha * torch.sign(g)
        cur = torch.min(torch.max(cur, lo[active]), hi[active])
    robust = 0
    if m > 0:
        with torch.no_grad():
            robust = int((model(best).argmax(1) == y0).sum())
    forward += m
    return {"clean_correct": m, "robust": robust, "robust_accuracy": robust / n,
            "gradient_calls": grads, "forward_calls": forward}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--eps", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--full-batch", action="store_true", help="also time PGD without early stop, once")
    args = ap.parse_args()
    try:
        _, model, check = load_cnn(args.threads)
    except ImportError as e:
        emit({"status": "no-torch", "message": "%s (%s)" % (e, sys.executable)})
        return 0
    except Exception as e:  # CheckFailed from torch_grad, missing files, ...
        emit({"status": "error", "message": "%s: %s" % (type(e).__name__, e)})
        return 0
    import torch

    x, y = load_data(args.n)
    # Warm-up: one forward/backward pass of the full batch (allocator, kernels), untimed.
    ce_and_grad(model, x, y)
    rounds = []
    for r in range(args.rounds):
        t0 = time.perf_counter()
        res = pgd(model, x, y, args.eps, args.steps, args.seed)
        res["seconds"] = time.perf_counter() - t0
        rounds.append(res)
        log("round %d/%d: %.2f s, robust accuracy %.3f, %d gradient samples"
            % (r + 1, args.rounds, res["seconds"], res["robust_accuracy"], res["gradient_calls"]))
    out = {"status": "ok", "torch": torch.__version__, "threads": torch.get_num_threads(),
           "interop_threads": torch.get_num_interop_threads(), "python": sys.executable,
           "n": args.n, "eps": args.eps, "steps": args.steps, "seed": args.seed,
           "golden_logits_max_abs": check["logits_max_abs"], "rounds": rounds}
    if args.full_batch:
        t0 = time.perf_counter()
        res = pgd(model, x, y, args.eps, args.steps, args.seed, early_stop=False)
        res["seconds"] = time.perf_counter() - t0
        out["full_batch"] = res
        log("full batch (no early stop): %.2f s, robust accuracy %.3f" % (res["seconds"], res["robust_accuracy"]))
    emit(out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # anything unexpected still yields parseable output
        emit({"status": "error", "message": "%s: %s" % (type(e).__name__, e)})
        sys.exit(0)
