#!/usr/bin/env bash
# Stable-Baselines3 beside vfe on this machine: runs bench/rl_sb3.py (the
# rl-baselines3-zoo settings) for each algorithm, one run at a time, and
# appends its JSON lines to $OUT/sb3.jsonl. SB3 2.4.1 and Gymnasium 1.0.0
# must be importable by $PYTHON (for example from their sources through
# PYTHONPATH) with Debian's python3-torch; the script stops with a message
# when they are not.
#
#   SEEDS="1 2 3"         seeds of each run
#   ONLY="dqn sac"        a subset of: ppo a2c dqn ddpg td3 sac (default all
#                         but a2c, SB3's nearest to REINFORCE)
#   BLAS_THREADS=1        OpenBLAS threads of torch's products (default: left
#                         alone, i.e. OpenBLAS's one per core, as SB3 runs)
#   OUT=runs/bench-sb3    where the JSON lines go
#   STEPS=n               train n steps instead of the zoo's budget
#
# At the end bench/rl-sb3.md is rewritten from every runs/bench-sb3*/sb3.jsonl
# (REPORT_ONLY=1 does only that).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
SEEDS=${SEEDS:-1}
ONLY=${ONLY:-ppo dqn ddpg td3 sac}
OUT=${OUT:-runs/bench-sb3}
mkdir -p "$OUT"
report() {
	python3 - <<'PY' >bench/rl-sb3.md
import glob, json
rows = []
for f in sorted(glob.glob("runs/bench-sb3*/sb3.jsonl")):
    for line in open(f):
        if line.strip():
            rows.append(json.loads(line))
print("## Stable-Baselines3 on this machine (`bash bench/rl-sb3.sh`)\n")
print("Stable-Baselines3 2.4.1 and Gymnasium 1.0.0 (from their sources), Debian's PyTorch 1.13 (products in "
      "OpenBLAS 0.3.21), rl-baselines3-zoo's hyperparameters (`bench/rl_sb3.py`), one run at a time on an otherwise "
      "idle machine. *BLAS threads* is OPENBLAS_NUM_THREADS: *default* is how SB3 runs here (OpenBLAS starts one "
      "thread per core, 2), so CPU seconds exceed wall seconds. Training time only (model.learn); the evaluation is "
      "10 deterministic episodes afterwards.\n")
print("| algo | env | steps | seed | BLAS threads | wall s | CPU s | steps/s | eval |")
print("|---|---|---:|---:|---|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['algo']} | {r['env']} | {r['steps']} | {r['seed']} | {r['openblas_threads']} | {r['wall_s']:.1f} | "
          f"{r['cpu_s']:.1f} | {r['sps']:.0f} | {r['eval_mean_return']:.1f} ± {r['eval_std_return']:.1f} |")
PY
	echo "wrote bench/rl-sb3.md" >&2
}
if [ -n "${REPORT_ONLY:-}" ]; then
	report
	exit 0
fi
if ! "$PYTHON" -c 'import stable_baselines3, gymnasium, torch' 2>/dev/null; then
	echo "rl-sb3.sh: $PYTHON cannot import stable_baselines3, gymnasium and torch" >&2
	exit 2
fi
args=()
[ -n "${BLAS_THREADS:-}" ] && args+=(--blas-threads "$BLAS_THREADS")
for algo in $ONLY; do
	case $algo in
	ppo | a2c | dqn) task=CartPole-v1 ;;
	*) task=Pendulum-v1 ;;
	esac
	for s in $SEEDS; do
		echo "$(date -u +%H:%M:%S) sb3 $algo $task seed $s (load $(cut -d' ' -f1 /proc/loadavg))" >&2
		"$PYTHON" bench/rl_sb3.py --algo "$algo" --env "$task" --seed "$s" ${STEPS:+--steps "$STEPS"} "${args[@]}" | tee -a "$OUT/sb3.jsonl"
	done
done
report
