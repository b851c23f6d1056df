#!/usr/bin/python3
"""PyTorch eager reference for `npm run bench:grad` (bench/grad.ts runs this script).

For each fixture model: rebuild the torch module from fixtures/generate.py, load its weights
from the ONNX initializers of fixtures/models/<model>.onnx, check the float32 torch logits
against the golden logits in fixtures/golden/<model>.npz (max abs diff < 1e-4), then time
float32 CPU eager forward and CE loss + input gradient at each batch size:

    x.requires_grad_(True); z = model(x)
    loss = logsumexp(z) - z[y]            (per sample, = F.cross_entropy(reduction='none'))
    (g,) = torch.autograd.grad(loss.sum(), x)

Parameters are frozen (requires_grad False), so torch computes only the input gradient,
as Gauntlet's gradient graph does. The input is the real evaluation set repeated to fill
the batch (x[i % 500]), as in grad.ts.

Usage: /usr/bin/python3 bench/torch_grad.py --models cnn,resnet --batches 1,32,128 --threads 2
Prints one JSON object on stdout:
  {"status": "ok", "torch": "<version>", "threads": n, "results": [...], "checks": {...}}
  {"status": "no-torch", "message": "..."}          torch (or onnx/numpy) cannot be imported
  {"status": "error", "message": "..."}             a model failed its logits check, or anything else
Progress goes to stderr.
"""

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIXTURES = os.path.join(REPO, "fixtures")
GOLDEN_TOL = 1e-4


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def log(*a):
    print("[torch_grad]", *a, file=sys.stderr, flush=True)


class CheckFailed(Exception):
    pass


def import_deps():
    """Imports numpy/onnx/torch and the fixture generator's module classes (its main() is guarded)."""
    import torch  # noqa: F401  (first, so that a missing torch is what gets reported)
    import numpy as np  # noqa: F401
    import onnx  # noqa: F401

    sys.dont_write_bytecode = True  # do not leave fixtures/__pycache__ behind
    sys.path.insert(0, FIXTURES)
    import generate  # noqa: E402

    # generate.py sets these at import time for reproducible training; undo them so the
    # timing uses torch's defaults (the thread count is set again by the caller).
    torch.use_deterministic_algorithms(False)
    return generate


def onnx_initializers(path):
    import onnx
    from onnx import numpy_helper

    m = onnx.load(path)
    return {i.name: numpy_helper.to_array(i).copy() for i in m.graph.initializer}


def load_state(module, inits, prefix=""):
    """Copies ONNX initializers into module.state_dict() by name (prefix stripped)."""
    import torch

    sd = module.state_dict()
    used = set()
    new = {}
    for key, ref in sd.items():
        name = prefix + key
        if name not in inits:
            if key.endswith("num_batches_tracked"):  # not part of the exported graph
                new[key] = ref
                continue
            raise CheckFailed("initializer '%s' for state_dict key '%s' not found in the ONNX file" % (name, key))
        arr = inits[name]
        if tuple(arr.shape) != tuple(ref.shape):
            raise CheckFailed("initializer '%s' has shape %s, state_dict '%s' wants %s"
                              % (name, arr.shape, key, tuple(ref.shape)))
        new[key] = torch.from_numpy(arr).to(ref.dtype)
        used.add(name)
    module.load_state_dict(new, strict=True)
    return used


def build_model(gen, name):
    """Returns (forward fn on float32 tensors returning PRE-softmax logits, description)."""
    import torch

    path = os.path.join(FIXTURES, "models", name + ".onnx")
    inits = onnx_initializers(path)
    if name == "cnn":
        m = gen.CNN()
        load_state(m, inits)
        m.eval()
    elif name == "cnn_softmax":
        # Gauntlet strips the trailing Softmax and differentiates CE on the pre-softmax
        # logits; the same here: CE on the inner CNN's logits.
        m = gen.CNNSoftmax(gen.CNN())
        load_state(m, inits)
        m.eval()
        inner = m.cnn
        for p in m.parameters():
            p.requires_grad_(False)
        return inner, m
    elif name == "resnet":
        m = gen.SmallResNet()
        load_state(m, inits)
        m.eval()
    elif name == "matlab_opset8":
        m = gen.MatlabNet(inits["imageinput_Mean"])
        mapping = {"mean": "imageinput_Mean", "conv.weight": "conv_W", "conv.bias": "conv_B",
                   "bn.weight": "batchnorm_scale", "bn.bias": "batchnorm_B", "bn.running_mean": "batchnorm_mean",
                   "bn.running_var": "batchnorm_var", "fc.weight": "fc_W", "fc.bias": "fc_B"}
        load_state(m, {k: inits[v] for k, v in mapping.items()})
        m.eval()
    elif name == "tf_nhwc":
        p = {"conv_w": "model/conv2d/Conv2D/ReadVariableOp:0", "conv_b": "model/conv2d/BiasAdd/ReadVariableOp:0",
             "dense_w": "model/dense/MatMul/ReadVariableOp:0", "dense_b": "model/dense/BiasAdd/ReadVariableOp:0"}
        params = {k: torch.from_numpy(inits[v]) for k, v in p.items()}
        shape = tuple(int(v) for v in inits["const_fold_opt__12"])
        if shape != (-1, 14 * 14 * 16):
            raise CheckFailed("tf_nhwc reshape constant is %s, generate.tf_forward assumes (-1, 3136)" % (shape,))

        def fwd(x):
            return gen.tf_forward(x, params)

        return fwd, None
    else:
        raise CheckFailed("unknown model '%s' (no torch twin in fixtures/generate.py)" % name)
    for p in m.parameters():
        p.requires_grad_(False)
    return m, None


def check_golden(name, fwd, full):
    """float32 torch logits vs the golden float64 logits; raises CheckFailed beyond GOLDEN_TOL."""
    import numpy as np
    import torch

    g = np.load(os.path.join(FIXTURES, "golden", name + ".npz"))
    with torch.no_grad():
        z = fwd(torch.from_numpy(g["x"])).double().numpy()
        diff = float(np.abs(z - g["logits"]).max())
        out = {"logits_max_abs": diff}
        if full is not None and "probs" in g.files:
            probs = full(torch.from_numpy(g["x"])).double().numpy()
            out["probs_max_abs"] = float(np.abs(probs - g["probs"]).max())
            diff = max(diff, out["probs_max_abs"])
    if not (diff < GOLDEN_TOL):
        raise CheckFailed("%s: torch logits differ from golden/%s.npz by %.3g (tolerance %g); "
                          "the torch twin does not match the ONNX file" % (name, name, diff, GOLDEN_TOL))
    return out


def eval_batch(name, n):
    import numpy as np
    import torch

    manifest = json.load(open(os.path.join(FIXTURES, "manifest.json")))
    d = np.load(os.path.join(FIXTURES, manifest["models"][name]["eval"]))
    x, y = d["x"].astype(np.float32), d["y"].astype(np.int64)
    idx = np.arange(n) % len(x)
    return torch.from_numpy(np.ascontiguousarray(x[idx])), torch.from_numpy(y[idx])


def timed(fn, warmup, min_reps, max_reps, budget_s):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times), len(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--batches", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-reps", type=int, default=5)
    ap.add_argument("--max-reps", type=int, default=50)
    ap.add_argument("--budget", type=float, default=0.6, help="seconds of timed repetitions per measurement")
    args = ap.parse_args()
    try:
        gen = import_deps()
    except ImportError as e:
        emit({"status": "no-torch", "message": "%s (%s)" % (e, sys.executable)})
        return 0
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    models = [m for m in args.models.split(",") if m]
    batches = [int(b) for b in args.batches.split(",") if b]
    checks, results = {}, []
    try:
        for name in models:
            fwd, full = build_model(gen, name)
            checks[name] = check_golden(name, fwd, full)
            log("%s: logits match golden (max abs %.2e)" % (name, checks[name]["logits_max_abs"]))
            for n in batches:
                x0, y = eval_batch(name, n)

                def forward():
                    with torch.no_grad():
                        return fwd(x0)

                def loss_and_grad():
                    x = x0.detach().requires_grad_(True)
                    z = fwd(x)
                    loss = F.cross_entropy(z, y, reduction="none")  # logsumexp(z) - z[y]
                    (g,) = torch.autograd.grad(loss.sum(), x)
                    return z.detach(), loss.detach(), g

                fms, fr = timed(forward, args.warmup, args.min_reps, args.max_reps, args.budget)
                gms, gr = timed(loss_and_grad, args.warmup, args.min_reps, args.max_reps, args.budget)
                results.append({"model": name, "batch": n, "forward_ms": fms, "grad_ms": gms,
                                "forward_reps": fr, "grad_reps": gr})
                log("%s batch %d: forward %.3f ms, ce+grad %.3f ms" % (name, n, fms, gms))
    except CheckFailed as e:
        emit({"status": "error", "message": str(e), "checks": checks})
        return 0
    emit({"status": "ok", "torch": torch.__version__, "threads": torch.get_num_threads(),
          "interop_threads": torch.get_num_interop_threads(), "python": sys.executable,
          "results": results, "checks": checks})
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # anything unexpected still yields parseable output
        emit({"status": "error", "message": "%s: %s" % (type(e).__name__, e)})
        sys.exit(0)
