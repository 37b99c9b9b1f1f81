package sac

import (
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/rl"
)

// constEnv is an infinite-horizon task with one constant observation and
// reward 1 per step whatever the action: V = Q = 1/(1−γ) exactly. Its
// actions live in [−2, 2] to exercise the action scaling.
type constEnv struct{ obs []float32 }

func (e *constEnv) ObservationSpace() env.Space { return env.UniformBox(-1, 1, 1) }
func (e *constEnv) ActionSpace() env.Space      { return env.UniformBox(-2, 2, 1) }
func (e *constEnv) Reset(*rand.Rand) []float32  { e.obs = []float32{1}; return e.obs }
func (e *constEnv) Step([]float32) env.Step     { return env.Step{Obs: e.obs, Reward: 1} }

func makeConst(limit int) rl.EnvMaker {
	return func() (env.Env, error) { return wrap.NewTimeLimit(&constEnv{}, limit), nil }
}

// memLogger keeps every metric in order.
type memLogger struct{ ms []rl.Metric }

func (m *memLogger) Log(_ int, ms ...rl.Metric) error {
	m.ms = append(m.ms, ms...)
	return nil
}

// without returns the metrics whose key is not key (wall-clock ones vary).
func (m *memLogger) without(key string) []rl.Metric {
	var out []rl.Metric
	for _, x := range m.ms {
		if x.Key != key {
			out = append(out, x)
		}
	}
	return out
}

func (m *memLogger) last(key string) float64 {
	v := math.NaN()
	for _, x := range m.ms {
		if x.Key == key {
			v = x.Value
		}
	}
	return v
}

// paramGradCheck compares the gradients accumulated by grad (after the
// parameters' gradients are zeroed) with central differences of loss with
// respect to every parameter value.
func paramGradCheck(ps []*nn.Param, loss func() float64, grad func(), atol, rtol float64) error {
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
