#!/usr/bin/env bash
# Trains the RL baselines, 3 seeds per target, and writes bench/rl.md (a
# fragment that bench/run-go-bench.sh appends to BENCHMARKS.md) for PPO and
# REINFORCE, then runs bench/rl-offpolicy.sh for the off-policy algorithms.
#
#   bash bench/rl.sh                      (make bench-rl builds bin/vfe first)
#
# Environment: VFE (default bin/vfe), SEEDS (default "1 2 3"), RL_BENCH_OUT
# (run directories, default runs/bench-rl), RL_BENCH_ONLY (space-separated
# algorithm names to run, default all), PYTHON (default python3, used only
# to aggregate the summaries), NICE (niceness of the training processes,
# default 19: the machine is shared), THREADS (BLAS threads and row workers
# of every run, default 1; 2 uses both cores, as SB3 does here by default).
#
# Each target is "algo env steps threshold sb3_seconds sb3_steps": the run
# passes when the mean final deterministic evaluation (10 episodes) over the
# seeds reaches threshold. sb3_seconds is Stable-Baselines3 2.4.1's training
# time for sb3_steps steps with the same rl-baselines3-zoo hyperparameters,
# measured side by side on this machine by bench/rl-sb3.sh on 2026-12-06
# (SB3 as it runs by default, using both cores; "-" when SB3 has no such
# algorithm); the speed-up compares it with vfe's wall time
# per step (vfe's includes its periodic evaluations), and with vfe's CPU
# time, the fairer figure when the machine is busy.
set -euo pipefail
cd "$(dirname "$0")/.."

VFE="${VFE:-bin/vfe}"
SEEDS="${SEEDS:-1 2 3}"
OUT="${RL_BENCH_OUT:-runs/bench-rl}"
ONLY="${RL_BENCH_ONLY:-}"
PY="${PYTHON:-python3}"
export THREADS="${THREADS:-1}"
NICE="${NICE:-19}"

# The on-policy targets; the off-policy ones (DQN, DDPG, TD3, SAC, SVG(0))
# are trained by bench/rl-offpolicy.sh, called at the end, which writes
# bench/rl-offpolicy.md.
TARGETS=(
	"ppo CartPole-v1 100000 475 23.5 100000"
	"reinforce CartPole-v1 300000 400 - -"
	"ppo Pendulum-v1 100000 -200 - -"
)

log() { printf '[bench-rl] %s\n' "$*" >&2; }
[ -x "$VFE" ] || { echo "bench/rl.sh: $VFE not found; run make build (or make bench-rl)" >&2; exit 1; }
mkdir -p "$OUT"
load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
started="$(date -u +%Y-%m-%dT%H:%MZ)"

for t in "${TARGETS[@]}"; do
	read -r algo envid steps thr sb3s sb3n <<<"$t"
	if [ -n "$ONLY" ] && [[ " $ONLY " != *" $algo "* ]]; then
		continue
	fi
	dirs=()
	for seed in $SEEDS; do
		dir="$OUT/$algo-$envid-s$seed"
		rm -rf "$dir"
		log "$algo $envid seed $seed, $steps steps → $dir"
		cmd=(nice -n "$NICE" "$VFE" rl train --algo "$algo" --env "$envid" --steps "$steps" --seed "$seed" --blas-threads "$THREADS" --out "$dir" --no-progress)
		/usr/bin/time -f '%e %U %S' -o "$OUT/.time" "${cmd[@]}" >"$OUT/.log" 2>&1 || {
			log "FAILED: $(tail -1 "$OUT/.log")"
			continue
		}
		mv "$OUT/.time" "$dir/time.txt"
		cut -d' ' -f1 /proc/loadavg >"$dir/load.txt" 2>/dev/null || true
		echo "${cmd[*]}" >"$dir/command.txt"
		dirs+=("$dir")
	done
	if [ "${#dirs[@]}" -gt 1 ]; then
		"$VFE" plot --metric eval/mean_return --out "$OUT/$algo-$envid-eval.png" "${dirs[@]}" >/dev/null || true
	fi
done

"$PY" - "$OUT" "$load" "$started" "$("$VFE" version | tail -1)" "${TARGETS[@]}" >bench/rl.md <<'PYEOF'
import json, math, os, statistics, sys
out, load, started, version = sys.argv[1:5]
targets = [t.split() for t in sys.argv[5:]]
t95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}
print("## Reinforcement learning baselines (`make bench-rl`)\n")
print(f"Run {started} with `{version}`; load average at the start: {load} (2 cores). "
      "Each row trains 3 seeds with rl-baselines3-zoo hyperparameters where the zoo has them "
      "(REINFORCE: the package's CartPole-v1 settings); *eval* is the last deterministic evaluation "
      "(10 episodes) of each seed, reported as mean ± 95% Student-t half-width across seeds. "
      "Wall and CPU times are per seed (mean); SPS = environment steps per wall second. "
      "The SB3 column is Stable-Baselines3 2.4.1's training time on this machine (scaled to the same "
      "number of steps); *speed-up (wall)* = SB3 time / vfe wall time. On a busy machine, where vfe gets "
      "a fraction of a core, *speed-up (CPU)* = SB3 time / vfe CPU time (user + system) is the fairer figure; "
      "*load* is the 1-minute load average when the seeds finished.\n")
print("| algo | env | steps | target | eval per seed | eval mean ± CI | pass | wall s | CPU s | SPS | SB3 s | speed-up (wall) | speed-up (CPU) | load |")
print("|---|---|---:|---:|---|---|:-:|---:|---:|---:|---:|---:|---:|---:|")
cmds = []
for algo, env, steps, thr, sb3s, sb3n in targets:
    runs = []
    for name in sorted(os.listdir(out)):
        d = os.path.join(out, name)
        if not name.startswith(f"{algo}-{env}-s") or not os.path.exists(os.path.join(d, "summary.json")):
            continue
        s = json.load(open(os.path.join(d, "summary.json")))
        tm = open(os.path.join(d, "time.txt")).read().split() if os.path.exists(os.path.join(d, "time.txt")) else ["nan", "nan", "nan"]
        lp = os.path.join(d, "load.txt")
        ld = float(open(lp).read()) if os.path.exists(lp) else float("nan")
        runs.append((s, float(tm[0]), float(tm[1]) + float(tm[2]), ld))
        if os.path.exists(os.path.join(d, "command.txt")):
            cmds.append(open(os.path.join(d, "command.txt")).read().strip())
    if not runs:
        print(f"| {algo} | {env} | {int(steps):,} | ≥ {thr} | not run | | | | | | | | | |")
        continue
    ev = [r[0]["eval_mean_return"] for r in runs]
    ev = [float("nan") if v is None else v for v in ev]
    m = statistics.fmean(ev)
    hw = t95.get(len(ev) - 1, 2.0) * statistics.stdev(ev) / math.sqrt(len(ev)) if len(ev) > 1 else float("nan")
    wall = statistics.fmean(r[0]["wall_s"] for r in runs)
    cpu = statistics.fmean(r[2] for r in runs)
    sps = statistics.fmean(r[0]["sps"] for r in runs)
    ok = "✓" if m >= float(thr) else "✗"
    if sb3s != "-":
        sb3 = float(sb3s) * float(steps) / float(sb3n)
        sb3c, sp, spc = f"{sb3:.0f}", f"{sb3 / wall:.1f}×", f"{sb3 / cpu:.1f}×"
    else:
        sb3c, sp, spc = "–", "–", "–"
    per = ", ".join(f"{v:.0f}" for v in ev)
    print(f"| {algo} | {env} | {int(steps):,} | ≥ {thr} | {per} | {m:.1f} ± {hw:.1f} | {ok} | {wall:.1f} | {cpu:.1f} | {sps:,.0f} | {sb3c} | {sp} | {spc} | {statistics.fmean(r[3] for r in runs):.1f} |")
print("\nCommands (one per seed; `make bench-rl` runs them all):\n")
print("```")
for c in cmds:
    print(c)
print("```")
PYEOF
log "wrote bench/rl.md"

# Off-policy algorithms: their own script, same binary and run folder.
if [ -f bench/rl-offpolicy.sh ]; then
	offonly=""
	for a in dqn ddpg td3 sac svg0; do
		if [ -z "$ONLY" ] || [[ " $ONLY " == *" $a "* ]]; then offonly="$offonly $a"; fi
	done
	if [ -n "$offonly" ]; then
		log "off-policy targets:$offonly (bench/rl-offpolicy.sh)"
		SEEDS="$SEEDS" OUT="$OUT" ONLY="${offonly# }" bash bench/rl-offpolicy.sh "$VFE"
	fi
fi
