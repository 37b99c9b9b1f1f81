"""Cross-check of reference.json against a NumPy transcription of
Gymnasium's step functions: the two tasks whose float32/float64 mixing
depends on NumPy's promotion rules (MountainCarContinuous-v0, Pendulum-v1),
and CartPole-v1, MountainCar-v0 and Acrobot-v1 with NumPy scalars and
NumPy's cos/sin. Uses NEP 50 ("weak") promotion, the
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


def cartpole_step(state, action):
    x, x_dot, theta, theta_dot = state
    force = 10.0 if action == 1 else -10.0
    costheta, sintheta = np.cos(theta), np.sin(theta)
    total_mass, polemass_length = 0.1 + 1.0, 0.1 * 0.5
    temp = (force + polemass_length * theta_dot**2 * sintheta) / total_mass
    thetaacc = (9.8 * sintheta - costheta * temp) / (0.5 * (4.0 / 3.0 - 0.1 * costheta**2 / total_mass))
    xacc = temp - polemass_length * thetaacc * costheta / total_mass
    x = x + 0.02 * x_dot
    x_dot = x_dot + 0.02 * xacc
    theta = theta + 0.02 * theta_dot
    theta_dot = theta_dot + 0.02 * thetaacc
    state = np.array([x, x_dot, theta, theta_dot])
    thr = 12 * 2 * math.pi / 360
    terminated = bool(x < -2.4 or x > 2.4 or theta < -thr or theta > thr)
    return state, np.array(state, dtype=np.float32), 1.0, terminated


def mountaincar_step(state, action):
    position, velocity = state
    velocity += (action - 1) * 0.001 + math.cos(3 * position) * (-0.0025)
    velocity = np.clip(velocity, -0.07, 0.07)
    position += velocity
    position = np.clip(position, -1.2, 0.6)
    if position == -1.2 and velocity < 0:
        velocity = 0
    terminated = bool(position >= 0.5 and velocity >= 0)
    state = (position, velocity)
    return state, np.array(state, dtype=np.float32), -1.0, terminated


def acrobot_dsdt(s_augmented):
    m1 = m2 = l1 = 1.0
    lc1 = lc2 = 0.5
    I1 = I2 = 1.0
    g = 9.8
    a = s_augmented[-1]
    theta1, theta2, dtheta1, dtheta2 = s_augmented[:-1]
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * np.cos(theta2)) + I1 + I2
    d2 = m2 * (lc2**2 + l1 * lc2 * np.cos(theta2)) + I2
    phi2 = m2 * lc2 * g * np.cos(theta1 + theta2 - np.pi / 2.0)
    phi1 = (-m2 * l1 * lc2 * dtheta2**2 * np.sin(theta2)
            - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * np.sin(theta2)
            + (m1 * lc1 + m2 * l1) * g * np.cos(theta1 - np.pi / 2) + phi2)
    ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**2 * np.sin(theta2) - phi2) / (
        m2 * lc2**2 + I2 - d2**2 / d1)
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0


def acrobot_step(state, action):
    y0 = np.append(state, [-1.0, 0.0, +1][action])
    dt = 0.2
    k1 = np.asarray(acrobot_dsdt(y0))
    k2 = np.asarray(acrobot_dsdt(y0 + dt / 2.0 * k1))
    k3 = np.asarray(acrobot_dsdt(y0 + dt / 2.0 * k2))
    k4 = np.asarray(acrobot_dsdt(y0 + dt * k3))
    ns = (y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4))[:4]
    for i in (0, 1):
        while ns[i] > np.pi:
            ns[i] = ns[i] - 2 * np.pi
        while ns[i] < -np.pi:
            ns[i] = ns[i] + 2 * np.pi
    ns[2] = min(max(ns[2], -4 * np.pi), 4 * np.pi)
    ns[3] = min(max(ns[3], -9 * np.pi), 9 * np.pi)
    terminated = bool(-np.cos(ns[0]) - np.cos(ns[1] + ns[0]) > 1.0)
    obs = np.array([np.cos(ns[0]), np.sin(ns[0]), np.cos(ns[1]), np.sin(ns[1]), ns[2], ns[3]], dtype=np.float32)
    return ns, obs, -1.0 if not terminated else 0.0, terminated


def main():
    cases = json.load(open("reference.json"))
    n = 0
    for c in cases:
        if c["env"] == "MountainCarContinuous":
            state, step = np.array(c["state"]), mcc_step
        elif c["env"] == "Pendulum":
            state, step = np.array(c["state"]), pendulum_step
        elif c["env"] == "CartPole":
            state, step = np.array(c["state"]), cartpole_step
        elif c["env"] == "MountainCar":
            state, step = np.array(c["state"]), mountaincar_step
        elif c["env"] == "Acrobot":
            state, step = np.array(c["state"]), acrobot_step
        else:
            continue
        for i, want in enumerate(c["steps"]):
            if c["env"] in ("MountainCarContinuous", "Pendulum"):
                act = np.array([c["actions"][i]], dtype=np.float32)
            else:
                act = np.int64(c["actions"][i])
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
