#!/usr/bin/env python3
"""Check that bench/pc_torch.py computes what vfe's pc computes.

Runs one predictive-coding training step in Go (bench/pcdump, or a dump file
given with --dump), loads the same initial weights and batch into PyTorch,
repeats the step with pc_torch's code (--mode manual and autograd) and
compares the energies before and after inference, the activities, the
parameter gradients and the weights after one Adam step. Prints one JSON
object with the largest differences and exits 1 when one exceeds its
tolerance (float32 rounding: 1e-4 relative on the energies' quadratic parts, 1e-4 absolute on the
rest, scaled by the value's magnitude).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pc_torch  # noqa: E402


def t(m):
    return torch.tensor(m["data"], dtype=torch.float32).reshape(m["rows"], m["cols"])


def maxdiff(a, b):
    """Largest |a - b| / (1 + |b|)."""
    return float(((a.double() - b.double()).abs() / (1 + b.double().abs())).max())


def compare(d, mode):
    cfg = d["config"]
    Ws = [t(l["W"]).requires_grad_() for l in d["init"]]
    bs = [t(l["b"]).reshape(-1).requires_grad_() for l in d["init"]]
    x, y = t(d["x"]), t(d["y"])
    inner = pc_torch.step_manual if mode == "manual" else pc_torch.step_autograd
    F0, F, eps, fz = inner(Ws, bs, x, y, cfg["T"], cfg["eta"])
    L = len(Ws)
    # z_l = mu_l + eps_l for the free nodes 1..L-1
    z_err = 0.0
    with torch.no_grad():
        for l in range(1, L):
            mu = torch.nn.functional.linear(fz[l + 1], Ws[l], bs[l])
            z_err = max(z_err, maxdiff(mu + eps[l], t(d["z"][l])))
    pc_torch.set_grads(Ws, bs, eps, fz)
    g_err = 0.0
    for l in range(L):
        g_err = max(g_err, maxdiff(Ws[l].grad, t(d["grad"][l]["W"])),
                    maxdiff(bs[l].grad, t(d["grad"][l]["b"]).reshape(-1)))
    opt = torch.optim.Adam(Ws + bs, lr=cfg["lr"])
    opt.step()
    w_err = 0.0
    for l in range(L):
        w_err = max(w_err, maxdiff(Ws[l].detach(), t(d["after_adam"][l]["W"])),
                    maxdiff(bs[l].detach(), t(d["after_adam"][l]["b"]).reshape(-1)))
    # The 1/2 d log(2 pi) constants are equal on both sides; compare the
    # quadratic parts 1/2 |eps|^2 / B, which carry the computation.
    const = sum(0.5 * dim * math.log(2 * math.pi) for dim in cfg["dims"][:-1])
    q0_go, q_go, q0, q = d["F0"] - const, d["F"] - const, F0 - const, F - const
    return {
        "F0_go": d["F0"], "F0_torch": F0, "F_go": d["F"], "F_torch": F,
        "F0_rel": abs(q0 - q0_go) / max(abs(q0_go), 1e-12), "F_rel": abs(q - q_go) / max(abs(q_go), 1e-12),
        "z_max": z_err, "grad_max": g_err, "weights_after_adam_max": w_err,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dump", help="a pcdump JSON file (default: run go run ./bench/pcdump)")
    p.add_argument("--go-args", default="-dims 3,5,4,6 -batch 4 -T 5 -seed 1",
                   help="arguments for pcdump when --dump is not given")
    p.add_argument("--tags", default="", help="go build tags for pcdump (e.g. openblas)")
    p.add_argument("--pcdump", default="", help="a built pcdump binary to use instead of go run")
    p.add_argument("--tol", type=float, default=1e-4)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    if args.dump:
        with open(args.dump) as f:
            d = json.load(f)
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "dump.json")
            if args.pcdump:
                cmd = [os.path.abspath(args.pcdump), "-out", out] + args.go_args.split()
            else:
                cmd = ["go", "run"] + (["-tags", args.tags] if args.tags else []) + ["./bench/pcdump", "-out", out] + args.go_args.split()
            subprocess.run(cmd, cwd=root, check=True)
            with open(out) as f:
                d = json.load(f)
    res = {"config": d["config"], "blas": d["blas"]}
    ok = True
    for mode in ("manual", "autograd"):
        r = compare(d, mode)
        res[mode] = r
        ok = ok and r["F0_rel"] <= args.tol and r["F_rel"] <= args.tol and max(
            r["z_max"], r["grad_max"], r["weights_after_adam_max"]) <= args.tol
    res["ok"] = ok
    print(json.dumps(res))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
