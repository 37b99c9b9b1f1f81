#!/usr/bin/env python3
"""Stable-Baselines3 with the rl-baselines3-zoo hyperparameters: the peer of
`vfe rl train` in bench/rl-sb3.sh.

Trains one algorithm on one task for the zoo's budget (or --steps) and
prints one JSON object: training wall seconds, process CPU seconds (all
threads, so CPU > wall means a second core was used), steps per second and
the mean and standard deviation of 10 deterministic evaluation episodes.

Needs stable_baselines3 (2.4.1), gymnasium (1.0.0) and torch importable;
exits with status 3 and a one-line message when they are not. The settings
below are rl-baselines3-zoo's hyperparams/{ppo,a2c,dqn,sac,td3,ddpg}.yml entries
for CartPole-v1 and Pendulum-v1, with SB3's defaults for everything the zoo
does not set.

--blas-threads N sets OPENBLAS_NUM_THREADS before torch loads (Debian's
torch does its matrix products in OpenBLAS, whose pool is otherwise one
thread per core); without it the environment is left as it is, which is how
SB3 runs by default.
"""
import argparse
import json
import os
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--algo", required=True, choices=["ppo", "a2c", "dqn", "sac", "td3", "ddpg"])
    p.add_argument("--env", required=True, choices=["CartPole-v1", "Pendulum-v1"])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=0, help="0: the zoo's n_timesteps")
    p.add_argument("--blas-threads", type=int, default=0, help="0: leave OPENBLAS_NUM_THREADS alone")
    p.add_argument("--eval-episodes", type=int, default=10)
    return p.parse_args()


def linear(v0):
    """The zoo's lin_<v>: v0 times the remaining fraction of training."""
    return lambda frac: frac * v0


def zoo(algo, env_id):
    """(n_timesteps, n_envs, keyword arguments) of the zoo's entry."""
    if algo == "ppo" and env_id == "CartPole-v1":
        return 100_000, 8, dict(n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
                                ent_coef=0.0, learning_rate=linear(1e-3), clip_range=linear(0.2))
    if algo == "a2c" and env_id == "CartPole-v1":
        # SB3 has no REINFORCE; A2C (n-step advantages with a learned
        # baseline) is its nearest policy-gradient method.
        return 500_000, 8, dict(ent_coef=0.0)
    if algo == "dqn" and env_id == "CartPole-v1":
        return 50_000, 1, dict(learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000,
                               gamma=0.99, target_update_interval=10, train_freq=256, gradient_steps=128,
                               exploration_fraction=0.16, exploration_final_eps=0.04,
                               policy_kwargs=dict(net_arch=[256, 256]))
    if algo == "sac" and env_id == "Pendulum-v1":
        return 20_000, 1, dict(learning_rate=1e-3)
    if algo in ("td3", "ddpg") and env_id == "Pendulum-v1":
        return 20_000, 1, dict(gamma=0.98, buffer_size=200_000, learning_starts=10_000, gradient_steps=1,
                               train_freq=1, learning_rate=1e-3, policy_kwargs=dict(net_arch=[400, 300]))
    raise SystemExit(f"rl_sb3.py: the zoo has no {algo} entry for {env_id} here")


def main():
    a = parse()
    if a.blas_threads > 0:
        os.environ["OPENBLAS_NUM_THREADS"] = str(a.blas_threads)
    try:
        import numpy as np
        import gymnasium as gym
        import stable_baselines3 as sb3
        import torch
        from stable_baselines3.common.env_util import make_vec_env
        from stable_baselines3.common.noise import NormalActionNoise
    except ImportError as e:
        print(f"rl_sb3.py: {e} (needs stable_baselines3, gymnasium and torch)", file=sys.stderr)
        sys.exit(3)
    n, n_envs, kw = zoo(a.algo, a.env)
    if a.steps > 0:
        n = a.steps
    env = make_vec_env(a.env, n_envs=n_envs, seed=a.seed)
    if a.algo in ("td3", "ddpg"):
        kw["action_noise"] = NormalActionNoise(mean=np.zeros(1), sigma=0.1 * np.ones(1))
    cls = {"ppo": sb3.PPO, "a2c": sb3.A2C, "dqn": sb3.DQN, "sac": sb3.SAC, "td3": sb3.TD3, "ddpg": sb3.DDPG}[a.algo]
    model = cls("MlpPolicy", env, seed=a.seed, device="cpu", verbose=0, **kw)
    c0, t0 = time.process_time(), time.perf_counter()
    model.learn(total_timesteps=n)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    ev = gym.make(a.env)
    rets = []
    for ep in range(a.eval_episodes):
        obs, _ = ev.reset(seed=10_000 + ep)
        done, ret = False, 0.0
        while not done:
            act, _ = model.predict(obs, deterministic=True)
            obs, r, term, trunc, _ = ev.step(act)
            ret += float(r)
            done = term or trunc
        rets.append(ret)
    print(json.dumps({
        "peer": f"stable-baselines3 {sb3.__version__}", "torch": torch.__version__,
        "gymnasium": gym.__version__, "torch_threads": torch.get_num_threads(),
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "algo": a.algo, "env": a.env, "seed": a.seed, "steps": n,
        "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "sps": round(n / wall, 1),
        "eval_mean_return": float(np.mean(rets)), "eval_std_return": float(np.std(rets)),
    }))


if __name__ == "__main__":
    main()
