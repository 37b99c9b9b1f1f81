#!/usr/bin/env bash
# DQN on CartPole-v1 for the issue's 100k-step budget, 3 seeds, with two
# documented settings, and writes bench/rl-dqn100k.md:
#
#   zoo     rl-baselines3-zoo's CartPole-v1 entry (vfe's DefaultConfig):
#           [256, 256], lr 2.3e-3, batch 64, train_freq 256 with 128
#           gradient steps, target update every 10 steps, ε 1 → 0.04 over
#           16% of the run, smooth-L1 loss, gradient norm ≤ 10;
#   cleanrl CleanRL's dqn.py defaults: [120, 84], lr 2.5e-4, buffer 10 000,
#           batch 128, learning_starts 10 000, train_freq 10 with one
#           gradient step, hard target update every 500 steps, ε 1 → 0.05
#           over half of the run, squared loss, no gradient clipping
#           (CleanRL trains 500k steps; here the same settings get 100k).
#
#   bash bench/rl-dqn100k.sh [VFE_BINARY]
#
# Environment: SEEDS (default "1 2 3"), OUT (default runs/bench-rl-dqn100k),
# NICE (default 19), ONLY (subset of "zoo cleanrl").
set -euo pipefail
cd "$(dirname "$0")/.."
VFE=${1:-bin/vfe}
SEEDS=${SEEDS:-1 2 3}
OUT=${OUT:-runs/bench-rl-dqn100k}
NICE=${NICE:-19}
ONLY=${ONLY:-zoo cleanrl}
[ -x "$VFE" ] || { echo "bench/rl-dqn100k.sh: $VFE not found; run make build" >&2; exit 1; }
mkdir -p "$OUT"
declare -A SETS=(
	[zoo]=""
	[cleanrl]="--set hidden=120,84 --set learning_rate=2.5e-4 --set buffer_size=10000 --set batch_size=128 --set learning_starts=10000 --set train_freq=10 --set gradient_steps=1 --set target_update_interval=500 --set tau=1 --set exploration_initial_eps=1 --set exploration_final_eps=0.05 --set exploration_fraction=0.5 --set huber_delta=0 --set max_grad_norm=1e30"
)
for name in $ONLY; do
	for seed in $SEEDS; do
		dir="$OUT/$name-s$seed"
		rm -rf "$dir"
		# shellcheck disable=SC2086
		cmd=(nice -n "$NICE" "$VFE" rl train --algo dqn --env CartPole-v1 --steps 100000 --seed "$seed" --eval-every 10000 --blas-threads 1 --no-progress --out "$dir" ${SETS[$name]})
		echo "${cmd[*]}" >&2
		/usr/bin/time -f '%e %U %S' -o "$OUT/.time" "${cmd[@]}" >/dev/null
		mv "$OUT/.time" "$dir/time.txt"
		echo "${cmd[*]}" >"$dir/command.txt"
		cut -d' ' -f1 /proc/loadavg >"$dir/load.txt"
		# The best evaluation's checkpoint, re-evaluated on 10 episodes
		# that no training evaluation saw.
		"$VFE" rl eval --run "$dir" --best --episodes 10 --seed 1000 >"$dir/best-eval.txt"
	done
done
python3 - "$OUT" $ONLY >bench/rl-dqn100k.md <<'PY'
import csv, json, math, os, re, sys
out, names = sys.argv[1], sys.argv[2:]
t95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776}
print("## DQN CartPole-v1 at 100k steps (`bash bench/rl-dqn100k.sh`)\n")
print("The issue's target is an evaluation return ≥ 475 by 100k steps. *final* is the last deterministic evaluation "
      "(10 episodes) at 100k; *evals* lists every periodic evaluation (every 10k steps) of each seed; *≥ 475 from* is the "
      "first evaluation step from which every later evaluation of the seed stays ≥ 475 (– if none); *best checkpoint* is "
      "`model_best.safetensors` (the policy of the seed's best periodic evaluation, at the step given) re-evaluated by "
      "`vfe rl eval --best --seed 1000` on 10 fresh episodes, which removes the selection's upward bias. Mean ± 95% "
      "Student-t half-width across seeds; CPU s = user + system seconds of the training process.\n")
print("| setting | seed | final | evals (10k … 100k) | ≥ 475 from | best checkpoint: step, re-evaluated | wall s | CPU s | load |")
print("|---|---|---|---|---|---|---|---|---|")
cmds = []
for n in names:
    fins, bests = [], []
    for d in sorted(x for x in os.listdir(out) if x.startswith(n + "-s")):
        p = os.path.join(out, d)
        if not os.path.exists(f"{p}/summary.json"):
            continue
        s = json.load(open(f"{p}/summary.json"))
        ev = [(int(r["step"]), float(r["eval/mean_return"])) for r in csv.DictReader(open(f"{p}/metrics.csv")) if r.get("eval/mean_return")]
        hold = "–"
        for i, (st, _) in enumerate(ev):
            if all(v >= 475 for _, v in ev[i:]):
                hold = f"{st:,}"
                break
        w, u, sy = (float(x) for x in open(f"{p}/time.txt").read().split())
        ld = open(f"{p}/load.txt").read().strip()
        fins.append(s["eval_mean_return"])
        be = float(re.search(r"mean return (-?[\d.]+)", open(f"{p}/best-eval.txt").read()).group(1))
        bests.append(be)
        print(f"| {n} | {s['seed']} | {s['eval_mean_return']:.1f} | {', '.join(f'{v:.0f}' for _, v in ev)} | {hold} | "
              f"{s['best_eval_step']:,}: {be:.1f} | {w:.1f} | {u + sy:.1f} | {ld} |")
        cmds.append(open(f"{p}/command.txt").read().strip())
    if len(fins) > 1:
        m = sum(fins) / len(fins)
        sd = math.sqrt(sum((x - m) ** 2 for x in fins) / (len(fins) - 1))
        mb = sum(bests) / len(bests)
        sb = math.sqrt(sum((x - mb) ** 2 for x in bests) / (len(bests) - 1))
        print(f"| {n} | mean | {m:.1f} ± {t95.get(len(fins) - 1, 2.0) * sd / math.sqrt(len(fins)):.1f} | | | "
              f"{mb:.1f} ± {t95.get(len(bests) - 1, 2.0) * sb / math.sqrt(len(bests)):.1f} | | | |")
print("\nCommands:\n\n```")
print("\n".join(cmds))
print("```")
PY
echo "wrote bench/rl-dqn100k.md" >&2
