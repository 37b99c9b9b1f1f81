package svg0

import (
	"math"
	"slices"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// The SARSA-like target r + γQ̂'(s', a'), the actor gradient and the
// truncation bootstrap of the α = 0 configuration are tested in package sac
// (TestLearner_SVG0Target, TestLearner_Gradients, TestTrain_TruncationBootstraps).

type memLogger struct{ ms []rl.Metric }

func (m *memLogger) Log(_ int, ms ...rl.Metric) error {
	m.ms = append(m.ms, ms...)
	return nil
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

func (m *memLogger) without(key string) []rl.Metric {
	var out []rl.Metric
	for _, x := range m.ms {
		if x.Key != key {
			out = append(out, x)
		}
	}
	return out
}

func TestConfig_Validate(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s := c.sac()
	if s.Alpha != 0 || s.AutoAlpha || s.ValueNet || s.Critics != 1 || s.Gamma != c.Gamma || s.TotalTimesteps != c.TotalTimesteps {
		t.Fatalf("SVG(0) must be SAC's twin-Q form with α = 0 and one critic, got %+v", s)
	}
	if _, ok := ZooConfig("Pendulum-v1"); !ok {
		t.Fatal("no Pendulum-v1 config")
	}
	if _, ok := ZooConfig("CartPole-v1"); ok {
		t.Fatal("CartPole-v1 has discrete actions")
	}
	for name, mut := range map[string]func(*Config){
		"critics": func(c *Config) { c.Critics = 0 },
		"gamma":   func(c *Config) { c.Gamma = 2 },
		"hidden":  func(c *Config) { c.Hidden = []int{-1} },
	} {
		t.Run(name, func(t *testing.T) {
			c := DefaultConfig()
			mut(&c)
			if c.Validate() == nil {
				t.Fatalf("Validate accepted %+v", c)
			}
		})
	}
}

func TestTrain_Deterministic(t *testing.T) {
	c := DefaultConfig()
	c.TotalTimesteps, c.NumEnvs, c.Hidden, c.BatchSize = 600, 2, []int{16}, 32
	mk := func() (env.Env, error) { return classic.Make("Pendulum-v1") }
	var runs [2]*memLogger
	var agents [2]*Agent
	for k := range runs {
		runs[k] = &memLogger{}
		a, err := Train(c, 3, rl.TrainOptions{MakeEnv: mk, Logger: runs[k], EvalEvery: 400, EvalEpisodes: 1})
		if err != nil {
			t.Fatal(err)
		}
		agents[k] = a
	}
	a, b := runs[0].without("charts/sps"), runs[1].without("charts/sps")
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("runs with one seed differ (%d vs %d metrics)", len(a), len(b))
	}
	if got := runs[0].last("losses/alpha"); got != 0 {
		t.Fatalf("losses/alpha = %v, want 0", got)
	}
	// A rebuilt agent loads the checkpoint and acts identically.
	e, _ := mk()
	fresh, err := NewAgent(c, e.ObservationSpace(), e.ActionSpace())
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.Load(agents[0].Tensors()); err != nil {
		t.Fatal(err)
	}
	obs := tensor.New(4, 3).RandN(testrand.New(1), 1)
	if !slices.Equal(fresh.Act(nil, obs, true, nil).Data, agents[0].Act(nil, obs, true, nil).Data) {
		t.Fatal("loaded agent acts differently")
	}
}

func TestTrain_Pendulum(t *testing.T) {
	if testing.Short() {
		t.Skip("learning smoke test")
	}
	mk := func() (env.Env, error) { return classic.Make("Pendulum-v1") }
	c := DefaultConfig()
	c.TotalTimesteps, c.LearningStarts, c.Hidden, c.BatchSize = 12000, 500, []int{64, 64}, 128
	log := &memLogger{}
	if _, err := Train(c, 1, rl.TrainOptions{MakeEnv: mk, Logger: log, EvalEvery: 3000, EvalEpisodes: 5}); err != nil {
		t.Fatal(err)
	}
	// A random policy scores about −1200 on Pendulum-v1. Without an entropy
	// bonus SVG(0) explores less than SAC early on, and the BLAS path changes
	// the float sums and so the run: the bar is the best evaluation within
	// 12k steps, which must be far above random.
	best := math.Inf(-1)
	for _, m := range log.ms {
		if m.Key == "eval/mean_return" {
			best = max(best, m.Value)
		}
	}
	if !(best > -700) {
		t.Fatalf("best eval return %v within 12000 steps, want > −700", best)
	}
}
