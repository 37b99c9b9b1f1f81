// Package rltest holds test fixtures the RL algorithm packages share: an
// infinite-horizon task with a known value, a metric recorder, and a
// finite-difference check over parameter lists. It is for tests only.
package rltest

import (
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/rl"
)

// ConstEnv is an infinite-horizon task with one constant observation and
// reward 1 per step whatever the action: V = Q = 1/(1−γ) exactly. Its
// actions live in [−2, 2] to exercise the action scaling.
type ConstEnv struct{ obs []float32 }

// ObservationSpace returns Box(−1, 1, 1).
func (e *ConstEnv) ObservationSpace() env.Space { return env.UniformBox(-1, 1, 1) }

// ActionSpace returns Box(−2, 2, 1).
func (e *ConstEnv) ActionSpace() env.Space { return env.UniformBox(-2, 2, 1) }

// Reset returns the observation [1].
func (e *ConstEnv) Reset(*rand.Rand) []float32 { e.obs = []float32{1}; return e.obs }

// Step returns reward 1 and never terminates.
func (e *ConstEnv) Step([]float32) env.Step { return env.Step{Obs: e.obs, Reward: 1} }

// MakeConst builds ConstEnv under a time limit of limit steps.
func MakeConst(limit int) rl.EnvMaker {
	return func() (env.Env, error) { return wrap.NewTimeLimit(&ConstEnv{}, limit), nil }
}

// MemLogger keeps every metric in order.
type MemLogger struct{ Metrics []rl.Metric }

// Log implements rl.Logger.
func (m *MemLogger) Log(_ int, ms ...rl.Metric) error {
	m.Metrics = append(m.Metrics, ms...)
	return nil
}

// Without returns the metrics whose key is not key (wall-clock ones vary).
func (m *MemLogger) Without(key string) []rl.Metric {
	var out []rl.Metric
	for _, x := range m.Metrics {
		if x.Key != key {
			out = append(out, x)
		}
	}
	return out
}

// Last returns the last value logged under key, NaN if none.
func (m *MemLogger) Last(key string) float64 {
	v := math.NaN()
	for _, x := range m.Metrics {
		if x.Key == key {
			v = x.Value
		}
	}
	return v
}

// ParamGradCheck compares the gradients accumulated by grad (after the
// parameters' gradients are zeroed) with central differences of loss with
// respect to every parameter value.
func ParamGradCheck(ps []*nn.Param, loss func() float64, grad func(), atol, rtol float64) error {
	nn.ZeroGrad(ps)
	grad()
	var an, x []float64
	for _, p := range ps {
		an = append(an, gradcheck.F32(p.Grad.Data)...)
		x = append(x, gradcheck.F32(p.Val.Data)...)
	}
	set := func(v []float64) {
		off := 0
		for _, p := range ps {
			gradcheck.Set32(p.Val.Data, v[off:off+len(p.Val.Data)])
			off += len(p.Val.Data)
		}
	}
	num := gradcheck.Numeric(func(v []float64) float64 { set(v); return loss() }, x, 1e-3)
	set(x)
	return gradcheck.Compare(an, num, atol, rtol)
}
