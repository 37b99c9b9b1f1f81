#!/usr/bin/env python3
"""MLP 784-256-256-10 (tanh) training step in plain PyTorch: the peer of
vfe's nn benchmark (nn/train_test.go, BenchmarkMLPTrainStep).

One step on a batch of 64: forward, softmax cross-entropy, backward by
autograd, one torch.optim.Adam step (lr 1e-3). float32, random MNIST-shaped
data (pixels uniform in [0, 1), uniform labels). Prints one JSON object with
steps/s (best and median over --repeats timed runs) and the GFLOP/s of the
matrix products: per layer 2·B·in·out for the forward and for dW, and again
for dx on every layer but the first.
"""
import argparse
import json
import os
import statistics
import sys
import time


def _threads_arg(argv):
    """The --threads value, read before torch is imported."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


# torch.set_num_threads governs OpenMP but not the OpenBLAS that Debian's
# torch links, whose own thread pool must be sized before it loads.
if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", _threads_arg(sys.argv[1:]))
else:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402

SIZES = [784, 256, 256, 10]


def mlp_flops(sizes, b):
    f = 0
    for i in range(len(sizes) - 1):
        mac = b * sizes[i] * sizes[i + 1]
        f += 2 * mac * 2
        if i > 0:
            f += 2 * mac
    return f


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=300, help="most timed steps per repeat")
    p.add_argument("--seconds", type=float, default=3.0,
                   help="a repeat also ends after this long (at least 3 steps), so a busy machine cannot stall it")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    layers = []
    for i in range(len(SIZES) - 1):
        layers.append(nn.Linear(SIZES[i], SIZES[i + 1]))
        if i < len(SIZES) - 2:
            layers.append(nn.Tanh())
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(args.batch, SIZES[0])
    y = torch.randint(0, SIZES[-1], (args.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    t0 = time.perf_counter()
    for i in range(args.warmup):
        if i >= 2 and time.perf_counter() - t0 > args.seconds:
            break
        step()
    rates = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        n = 0
        while n < args.steps and (n < 3 or time.perf_counter() - t0 < args.seconds):
            step()
            n += 1
        rates.append(n / (time.perf_counter() - t0))
    best = max(rates)
    print(json.dumps({
        "impl": "pytorch", "torch": torch.__version__, "threads": args.threads, "batch": args.batch,
        "mode": "autograd" + (f", OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}" if "OMP_WAIT_POLICY" in os.environ else ""),
        "steps_per_s": round(best, 1), "steps_per_s_median": round(statistics.median(rates), 1),
        "gflops": round(best * mlp_flops(SIZES, args.batch) / 1e9, 2),
    }))


if __name__ == "__main__":
    sys.exit(main())
