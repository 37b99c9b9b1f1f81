# vfe — make demo (train a PC network on MNIST) and make test (the suite on both BLAS paths).
SHELL := /bin/bash
GO    ?= go
BIN   := bin/vfe
# Debian packages vfe uses: OpenBLAS for the fast path, Fashion-MNIST for the data.
APT_PKGS := libopenblas-dev dataset-fashion-mnist
# The fast path (OpenBLAS through cgo) whenever the library is installed, else pure Go.
TAGS := $(shell test -e /usr/lib/x86_64-linux-gnu/libopenblas.so -o -e /usr/lib/libopenblas.so -o -n "$$(ldconfig -p 2>/dev/null | grep libopenblas.so)" && echo openblas)

.PHONY: all deps build demo test test-fast test-portable vet bench bench-rl bench-agent clean

all: build

deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v $(GO) >/dev/null || { echo "vfe needs Go ≥ 1.26 on PATH"; exit 1; }
	@$(GO) mod download

build: deps
	$(GO) build -tags "$(TAGS)" -o $(BIN) ./cmd/vfe
	@$(BIN) version | tail -1

demo: build
	$(BIN) pc train --dataset mnist --method pc --hidden 256,256 --act relu --epochs 3 --batch 64 --T 20 --eta 0.1 \
		--label-precision 0.1 --lr 1e-3 --lr-schedule cosine --seed 1 --threads 1 --out runs/demo-mnist-$$(date +%Y%m%d-%H%M%S)

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

test-fast:
	$(GO) test -tags "$(TAGS)" -count=1 ./...

test-portable:
	CGO_ENABLED=0 $(GO) test -short -count=1 ./...

# The whole suite on the fast path, then the short suite on the portable path.
test: deps vet test-fast test-portable

bench: deps
	bash bench/run-go-bench.sh "$(TAGS)"

# Trains the RL baselines (3 seeds per target) and records the results in
# bench/rl*.md and their sections of BENCHMARKS.md.
bench-rl: build
	bash bench/rl.sh
	go run ./bench/report -refresh BENCHMARKS.md -fragments 'bench/*.md'

# Trains the variational agent on its targets (3 seeds) next to the baselines.
bench-agent: build
	bash bench/agent.sh
	go run ./bench/report -refresh BENCHMARKS.md -fragments 'bench/*.md'

clean:
	rm -rf bin
