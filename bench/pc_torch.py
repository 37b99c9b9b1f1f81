#!/usr/bin/env python3
"""Discriminative predictive coding on MNIST shapes, written plainly in PyTorch.

The peer of vfe's pc benchmark (pc/bench_test.go, BenchmarkPCTrainStep): the
chain s^0 (label, 10, clamped one-hot) <- s^1 (256) <- s^2 (256) <- s^3
(image, 784, clamped), predictions mu_{l-1} = W_l f(z_l) + b_l with f = tanh
on s^1 and s^2 and the identity on s^3, precision 1. One training step on a
batch: the clamped input's prediction mu_2 is computed once, a feed-forward
sweep sets z_2, z_1, then T plain gradient steps z <- z - eta dF/dz with
dF/dz_l = eps_l - J_l^T eps_{l-1}, a final evaluation, the weight gradients
dF/dtheta averaged over the batch, and one torch.optim.Adam step.

Two honest plain versions are offered: --mode manual (torch.no_grad and the
gradient formulas written out; the default and the faster one) and --mode
autograd (dF/dz by torch.autograd.grad on the energy). float32 throughout.

Prints one JSON object: samples/s (best and median over --repeats timed runs),
samples per CPU-second of the process (the best run; robust to a shared machine),
samples/s of the fastest single step (a step that ran undisturbed on a shared
machine; BenchmarkPCTrainStep reports the same),
GFLOP/s of the matrix products (the count in pc/bench_test.go), the settings.
"""
import argparse
import gzip
import json
import math
import os
import statistics
import struct
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
import torch.nn.functional as Fn  # noqa: E402

DIMS = [10, 256, 256, 784]


def gemm_flops(d, b, T):
    """Matrix-product FLOPs of one training step (multiply-add = 2).

    The same count as pcGemmFLOPs in pc/bench_test.go: the clamped input's
    prediction once, the other predictions T+1 times, the transposed-Jacobian
    products T times, every weight gradient once.
    """
    L = len(d) - 1
    mk = 0
    for l in range(1, L + 1):
        w = d[l - 1] * d[l]
        mk += 2 * w if l == L else (2 * T + 2) * w
    return 2 * b * mk


def make_params(dims, gen):
    """W_l (dims[l-1] x dims[l]) and b_l for l = 1..L with PyTorch's default
    nn.Linear initialisation (uniform in +-1/sqrt(fan_in))."""
    Ws, bs = [], []
    for l in range(1, len(dims)):
        fan_in = dims[l]
        bound = 1.0 / math.sqrt(fan_in)
        Ws.append(((torch.rand(dims[l - 1], dims[l], generator=gen) * 2 - 1) * bound).requires_grad_())
        bs.append(((torch.rand(dims[l - 1], generator=gen) * 2 - 1) * bound).requires_grad_())
    return Ws, bs


def act(l, L):
    """f applied to s^l: identity on the clamped top input, tanh elsewhere."""
    return (lambda z: z) if l == L else torch.tanh


def energy(errs, dims, B):
    """Per-sample free energy: sum over nodes with a term (all but the top) of
    1/2 |eps|^2 / B + 1/2 d log(2 pi) (precision 1)."""
    q = sum(float((e.double() ** 2).sum()) for e in errs)
    const = sum(0.5 * d * math.log(2 * math.pi) for d in dims[:-1])
    return 0.5 * q / B + const


@torch.no_grad()
def step_manual(Ws, bs, x, y, T, eta):
    """One E-step with hand-written gradients; returns (F0, F, errors, fz).

    Works for any chain depth: node 0 is y, node L is x, nodes 1..L-1 free.
    Node l's prediction is mu_l = W_{l+1} f(z_{l+1}) + b_{l+1}.
    """
    L = len(Ws)
    B = x.shape[0]
    z = [None] * (L + 1)
    fz = [None] * (L + 1)
    dfz = [None] * (L + 1)
    mu = [None] * L
    z[0], z[L] = y, x
    fz[L] = x
    mu[L - 1] = Fn.linear(x, Ws[L - 1], bs[L - 1])  # the clamped input's prediction: once
    for l in range(L - 1, 0, -1):  # feed-forward sweep
        z[l] = mu[l].clone()
        fz[l] = torch.tanh(z[l])
        mu[l - 1] = Fn.linear(fz[l], Ws[l - 1], bs[l - 1])
    F0 = None
    for t in range(T + 1):
        eps = [z[l] - mu[l] for l in range(L)]
        if t == 0:
            F0 = energy(eps, [w.shape[0] for w in Ws] + [x.shape[1]], B)
        if t == T:
            break
        for l in range(1, L):
            dfz[l] = 1 - fz[l] * fz[l]
        grads = [eps[l] - (eps[l - 1] @ Ws[l - 1]) * dfz[l] for l in range(1, L)]
        for l in range(1, L):
            z[l].sub_(grads[l - 1], alpha=eta)
        for l in range(L - 1, 0, -1):
            fz[l] = torch.tanh(z[l])
            mu[l - 1] = Fn.linear(fz[l], Ws[l - 1], bs[l - 1])
    return F0, energy(eps, [w.shape[0] for w in Ws] + [x.shape[1]], B), eps, fz


def step_autograd(Ws, bs, x, y, T, eta):
    """One E-step with dF/dz from autograd on the energy; same outputs."""
    L = len(Ws)
    B = x.shape[0]
    with torch.no_grad():
        muL = Fn.linear(x, Ws[L - 1], bs[L - 1])  # the clamped input's prediction: once
        z = [None] * (L + 1)
        z[0], z[L] = y, x
        z[L - 1] = muL.clone()
        for l in range(L - 1, 1, -1):
            z[l - 1] = Fn.linear(torch.tanh(z[l]), Ws[l - 1], bs[l - 1])
    Wd = [w.detach() for w in Ws]
    bd = [b.detach() for b in bs]
    free = [z[l].requires_grad_() for l in range(1, L)]

    def errors():
        eps = [z[L - 1] - muL]
        for l in range(L - 1, 0, -1):
            eps.insert(0, z[l - 1] - Fn.linear(torch.tanh(z[l]), Wd[l - 1], bd[l - 1]))
        return eps

    dims = [w.shape[0] for w in Ws] + [x.shape[1]]
    F0 = None
    for t in range(T):
        eps = errors()
        Fb = 0.5 * sum((e * e).sum() for e in eps)
        if t == 0:
            F0 = energy([e.detach() for e in eps], dims, B)
        gs = torch.autograd.grad(Fb, free)
        with torch.no_grad():
            for zl, g in zip(free, gs):
                zl.sub_(g, alpha=eta)
    with torch.no_grad():
        eps = errors()
        if F0 is None:
            F0 = energy(eps, dims, B)
        fz = [None] + [torch.tanh(z[l]) for l in range(1, L)] + [x]
    return F0, energy(eps, dims, B), eps, fz


@torch.no_grad()
def set_grads(Ws, bs, eps, fz):
    """dF/dtheta of the per-sample energy: dW_l = -eps_{l-1}^T f(z_l) / B,
    db_l = -mean_rows eps_{l-1}."""
    B = eps[0].shape[0]
    for l in range(1, len(Ws) + 1):
        Ws[l - 1].grad = (eps[l - 1].t() @ fz[l]).mul_(-1.0 / B)
        bs[l - 1].grad = eps[l - 1].sum(0).mul_(-1.0 / B)


def train_step(Ws, bs, opt, x, y, T, eta, mode):
    inner = step_manual if mode == "manual" else step_autograd
    F0, F, eps, fz = inner(Ws, bs, x, y, T, eta)
    set_grads(Ws, bs, eps, fz)
    opt.step()
    return F0, F


def mode_label(mode):
    """The mode, with the OpenMP wait policy when one was chosen."""
    pol = os.environ.get("OMP_WAIT_POLICY")
    return f"{mode}, OMP_WAIT_POLICY={pol}" if pol else mode


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, nd = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 8:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    t = torch.frombuffer(bytearray(data[4 + 4 * nd:]), dtype=torch.uint8)
    return t.reshape(shape)


def batches(args, gen):
    """A list of (x, y) batches: random MNIST-shaped data (pixels uniform in
    [0, 1), uniform one-hot labels) or real MNIST from --mnist DIR."""
    nb = 8
    if args.mnist:
        imgs = read_idx(os.path.join(args.mnist, "train-images-idx3-ubyte.gz")).reshape(-1, 784).float() / 255
        labs = read_idx(os.path.join(args.mnist, "train-labels-idx1-ubyte.gz")).long()
        out = []
        for i in range(nb):
            sl = slice(i * args.batch, (i + 1) * args.batch)
            out.append((imgs[sl].contiguous(), Fn.one_hot(labs[sl], 10).float()))
        return out
    out = []
    for _ in range(nb):
        x = torch.rand(args.batch, 784, generator=gen)
        y = Fn.one_hot(torch.randint(0, 10, (args.batch,), generator=gen), 10).float()
        out.append((x, y))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--T", type=int, default=20, help="inference iterations (default 20)")
    p.add_argument("--eta", type=float, default=0.1, help="inference step size (default 0.1)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    p.add_argument("--mode", choices=["manual", "autograd"], default="manual")
    p.add_argument("--steps", type=int, default=100, help="most timed training steps per repeat")
    p.add_argument("--seconds", type=float, default=3.0,
                   help="a repeat also ends after this long (at least 3 steps), so a busy machine cannot stall it")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mnist", default="", help="directory with the MNIST IDX .gz files (default random data)")
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)
    Ws, bs = make_params(DIMS, gen)
    opt = torch.optim.Adam(Ws + bs, lr=args.lr)
    data = batches(args, gen)

    t0 = time.perf_counter()
    for i in range(args.warmup):
        if i >= 2 and time.perf_counter() - t0 > args.seconds:
            break
        x, y = data[i % len(data)]
        train_step(Ws, bs, opt, x, y, args.T, args.eta, args.mode)
    rates, cpu_rates = [], []
    best_step = math.inf
    F = None
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        n = 0
        while n < args.steps and (n < 3 or time.perf_counter() - t0 < args.seconds):
            x, y = data[n % len(data)]
            ts = time.perf_counter()
            _, F = train_step(Ws, bs, opt, x, y, args.T, args.eta, args.mode)
            best_step = min(best_step, time.perf_counter() - ts)
            n += 1
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        rates.append(n * args.batch / dt)
        cpu_rates.append(n * args.batch / dc if dc > 0 else 0.0)
    best = max(rates)
    flops = gemm_flops(DIMS, args.batch, args.T)
    print(json.dumps({
        "impl": "pytorch", "torch": torch.__version__, "mode": mode_label(args.mode),
        "threads": args.threads, "batch": args.batch, "T": args.T,
        "data": "mnist" if args.mnist else "random",
        "samples_per_s": round(best, 1),
        "samples_per_s_median": round(statistics.median(rates), 1),
        "samples_per_cpu_s": round(max(cpu_rates), 1),
        "samples_per_s_best_step": round(args.batch / best_step, 1),
        "gflops": round(best / args.batch * flops / 1e9, 2),
        "final_energy": round(F, 4),
    }))


if __name__ == "__main__":
    sys.exit(main())
