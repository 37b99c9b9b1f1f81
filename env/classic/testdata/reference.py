"""Independent float64 transcription of the classic-control equations, used
to produce the reference trajectories in reference.json for the Go tests.

It is written from the published equations and Gymnasium's documented
semantics (order of floating-point operations, float32 observations, NumPy 2
NEP 50 promotion where a float32 action meets Python floats) using only the
Python standard library, so it shares no code with the Go implementation.
Run: python3 reference.py > reference.json
"""
import json
import math
import struct


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def cartpole(s, a):
    x, xd, th, thd = s
    force = 10.0 if a == 1 else -10.0
    tm, pml = 0.1 + 1.0, 0.1 * 0.5
    c, sn = math.cos(th), math.sin(th)
    temp = (force + pml * (thd * thd) * sn) / tm
    tha = (9.8 * sn - c * temp) / (0.5 * (4.0 / 3.0 - 0.1 * (c * c) / tm))
    xa = temp - pml * tha * c / tm
    x, xd, th, thd = x + 0.02 * xd, xd + 0.02 * xa, th + 0.02 * thd, thd + 0.02 * tha
    thr = 12 * 2 * math.pi / 360
    term = x < -2.4 or x > 2.4 or th < -thr or th > thr
    return [x, xd, th, thd], [x, xd, th, thd], 1.0, term


def mountaincar(s, a):
    p, v = s
    v = v + ((a - 1) * 0.001 + math.cos(3 * p) * (-0.0025))
    v = min(max(v, -0.07), 0.07)
    p = p + v
    p = min(max(p, -1.2), 0.6)
    if p == -1.2 and v < 0:
        v = 0.0
    return [p, v], [p, v], -1.0, p >= 0.5 and v >= 0


def mountaincar_continuous(s, a, is32):
    """NumPy 2 semantics: the state is float64 after reset and a float32
    array after every step; a float32 action mixed with Python floats
    stays float32; comparisons of a float32 with a Python float compare
    in float32."""
    p, v = s
    a = f32(a)
    if a < -1.0:
        t, t32 = -1.0 * 0.0015 - 0.0025 * math.cos(f32(3 * p) if is32 else 3 * p), False
    elif a > 1.0:
        t, t32 = 1.0 * 0.0015 - 0.0025 * math.cos(f32(3 * p) if is32 else 3 * p), False
    else:
        g = 0.0025 * math.cos(f32(3 * p) if is32 else 3 * p)
        t, t32 = f32(f32(a * f32(0.0015)) - f32(g)), True
    v32 = is32
    v = f32(v + f32(t)) if v32 else v + t
    c = (lambda k: f32(k)) if v32 else (lambda k: k)
    if v > c(0.07):
        v, v32 = 0.07, False
    c = (lambda k: f32(k)) if v32 else (lambda k: k)
    if v < c(-0.07):
        v, v32 = -0.07, False
    p32 = is32
    p = f32(p + f32(v)) if p32 else p + v
    c = (lambda k: f32(k)) if p32 else (lambda k: k)
    if p > c(0.6):
        p, p32 = 0.6, False
    c = (lambda k: f32(k)) if p32 else (lambda k: k)
    if p < c(-1.2):
        p, p32 = -1.2, False
    c = (lambda k: f32(k)) if p32 else (lambda k: k)
    if p == c(-1.2) and v < 0:
        v = 0.0
    term = p >= c(0.45) and v >= 0
    r = (100.0 if term else 0.0) - (a * a) * 0.1
    return [f32(p), f32(v)], [p, v], r, term


def angle_normalize(x):
    # Python's float % is a floored modulo like NumPy's remainder.
    return (x + math.pi) % (2 * math.pi) - math.pi


def pendulum(s, a):
    th, thd = s
    u = f32(min(max(f32(a), -2.0), 2.0))
    an = angle_normalize(th)
    cost = an * an + 0.1 * (thd * thd) + f32(f32(0.001) * f32(u * u))
    nthd = thd + (3 * 10.0 / (2 * 1.0) * math.sin(th) + f32(3.0 * u)) * 0.05
    nthd = min(max(nthd, -8.0), 8.0)
    nth = th + nthd * 0.05
    return [nth, nthd], [math.cos(nth), math.sin(nth), nthd], -cost, False


def acro_deriv(s, tau):
    t1, t2, d1_, d2_ = s
    d1 = 1.0 * 0.25 + 1.0 * (1.0 + 0.25 + 1.0 * math.cos(t2)) + 1.0 + 1.0
    d2 = 1.0 * (0.25 + 0.5 * math.cos(t2)) + 1.0
    phi2 = 0.5 * 9.8 * math.cos(t1 + t2 - math.pi / 2.0)
    phi1 = (-0.5 * (d2_ * d2_) * math.sin(t2) - 1.0 * d2_ * d1_ * math.sin(t2)
            + 1.5 * 9.8 * math.cos(t1 - math.pi / 2) + phi2)
    dd2 = (tau + d2 / d1 * phi1 - 0.5 * (d1_ * d1_) * math.sin(t2) - phi2) / (1.25 - (d2 * d2) / d1)
    dd1 = -(d2 * dd2 + phi1) / d1
    return [d1_, d2_, dd1, dd2]


def acrobot(s, a):
    tau = [-1.0, 0.0, 1.0][a]
    dt = 0.2
    h = dt / 2.0
    k1 = acro_deriv(s, tau)
    k2 = acro_deriv([s[i] + h * k1[i] for i in range(4)], tau)
    k3 = acro_deriv([s[i] + h * k2[i] for i in range(4)], tau)
    k4 = acro_deriv([s[i] + dt * k3[i] for i in range(4)], tau)
    ns = [s[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) for i in range(4)]
    for i in (0, 1):
        while ns[i] > math.pi:
            ns[i] -= 2 * math.pi
        while ns[i] < -math.pi:
            ns[i] += 2 * math.pi
    ns[2] = min(max(ns[2], -4 * math.pi), 4 * math.pi)
    ns[3] = min(max(ns[3], -9 * math.pi), 9 * math.pi)
    term = -math.cos(ns[0]) - math.cos(ns[1] + ns[0]) > 1.0
    obs = [math.cos(ns[0]), math.sin(ns[0]), math.cos(ns[1]), math.sin(ns[1]), ns[2], ns[3]]
    return ns, obs, 0.0 if term else -1.0, term


def run(step, state, actions):
    out = []
    s = list(state)
    for a in actions:
        s, obs, r, term = step(s, a)
        out.append({"obs": [f32(o) for o in obs], "reward": r, "terminated": term})
        if term:
            break
    return out


def run_mcc(state, policy, n):
    out, acts = [], []
    s, is32 = list(state), False
    for i in range(n):
        a = f32(policy(i, s))
        acts.append(a)
        s, obs, r, term = mountaincar_continuous(s, a, is32)
        is32 = True
        out.append({"obs": [f32(o) for o in obs], "reward": r, "terminated": term})
        if term:
            break
    return acts, out


def run_policy(step, state, policy, n):
    out, acts = [], []
    s = list(state)
    for i in range(n):
        a = policy(i, s)
        acts.append(a)
        s, obs, r, term = step(s, a)
        out.append({"obs": [f32(o) for o in obs], "reward": r, "terminated": term})
        if term:
            break
    return acts, out


def lcg_actions(n, k, seed):
    """Deterministic pseudo-random action sequence (a small LCG)."""
    out, x = [], seed
    for _ in range(n):
        x = (1103515245 * x + 12345) % 2**31
        out.append(x % k)
    return out


cases = [
    {"env": "CartPole", "state": [0.01, -0.02, 0.03, 0.04], "actions": lcg_actions(60, 2, 1)},
    {"env": "MountainCar", "state": [-1.15, -0.05], "actions": [0] * 10},
    {"env": "Pendulum", "state": [2.5, -0.5], "actions": [(-2.5 + 0.37 * i) % 5 - 2.5 for i in range(200)]},
    {"env": "Acrobot", "state": [f32(0.05), f32(-0.03), f32(0.02), f32(-0.01)], "actions": lcg_actions(200, 3, 7)},
    {"env": "Acrobot", "state": [3.0, 0.1, 2.0, -3.0], "actions": [2, 0, 1]},
]
steps = {"CartPole": cartpole, "MountainCar": mountaincar, "Pendulum": pendulum, "Acrobot": acrobot}
for c in cases:
    c["steps"] = run(steps[c["env"]], c["state"], c["actions"])
# Energy pumping (push along the velocity) reaches the goal.
acts, out = run_policy(mountaincar, [-0.5, 0.0], lambda i, s: 2 if s[1] >= 0 else 0, 200)
cases.append({"env": "MountainCar", "state": [-0.5, 0.0], "actions": acts, "steps": out})
# Continuous: pumping with in-range, boundary and clipped actions.
acts, out = run_mcc([-0.52, 0.0], lambda i, s: (0.7 + 0.45 * (i % 3)) * (1 if s[1] >= 0 else -1), 999)
cases.append({"env": "MountainCarContinuous", "state": [-0.52, 0.0], "actions": acts, "steps": out})
# Continuous: full push left into the wall.
acts, out = run_mcc([-1.0, -0.02], lambda i, s: -0.3 - 0.1 * (i % 4), 40)
cases.append({"env": "MountainCarContinuous", "state": [-1.0, -0.02], "actions": acts, "steps": out})
print(json.dumps(cases, indent=1))
