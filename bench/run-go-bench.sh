#!/usr/bin/env bash
# Runs vfe's benchmarks and rewrites BENCHMARKS.md.
#
#   bash bench/run-go-bench.sh TAGS     (make bench passes "$(TAGS)", e.g. "openblas")
#
# Go benchmarks run on the fast path (the given build tags) and on the
# portable path (CGO_ENABLED=0, gonum's pure-Go BLAS). The PyTorch peers
# (bench/pc_torch.py, bench/mlp_torch.py) and the equivalence check run when
# Debian's python3-torch is installed, and are skipped with a note otherwise.
# Go and PyTorch runs are interleaved over BENCH_ROUNDS rounds (default 3)
# and each figure is the best round, so that a busy machine penalises both
# alike. Every bench/*.md fragment is appended verbatim. Environment: GO
# (default go), PYTHON (default /usr/bin/python3), BENCH_ROUNDS, BENCHTIME
# (default 1s), BENCH_MLP_ROUNDS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

TAGS="${1:-}"
GO="${GO:-go}"
PY="${PYTHON:-/usr/bin/python3}"
ROUNDS="${BENCH_ROUNDS:-3}"
MLP_ROUNDS="${BENCH_MLP_ROUNDS:-2}"
BT="${BENCHTIME:-1s}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

fast=gonum
case " $TAGS " in *" openblas "*) fast=openblas ;; esac
log() { printf '[bench] %s\n' "$*" >&2; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
echo "load average (1, 5, 15 min) at the start: $(loadavg) on $(nproc 2>/dev/null || echo '?') CPUs; a load above the CPU count means other work shared the machine and wall-clock figures understate both sides" >>"$out/notes.txt"

log "building test binaries (fast path: $fast, tags \"$TAGS\"; portable: CGO_ENABLED=0)"
for pkg in pc tensor nn; do
	if [ "$fast" != gonum ]; then
		"$GO" test -c -tags "$TAGS" -o "$out/$pkg-fast.test" "./$pkg"
	fi
	CGO_ENABLED=0 "$GO" test -c -o "$out/$pkg-portable.test" "./$pkg"
done
"$GO" build -tags "$TAGS" -o "$out/pcdump" ./bench/pcdump
"$GO" build -o "$out/report" ./bench/report
paths="portable"
[ "$fast" != gonum ] && paths="fast portable"

torch=0
if [ -x "$PY" ] && "$PY" -c 'import torch' 2>/dev/null; then
	torch=1
else
	echo "python3-torch is not installed (apt-get install python3-torch): PyTorch figures skipped" >>"$out/notes.txt"
	log "python3-torch not found: PyTorch peers skipped"
fi

# The test binaries run from their package directories, as go test would.
runbench() { # path pkg args...
	local path=$1 pkg=$2
	shift 2
	(cd "$pkg" && "$out/$pkg-$path.test" -test.run '^$' -test.benchmem "$@")
}

PC=(-test.bench '^BenchmarkPC(TrainStep|InferIteration)$' -test.cpu 1,2 -test.benchtime "$BT")
for r in $(seq 1 "$ROUNDS"); do
	log "round $r/$ROUNDS: PC training step"
	for p in $paths; do
		runbench "$p" pc "${PC[@]}" >>"$out/$p.txt"
	done
	if [ "$torch" = 1 ]; then
		for th in 1 2; do
			"$PY" bench/pc_torch.py --threads "$th" --steps 100 --repeats 1 >>"$out/torch-pc.jsonl"
		done
		# OpenMP's spinning barriers suffer on a shared machine; give the
		# peer's two-thread run its passive alternative too and keep the best.
		OMP_WAIT_POLICY=PASSIVE "$PY" bench/pc_torch.py --threads 2 --steps 100 --repeats 1 >>"$out/torch-pc.jsonl"
	fi
done
if [ "$torch" = 1 ]; then
	log "PyTorch PC with autograd (for the record: the manual version is the faster)"
	for th in 1 2; do
		"$PY" bench/pc_torch.py --threads "$th" --mode autograd --steps 50 --repeats 2 >>"$out/torch-pc.jsonl"
	done
fi

log "kernels: GEMM shapes and tanh"
for p in $paths; do
	runbench "$p" tensor -test.bench '^Benchmark(Gemm|Tanh)' -test.cpu 1 -test.benchtime 0.5s >>"$out/$p.txt"
done

if grep -q '^func BenchmarkMLPTrainStep' nn/*_test.go 2>/dev/null; then
	log "MLP training step"
	for r in $(seq 1 "$MLP_ROUNDS"); do
		for p in $paths; do
			runbench "$p" nn -test.bench '^BenchmarkMLPTrainStep$' -test.benchtime "$BT" >>"$out/nn-$p.txt"
		done
		if [ "$torch" = 1 ]; then
			for th in 1 2; do
				"$PY" bench/mlp_torch.py --threads "$th" --steps 200 --repeats 1 >>"$out/torch-mlp.jsonl"
			done
			OMP_WAIT_POLICY=PASSIVE "$PY" bench/mlp_torch.py --threads 2 --steps 200 --repeats 1 >>"$out/torch-mlp.jsonl"
		fi
	done
else
	echo "nn has no BenchmarkMLPTrainStep yet: the MLP row has PyTorch figures only" >>"$out/notes.txt"
	if [ "$torch" = 1 ]; then
		for th in 1 2; do
			"$PY" bench/mlp_torch.py --threads "$th" --steps 200 --repeats 2 >>"$out/torch-mlp.jsonl"
		done
	fi
fi

if [ "$torch" = 1 ]; then
	log "equivalence of the PyTorch peer"
	tiny="$("$PY" bench/check_equivalence.py --pcdump "$out/pcdump" --go-args '-dims 3,5,4,6 -batch 4 -T 5 -seed 1' || true)"
	full="$("$PY" bench/check_equivalence.py --pcdump "$out/pcdump" --go-args '-dims 10,256,256,784 -batch 64 -T 20 -seed 2' || true)"
	printf '{"tiny 3-5-4-6, batch 4, T 5": %s, "MNIST 10-256-256-784, batch 64, T 20": %s}\n' "${tiny:-null}" "${full:-null}" >"$out/equivalence.json"
fi

echo "load average at the end: $(loadavg)" >>"$out/notes.txt"
log "writing BENCHMARKS.md"
"$out/report" -dir "$out" -fast "$fast" -peak 115 -fragments 'bench/*.md' -go "$("$GO" env GOVERSION)" -out BENCHMARKS.md
log "done"
