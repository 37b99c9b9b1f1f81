"""Cross-check of reference.json against a NumPy transcription of
Gymnasium's step functions for the two tasks whose float32/float64 mixing
depends on NumPy's promotion rules (MountainCarContinuous-v0, Pendulum-v1),
plus Acrobot-v1 with NumPy's cos/sin. Uses NEP 50 ("weak") promotion, the
default of NumPy 2; on NumPy 1.24+ it is switched on explicitly.
Observations must agree exactly (float32), rewards to 1e-12 relative.
Run: python3 numpy_check.py  (prints the number of steps compared; exits
non-zero on the first mismatch)."""
import json
import math
import sys

import numpy as np

if hasattr(np, "_set_promotion_state"):
    np._set_promotion_state("weak")


def mcc_step(state, action):
    position, velocity = state[0], state[1]
    force = min(max(action[0], -1.0), 1.0)
    velocity += force * 0.0015 - 0.0025 * math.cos(3 * position)
    if velocity > 0.07:
        velocity = 0.07
    if velocity < -0.07:
        velocity = -0.07
    position += velocity
    if position > 0.6:
        position = 0.6
    if position < -1.2:
        position = -1.2
    if position == -1.2 and velocity < 0:
        velocity = 0
    terminated = bool(position >= 0.45 and velocity >= 0)
    reward = 0
    if terminated:
        reward = 100.0
    reward -= math.pow(action[0], 2) * 0.1
    state = np.array([position, velocity], dtype=np.float32)
    return state, state, reward, terminated


def angle_normalize(x):
    return ((x + np.pi) % (2 * np.pi)) - np.pi


def pendulum_step(state, u):
    th, thdot = state
    g, m, l, dt = 10.0, 1.0, 1.0, 0.05
    u = np.clip(u, -2.0, 2.0)[0]
    costs = angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
    newthdot = thdot + (3 * g / (2 * l) * np.sin(th) + 3.0 / (m * l**2) * u) * dt
    newthdot = np.clip(newthdot, -8, 8)
    newth = th + newthdot * dt
    state = np.array([newth, newthdot])
    obs = np.array([np.cos(newth), np.sin(newth), newthdot], dtype=np.float32)
    return state, obs, -costs, False


def main():
    cases = json.load(open("reference.json"))
    n = 0
    for c in cases:
        if c["env"] == "MountainCarContinuous":
            state, step = np.array(c["state"]), mcc_step
        elif c["env"] == "Pendulum":
            state, step = np.array(c["state"]), pendulum_step
        else:
            continue
        for i, want in enumerate(c["steps"]):
            act = np.array([c["actions"][i]], dtype=np.float32)
            state, obs, r, term = step(state, act)
            got = [float(x) for x in np.asarray(obs, dtype=np.float32)]
            # NumPy's sin/cos may differ from the C library's in the last
            # bit, which moves later float64 rewards by an ulp or so.
            close = abs(float(r) - want["reward"]) <= 1e-12 * max(1.0, abs(want["reward"]))
            if got != want["obs"] or not close or term != want["terminated"]:
                print("mismatch", c["env"], i, got, want, float(r))
                sys.exit(1)
            n += 1
    print(n, "steps agree")


main()
