#!/usr/bin/env bash
# Trains the variational agent on its targets (3 seeds each) next to the RL
# baselines at equal steps, and writes bench/agent.md (a fragment that
# bench/run-go-bench.sh includes in BENCHMARKS.md).
#
#   bash bench/agent.sh            (make bench-agent builds bin/vfe first)
#
# Environment: VFE (default bin/vfe), SEEDS (default "1 2 3"),
# AGENT_BENCH_OUT (default runs/bench-agent), AGENT_BENCH_ONLY (row names to
# run, e.g. "cartpole pendulum"), PYTHON (default python3, aggregation only).
#
# Each row is "name algo env steps threshold wrappers sets": it passes when
# the mean final deterministic evaluation (10 episodes) over the seeds
# reaches threshold ("-": reported only). wrappers/sets are comma-free
# space-less specs joined with ';' ("-" for none).
set -euo pipefail
cd "$(dirname "$0")/.."

VFE="${VFE:-bin/vfe}"
SEEDS="${SEEDS:-1 2 3}"
OUT="${AGENT_BENCH_OUT:-runs/bench-agent}"
ONLY="${AGENT_BENCH_ONLY:-}"
PY="${PYTHON:-python3}"

ROWS=(
	"cartpole agent CartPole-v1 100000 475 - -"
	"pendulum agent Pendulum-v1 30000 -200 - -"
	"pomdp agent CartPole-v1 200000 400 mask=1,3 policy_norm=true;burn_in=4;world_prior=1e-5;world_lr_steps=30000"
	"pomdp-ppo ppo CartPole-v1 200000 - mask=1,3 -"
	"mcc-alpha0 agent MountainCarContinuous-v0 50000 - - alpha=0"
	"mcc-alpha+ agent MountainCarContinuous-v0 50000 - - alpha=0.5"
	"mcc-alpha- agent MountainCarContinuous-v0 50000 - - alpha=-0.5"
)

log() { printf '[bench-agent] %s\n' "$*" >&2; }
[ -x "$VFE" ] || { echo "bench/agent.sh: $VFE not found; run make build (or make bench-agent)" >&2; exit 1; }
mkdir -p "$OUT"
load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
started="$(date -u +%Y-%m-%dT%H:%MZ)"

for r in "${ROWS[@]}"; do
	read -r name algo envid steps thr wraps sets <<<"$r"
	if [ -n "$ONLY" ] && [[ " $ONLY " != *" $name "* ]]; then
		continue
	fi
	for seed in $SEEDS; do
		dir="$OUT/$name-s$seed"
		rm -rf "$dir"
		cmd=("$VFE")
		if [ "$algo" = agent ]; then cmd+=(agent train); else cmd+=(rl train --algo "$algo"); fi
		cmd+=(--env "$envid" --steps "$steps" --seed "$seed" --out "$dir" --no-progress)
		if [ "$wraps" != - ]; then IFS=';' read -ra ws <<<"$wraps"; for w in "${ws[@]}"; do cmd+=(--wrap "$w"); done; fi
		if [ "$sets" != - ]; then IFS=';' read -ra ss <<<"$sets"; for s in "${ss[@]}"; do cmd+=(--set "$s"); done; fi
		log "$name seed $seed: ${cmd[*]}"
		# Per-run temporary files, so that several invocations can share OUT.
		/usr/bin/time -f '%e %U %S' -o "$dir.time" "${cmd[@]}" >"$dir.log" 2>&1 || {
			log "FAILED: $(tail -1 "$dir.log")"
			continue
		}
		mv "$dir.time" "$dir/time.txt"
		mv "$dir.log" "$dir/stdout.txt"
		echo "${cmd[*]}" >"$dir/command.txt"
	done
done

"$PY" - "$OUT" "$load" "$started" "$("$VFE" version | tail -1)" "$SEEDS" "${ROWS[@]}" >bench/agent.md <<'PYEOF'
import json, os, statistics, sys
out, load, started, version, seeds = sys.argv[1:6]
rows = [r.split() for r in sys.argv[6:]]
t95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}
print("## The variational agent (`make bench-agent`)\n")
print(f"Run {started} with `{version}`; load average at the start: {load} (2 cores). "
      "eval = last deterministic evaluation (10 episodes) per seed, mean ± 95% Student-t half-width across seeds.\n")
print("| row | command (seed 1) | steps | target | final eval per seed | mean ± CI | best eval per seed | wall s/seed | steps per CPU-s | status |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, algo, env, steps, thr, wraps, sets in rows:
    rets, best, walls, cpus, cmd = [], [], [], [], ""
    for s in seeds.split():
        d = os.path.join(out, f"{name}-s{s}")
        try:
            sm = json.load(open(os.path.join(d, "summary.json")))
        except OSError:
            continue
        rets.append(sm["eval_mean_return"]); walls.append(sm["wall_s"])
        evals = []
        for line in open(os.path.join(d, "metrics.jsonl")):
            r = json.loads(line)
            if "eval/mean_return" in r:
                evals.append(r["eval/mean_return"])
        best.append(max(evals) if evals else float("nan"))
        try:
            e, u, sy = open(os.path.join(d, "time.txt")).read().split()[:3]
            cpus.append(float(u) + float(sy))
        except (OSError, ValueError):
            pass
        if not cmd:
            # The binary and output paths as a user would type them.
            c = open(os.path.join(d, "command.txt")).read().strip().split()
            c[0] = "bin/vfe"
            c = ["runs/" + x.split("/runs/", 1)[1] if "/runs/" in x else x for x in c]
            cmd = " ".join(c)
    if not rets:
        print(f"| {name} | – | {steps} | {thr} | not run | | | | | |")
        continue
    m = statistics.mean(rets)
    h = t95.get(len(rets) - 1, 2.0) * statistics.stdev(rets) / len(rets) ** 0.5 if len(rets) > 1 else float("nan")
    status = "reported" if thr == "-" else ("met" if m >= float(thr) else "not met")
    spc = f"{float(steps) / statistics.mean(cpus):.0f}" if cpus else ""
    per = ", ".join(f"{r:.1f}" for r in rets)
    bst = ", ".join(f"{r:.1f}" for r in best)
    print(f"| {name} | `{cmd}` | {steps} | {thr} | {per} | {m:.1f} ± {h:.1f} (n={len(rets)}) | {bst} | {statistics.mean(walls):.0f} | {spc} | {status} |")
PYEOF
log "wrote bench/agent.md"
