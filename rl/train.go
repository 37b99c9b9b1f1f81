package rl

import (
	"context"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// Metric is one named scalar an algorithm logs, with a namespaced key such
// as "charts/episodic_return" or "losses/value".
type Metric struct {
	Key   string
	Value float64
}

// Logger receives metrics at a global environment step. A run directory's
// metrics files, a test's slice or nothing (NopLogger) can stand behind it.
type Logger interface {
	Log(step int, metrics ...Metric) error
}

// NopLogger discards every metric.
type NopLogger struct{}

// Log does nothing.
func (NopLogger) Log(int, ...Metric) error { return nil }

// Policy is a trained actor: it maps a batch of observations (n×obsDim) to
// actions (n×actDim; a Discrete action is one column holding the index).
// deterministic selects the mode or mean (evaluation); otherwise actions are
// sampled with rng. dst is reused when non-nil. Policies include any
// observation normalisation they were trained with.
type Policy interface {
	Act(dst, obs *tensor.Mat, deterministic bool, rng *rand.Rand) *tensor.Mat
}

// Checkpointer is implemented by trained agents: Tensors returns every
// tensor needed to rebuild the policy (network weights, normalisation
// statistics) under stable names, and Load restores them.
type Checkpointer interface {
	Tensors() []nn.NamedTensor
	Load(ts []nn.NamedTensor) error
}

// EnvMaker builds one environment instance (with its time limit and any
// wrappers); algorithms call it once per parallel env.
type EnvMaker func() (env.Env, error)

// TrainOptions is what every algorithm's Train receives besides its Config.
type TrainOptions struct {
	// MakeEnv builds the training (and evaluation) environments. Required.
	MakeEnv EnvMaker
	// Logger receives the namespaced metrics (nil: discarded).
	Logger Logger
	// Progress, when non-nil, is called after every environment step batch
	// with the total steps so far and the mean return of recent episodes
	// (NaN before the first one ends).
	Progress func(steps int, recentReturn float64)
	// EvalEvery runs a deterministic evaluation every EvalEvery environment
	// steps (0: only at the end), logging eval/mean_return and
	// eval/std_return over EvalEpisodes episodes (0 means 10).
	EvalEvery    int
	EvalEpisodes int
	// OnEval, when non-nil, is called after every deterministic evaluation
	// (periodic and final) with the step count, the mean return and the
	// policy as it was evaluated (an rl.Checkpointer for every algorithm
	// here), for example to keep the best checkpoint. It must not change
	// the policy; an error stops training and is returned.
	OnEval func(step int, meanReturn float64, p Policy) error
	// Ctx cancels training between updates; nil means never.
	Ctx context.Context
	// Workers splits the rows of the networks' products (nn.UsePacked)
	// among its goroutines; nil runs them on the training goroutine. The
	// results do not depend on the number of workers. The caller owns and
	// closes the pool. REINFORCE and DQN use it. PPO runs its packed
	// products on the training goroutine and, when Workers is not nil, the
	// critic's passes on a second goroutine beside the actor's; DDPG, TD3,
	// SAC and SVG(0) keep the BLAS for their 256- and 400-wide layers with
	// batch 256, where OpenBLAS's own threads split the products better
	// (bench/rl-speed.md), so their threads are the BLAS's.
	Workers *tensor.Workers
}

// ReportEval reports a deterministic evaluation taken at step: it logs
// eval/mean_return and eval/std_return to log, then calls OnEval (when
// set) with p. It returns the first error.
func (o *TrainOptions) ReportEval(log Logger, step int, mean, std float64, p Policy) error {
	if err := log.Log(step, Metric{Key: "eval/mean_return", Value: mean}, Metric{Key: "eval/std_return", Value: std}); err != nil {
		return err
	}
	if o.OnEval != nil {
		return o.OnEval(step, mean, p)
	}
	return nil
}

// Recurrent is implemented by policies that keep per-row memory between Act
// calls (the variational agent's filtering state). Whoever runs episodes
// calls Reset(i) when row i starts a new episode.
type Recurrent interface {
	Reset(row int)
}

// PolicyAdapter lets a Policy act in a single env.Env as an env.Policy
// (one observation at a time), for rendering and evaluation loops.
type PolicyAdapter struct {
	P             Policy
	Deterministic bool
	obs, act      *tensor.Mat
}

// Act implements env.Policy.
func (a *PolicyAdapter) Act(obs []float32, rng *rand.Rand) []float32 {
	if a.obs == nil || a.obs.Cols != len(obs) {
		a.obs = tensor.New(1, len(obs))
	}
	copy(a.obs.Data, obs)
	a.act = a.P.Act(a.act, a.obs, a.Deterministic, rng)
	return a.act.Data
}

// Reset starts a new episode: it resets the wrapped policy's memory when it
// is Recurrent.
func (a *PolicyAdapter) Reset() {
	if r, ok := a.P.(Recurrent); ok {
		r.Reset(0)
	}
}

var _ env.Policy = (*PolicyAdapter)(nil)
