#!/usr/bin/python3
"""Independent PyTorch reference for Gauntlet's attack agreement tests.

Runs PGD (Madry et al. 2018) and APGD-CE (Croce & Hein 2020, arXiv:2003.01690) against the
fixture CNN (fixtures/models/cnn.onnx, rebuilt as the torch module `CNN` of fixtures/generate.py
with its weights read from the ONNX initializers) on the first N points of
fixtures/data/mnist-eval.npz, and writes fixtures/reference/attacks.json.

Everything is float32 on CPU, all N points in one batch, fixed seeds. A point counts as
robust iff it is correctly classified clean AND at every iterate the attack evaluates
(the random start included, every iterate taken after projection and clipping to [0,1]);
i.e. "broken at any iterate" = not robust. This is the usual robust-accuracy evaluation.

Run from the repository root with the system interpreter (it has torch 1.13 / onnx / numpy):

    /usr/bin/python3 bench/reference/attacks.py

CI never runs this; it compares Gauntlet against the committed JSON. See fixtures/reference/README.md.

Algorithms (all maximise the per-sample cross entropy  CE = logsumexp(z) - z[y]):

PGD, L-inf:  x0 = clip01(x + U(-eps, eps)) (one uniform draw per pixel);
             x_{k+1} = clip01(clip(x_k + alpha * sign(grad CE(x_k)), x - eps, x + eps)),
             alpha = 2.5 * eps / steps, 100 steps, 1 restart.
PGD, L2 (optional): x0 = x + delta, delta uniform in the L2 ball (gaussian direction, radius
             eps * u^(1/d)), clipped to [0,1]; x_{k+1} = clip01(P_eps(x_k + alpha * g/||g||_2)),
             P_eps = radial projection onto the L2 ball around x, alpha = 2.5 * eps / steps.
APGD-CE:     as the reference implementation fra31/auto-attack autopgd_base.py
             (APGDAttack.attack_single_run), written here from the paper and that description:
             start (L-inf) x0 = clip01(x + eps * t / max|t|), t ~ U(-1,1)^d per sample
                   (L2)    x0 = clip01(x + eps * t / ||t||_2), t ~ N(0, I);
             eta = 2 * eps; z = P(x_k + eta * sign(g))   (L2: eta * g/||g||_2);
             x_{k+1} = P(x_k + a (z - x_k) + (1 - a)(x_k - x_{k-1})), a = 1 at k = 0 and 0.75 after;
             P = projection onto the eps-ball then clip to [0,1] (L2: the radial projection and the
             clip, applied to z and again to x_{k+1}, like the reference);
             x_best / grad_best = iterate with the highest CE so far (strictly greater updates);
             checkpoints after 22, 41, 57, 70, 80, 87, 93, 99 iterations (window k = 22, then
             k = max(k - 3, 6)), i.e. p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06);
             at a checkpoint a sample halves its eta and restarts from (x_best, grad_best) if
               (1) #{i in window : CE(x_{i+1}) > CE(x_i)} <= rho * k, rho = 0.75, or
               (2) eta was not halved at the previous checkpoint and the best CE did not improve
                   since it (loss_best_last_check >= loss_best);  (2) is off at the first checkpoint.
             After a restart-from-best the momentum term of the next step uses x_best - x_prev where
             x_prev is the iterate before the one just replaced (as in the reference code).
             Reference-code detail kept in the default variant ("reference"): the condition-(1)
             count at the FIRST checkpoint compares CE(x_1) against a zero-initialised slot (the
             reference's loss_steps[-1]), not against CE(x_0). The "paper" variant compares against
             CE(x_0) and uses the strict '<' of the paper; it is run too so the sensitivity of the
             robust accuracy to that detail is on record.
"""

import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))  # bench/reference
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(REPO, "fixtures")
GOLDEN_TOL = 1e-4


def log(*a):
    print("[attacks %6.1fs]" % (time.time() - T0), *a, file=sys.stderr, flush=True)


T0 = time.time()


# --------------------------------------------------------------------------
# Model and data
# --------------------------------------------------------------------------

def load_model():
    """The fixture CNN as a torch module with the ONNX file's weights; checked against golden/cnn.npz."""
    import numpy as np
    import onnx
    import torch
    from onnx import numpy_helper

    sys.dont_write_bytecode = True  # no fixtures/__pycache__
    sys.path.insert(0, FIXTURES)
    import generate  # main() is guarded; importing sets seeds / deterministic mode / 2 threads

    model = generate.CNN()
    onnx_model = onnx.load(os.path.join(FIXTURES, "models", "cnn.onnx"))
    inits = {i.name: numpy_helper.to_array(i) for i in onnx_model.graph.initializer}
    state = model.state_dict()
    new_state = {}
    for key, ref in state.items():
        if key not in inits:
            raise SystemExit("cnn.onnx has no initializer named %r (initializers: %s)" % (key, sorted(inits)))
        arr = inits[key]
        if tuple(arr.shape) != tuple(ref.shape):
            raise SystemExit("initializer %r has shape %s, the module wants %s" % (key, arr.shape, tuple(ref.shape)))
        new_state[key] = torch.from_numpy(arr.copy()).to(torch.float32)
    unused = sorted(set(inits) - set(new_state))
    if unused:
        raise SystemExit("cnn.onnx initializers not used by the torch module: %s" % unused)
    model.load_state_dict(new_state, strict=True)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)

    g = np.load(os.path.join(FIXTURES, "golden", "cnn.npz"))
    with torch.no_grad():
        z = model(torch.from_numpy(g["x"]).float()).double().numpy()
    diff = float(np.abs(z - g["logits"]).max())
    if not diff < GOLDEN_TOL:
        raise SystemExit("torch logits differ from golden/cnn.npz by %.3g (tolerance %g)" % (diff, GOLDEN_TOL))
    log("cnn: torch logits match golden/cnn.npz (max abs diff %.2e over %d images)" % (diff, len(z)))
    return model, diff


def load_data(n):
    import numpy as np
    import torch

    d = np.load(os.path.join(FIXTURES, "data", "mnist-eval.npz"))
    x = np.ascontiguousarray(d["x"][:n].astype(np.float32))
    y = np.ascontiguousarray(d["y"][:n].astype(np.int64))
    assert x.shape == (n, 1, 28, 28) and x.min() >= 0.0 and x.max() <= 1.0
    return torch.from_numpy(x), torch.from_numpy(y)


# --------------------------------------------------------------------------
# Attacks
# --------------------------------------------------------------------------

def ce_and_grad(model, xa, y):
    """Per-sample CE, its input gradient and the correct-prediction mask at xa."""
    import torch
    import torch.nn.functional as F

    xa = xa.detach().requires_grad_(True)
    with torch.enable_grad():
        z = model(xa)
        loss = F.cross_entropy(z, y, reduction="none")
        (g,) = torch.autograd.grad(loss.sum(), xa)
    return loss.detach(), g.detach(), z.detach().argmax(1) == y


def flat_l2(t):
    return t.flatten(1).norm(p=2, dim=1).view(-1, 1, 1, 1)


def project(x, xa, eps, norm):
    """Projection onto {||xa - x|| <= eps} then clipping to [0,1]."""
    import torch

    if norm == "linf":
        return torch.clamp(torch.min(torch.max(xa, x - eps), x + eps), 0.0, 1.0)
    d = xa - x
    n = flat_l2(d)
    # radial projection as in the APGD reference: d / (||d|| + 1e-12) * min(eps, ||d||)
    return torch.clamp(x + d / (n + 1e-12) * torch.clamp(n, max=eps), 0.0, 1.0)


def check_feasible(x, xa, eps, norm):
    """Every evaluated iterate must lie in [0,1] and in the eps-ball (up to float32 rounding)."""
    d = xa - x
    size = float(d.abs().max()) if norm == "linf" else float(flat_l2(d).max())
    if not (float(xa.min()) >= 0.0 and float(xa.max()) <= 1.0 and size <= eps * (1 + 1e-5) + 1e-7):
        raise AssertionError("infeasible iterate: %s size %.9g > eps %g or outside [0,1]" % (norm, size, eps))


class Tracker:
    """Records, per point, the first iterate at which it is misclassified (-1: never)."""

    def __init__(self, n):
        import torch

        self.first = torch.full((n,), -1, dtype=torch.int64)

    def see(self, it, correct):
        newly = (~correct) & (self.first < 0)
        self.first[newly] = it


def pgd(model, x, y, eps, norm, steps, step_size, seed):
    import torch

    gen = torch.Generator().manual_seed(seed)
    if norm == "linf":
        u = torch.rand(x.shape, generator=gen, dtype=torch.float32)
        xa = torch.clamp(x + eps * (2.0 * u - 1.0), 0.0, 1.0)
    else:
        t = torch.randn(x.shape, generator=gen, dtype=torch.float32)
        d = x[0].numel()
        r = eps * torch.rand((x.shape[0], 1, 1, 1), generator=gen, dtype=torch.float32) ** (1.0 / d)
        xa = torch.clamp(x + t / flat_l2(t) * r, 0.0, 1.0)
    tr = Tracker(len(x))
    for k in range(steps):
        check_feasible(x, xa, eps, norm)
        _, g, correct = ce_and_grad(model, xa, y)
        tr.see(k, correct)
        if norm == "linf":
            step = step_size * torch.sign(g)
        else:
            step = step_size * g / (flat_l2(g) + 1e-12)
        xa = project(x, xa + step, eps, norm)
    check_feasible(x, xa, eps, norm)
    with torch.no_grad():
        tr.see(steps, model(xa).argmax(1) == y)
    return tr.first


def apgd_ce(model, x, y, eps, norm, n_iter, seed, variant="reference", rho=0.75, momentum=0.75):
    import torch

    n = len(x)
    gen = torch.Generator().manual_seed(seed)
    if norm == "linf":
        t = 2.0 * torch.rand(x.shape, generator=gen, dtype=torch.float32) - 1.0
        t = t / (t.abs().flatten(1).max(1)[0].view(-1, 1, 1, 1) + 1e-12)
    else:
        t = torch.randn(x.shape, generator=gen, dtype=torch.float32)
        t = t / (flat_l2(t) + 1e-12)
    xa = torch.clamp(x + eps * t, 0.0, 1.0)

    tr = Tracker(n)
    check_feasible(x, xa, eps, norm)
    loss, grad, correct = ce_and_grad(model, xa, y)
    tr.see(0, correct)
    loss0 = loss.clone()
    x_best, grad_best, loss_best = xa.clone(), grad.clone(), loss.clone()
    eta = torch.full((n, 1, 1, 1), 2.0 * eps, dtype=torch.float32)
    x_prev = xa.clone()

    w = max(int(0.22 * n_iter), 1)  # first window length
    w_min = max(int(0.06 * n_iter), 1)
    w_decr = max(int(0.03 * n_iter), 1)
    since_check = 0
    loss_steps = torch.zeros((n_iter, n), dtype=torch.float32)  # loss_steps[i] = CE(x_{i+1})
    loss_best_last_check = loss_best.clone()
    halved_last_check = torch.ones(n, dtype=torch.bool)
    checkpoints, n_halved = [], []

    for i in range(n_iter):
        with torch.no_grad():
            mom = xa - x_prev
            x_prev = xa.clone()
            a = momentum if i > 0 else 1.0
            if norm == "linf":
                z = project(x, xa + eta * torch.sign(grad), eps, norm)
            else:
                z = project(x, xa + eta * grad / (flat_l2(grad) + 1e-12), eps, norm)
            xa = project(x, xa + a * (z - xa) + (1.0 - a) * mom, eps, norm)

        check_feasible(x, xa, eps, norm)
        loss, grad, correct = ce_and_grad(model, xa, y)
        tr.see(i + 1, correct)
        with torch.no_grad():
            loss_steps[i] = loss
            better = loss > loss_best
            x_best[better] = xa[better]
            grad_best[better] = grad[better]
            loss_best[better] = loss[better]
            since_check += 1
            if since_check == w:
                # condition (1): count of increases over the window i-w+1 .. i
                inc = torch.zeros(n, dtype=torch.float32)
                for c in range(w):
                    j = i - c
                    if j - 1 >= 0:
                        prev = loss_steps[j - 1]
                    elif variant == "paper":
                        prev = loss0  # CE(x_0)
                    else:
                        prev = loss_steps[-1]  # reference: zero-initialised slot (index -1)
                    inc += (loss_steps[j] > prev).float()
                if variant == "paper":
                    cond1 = inc < rho * w
                else:
                    cond1 = inc <= rho * w
                cond2 = (~halved_last_check) & (loss_best_last_check >= loss_best)
                halve = cond1 | cond2
                halved_last_check = halve.clone()
                loss_best_last_check = loss_best.clone()
                if bool(halve.any()):
                    eta[halve] /= 2.0
                    xa[halve] = x_best[halve]
                    grad[halve] = grad_best[halve]
                checkpoints.append(i + 1)
                n_halved.append(int(halve.sum()))
                w = max(w - w_decr, w_min)
                since_check = 0
    return tr.first, {"checkpoints": checkpoints, "n_halved": n_halved}


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

def write_json(path, out, seconds):
    """Writes a reference result file (compact JSON, trailing newline) and logs where."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
        fh.write("\n")
    log("wrote %s (%.1fs)" % (os.path.relpath(path, REPO), seconds))


def floats(s):
    return [float(v) for v in s.split(",") if v]


def ints(s):
    return [int(v) for v in s.split(",") if v]


def reference_parser(doc):
    """Argument parser with the options every reference script shares: points, threads, PGD steps, seeds."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seeds", default="0,1,2")
    return ap


def main():
    ap = reference_parser(__doc__)
    ap.add_argument("--probe-eps", default="0.05,0.08,0.1,0.12,0.15", help="L-inf eps probed with PGD, seed 0")
    ap.add_argument("--eps", default="0.08,0.12", help="the two L-inf eps of the agreement runs")
    ap.add_argument("--probe-eps-l2", default="1.0,1.5,2.0", help="L2 eps probed with PGD-L2, seed 0")
    ap.add_argument("--eps-l2", default="1.5", help="L2 eps of the optional L2 runs ('' to skip L2)")
    ap.add_argument("--out", default=os.path.join(FIXTURES, "reference", "attacks.json"))
    args = ap.parse_args()

    import numpy as np
    import torch

    model, golden_diff = load_model()
    torch.set_num_threads(args.threads)
    x, y = load_data(args.n)
    with torch.no_grad():
        clean = model(x).argmax(1) == y
    clean_acc = int(clean.sum()) / args.n
    log("clean accuracy %.4f on %d points" % (clean_acc, args.n))

    steps = args.steps
    seeds = ints(args.seeds)

    def result(attack, norm, eps, seed, first, params, secs, extra=None):
        robust = clean & (first < 0)
        r = {"attack": attack, "norm": norm, "eps": eps, "steps": steps}
        r.update(params)
        r.update({"seed": seed, "robust_accuracy": int(robust.sum()) / args.n,
                  "n_robust": int(robust.sum()), "seconds": round(secs, 2)})
        if extra:
            r.update(extra)
        r["robust"] = [int(v) for v in robust.tolist()]
        # first iterate (0 = start point) at which the point was misclassified; -1 = never
        r["first_broken_iter"] = [int(v) for v in first.tolist()]
        log("%-8s %-4s eps=%-6g seed=%d%s robust acc %.4f (%d/%d) %.1fs" % (
            attack, norm, eps, seed, "" if not extra or "variant" not in extra else " [%s]" % extra["variant"],
            r["robust_accuracy"], r["n_robust"], args.n, secs))
        return r

    memo = {}

    def run_pgd(eps, norm, seed):
        key = (eps, norm, seed)
        if key not in memo:
            memo[key] = run_pgd_uncached(eps, norm, seed)
        return memo[key]

    def run_pgd_uncached(eps, norm, seed):
        t0 = time.time()
        alpha = 2.5 * eps / steps
        first = pgd(model, x, y, eps, norm, steps, alpha, seed)
        return result("pgd", norm, eps, seed, first,
                      {"step_size": alpha, "restarts": 1,
                       "random_start": "uniform in the eps-ball, clipped to [0,1]"}, time.time() - t0)

    def run_apgd(eps, norm, seed, variant="reference"):
        t0 = time.time()
        first, info = apgd_ce(model, x, y, eps, norm, steps, seed, variant=variant)
        extra = {"variant": variant, "checkpoints": info["checkpoints"], "n_halved": info["n_halved"]}
        return result("apgd-ce", norm, eps, seed, first,
                      {"eta0": 2.0 * eps, "momentum": 0.75, "rho": 0.75, "restarts": 1}, time.time() - t0, extra)

    def summary(runs):
        out = []
        keys = sorted({(r["attack"], r["norm"], r["eps"], r.get("variant", "")) for r in runs})
        for attack, norm, eps, variant in keys:
            rs = [r for r in runs if (r["attack"], r["norm"], r["eps"], r.get("variant", "")) == (attack, norm, eps, variant)]
            accs = [r["robust_accuracy"] for r in rs]
            rob = np.array([r["robust"] for r in rs])
            s = {"attack": attack, "norm": norm, "eps": eps, "seeds": [r["seed"] for r in rs],
                 "robust_accuracy": accs, "min": min(accs), "max": max(accs),
                 "spread_pp": round(100.0 * (max(accs) - min(accs)), 2),
                 "mean": round(sum(accs) / len(accs), 6),
                 # points whose verdict differs between seeds
                 "points_verdict_varies": int((rob.min(0) != rob.max(0)).sum()),
                 "robust_all_seeds": float(rob.min(0).mean())}
            if variant:
                s["variant"] = variant
            out.append(s)
        return out

    # the probes run first (PGD, seed 0); a probe at an agreement eps is the seed-0 run itself
    probes = []
    for eps in floats(args.probe_eps):
        r = run_pgd(eps, "linf", 0)
        probes.append({"attack": "pgd", "norm": "linf", "eps": eps, "seed": 0,
                       "robust_accuracy": r["robust_accuracy"]})
    for eps in floats(args.probe_eps_l2) if args.eps_l2 else []:
        r = run_pgd(eps, "l2", 0)
        probes.append({"attack": "pgd", "norm": "l2", "eps": eps, "seed": 0,
                       "robust_accuracy": r["robust_accuracy"], "optional": True})

    runs = []
    for eps in floats(args.eps):
        for seed in seeds:
            runs.append(run_pgd(eps, "linf", seed))
        for seed in seeds:
            runs.append(run_apgd(eps, "linf", seed))
    optional_runs = []
    for eps in floats(args.eps_l2):
        for seed in seeds:
            optional_runs.append(run_pgd(eps, "l2", seed))
        for seed in seeds:
            optional_runs.append(run_apgd(eps, "l2", seed))
    # sensitivity of APGD to the first-window detail (see the module docstring)
    variants = []
    for eps in floats(args.eps):
        for seed in seeds:
            variants.append(run_apgd(eps, "linf", seed, variant="paper"))

    seconds = round(time.time() - T0, 1)
    out = {
        "model": "models/cnn.onnx",
        "data": "data/mnist-eval.npz",
        "n": args.n,
        "clean_accuracy": clean_acc,
        "clean_correct": [int(v) for v in clean.tolist()],
        "robust_definition": "robust[i] = 1 iff point i is correctly classified clean and at every iterate "
                             "the attack evaluates (random start = iterate 0, then every iterate after "
                             "projection and clipping to [0,1]); robust_accuracy = mean(robust)",
        "loss": "ce = logsumexp(z) - z[y] (maximised)",
        "dtype": "float32",
        "device": "cpu",
        "golden_logits_max_abs_diff": golden_diff,
        "probe": probes,
        "runs": runs,
        "summary": summary(runs),
        "optional_runs": optional_runs,
        "optional_summary": summary(optional_runs),
        "apgd_variant_runs": variants,
        "apgd_variant_summary": summary(variants),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "threads": torch.get_num_threads(),
        "command": "/usr/bin/python3 bench/reference/attacks.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""),
        "seconds": seconds,
    }
    write_json(args.out, out, seconds)
    for s in out["summary"] + out["optional_summary"] + out["apgd_variant_summary"]:
        log("%-8s %-4s eps=%-6g %-9s acc %s spread %.1f pp, %d points vary" % (
            s["attack"], s["norm"], s["eps"], s.get("variant", ""),
            " ".join("%.3f" % a for a in s["robust_accuracy"]), s["spread_pp"], s["points_verdict_varies"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
