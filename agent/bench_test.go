package agent

import (
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// BenchmarkAgent_Act measures one acting step on CartPole-v1's spaces with
// the task's default configuration: perception (world.T inference
// iterations on one row) and a policy sample. tensor.BLAS() names the path.
func BenchmarkAgent_Act(b *testing.B) {
	cfg, _ := EnvConfig("CartPole-v1")
	e, err := classic.Make("CartPole-v1")
	if err != nil {
		b.Fatal(err)
	}
	a, err := NewAgent(cfg, e.ObservationSpace(), e.ActionSpace())
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	obs := tensor.FromSlice(1, 4, []float32{0.01, 0.2, -0.03, 0.1})
	act := a.Act(nil, obs, false, rng)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a.Act(act, obs, false, rng)
	}
}

// BenchmarkTrain_CartPole measures whole training steps (acting, replay,
// world-model, critic and policy updates) with the CartPole-v1 defaults,
// 2000 steps per iteration (updates start at step 1000); it reports env
// steps per second.
func BenchmarkTrain_CartPole(b *testing.B) {
	cfg, _ := EnvConfig("CartPole-v1")
	cfg.Steps = 2000
	b.ResetTimer()
	for range b.N {
		if _, err := Train(cfg, 1, rl.TrainOptions{MakeEnv: maker("CartPole-v1"), EvalEpisodes: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cfg.Steps*b.N)/b.Elapsed().Seconds(), "steps/s")
}
