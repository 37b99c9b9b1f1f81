package rl_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/rl"
)

// endless is a task that never terminates: reward 1 per step, observation
// the step count within the episode. It truncates itself after limit steps
// (a time limit), so V(s) = 1/(1−γ) at every state.
type endless struct {
	limit, k int
	obs      []float32
}

func (e *endless) ObservationSpace() env.Space { return env.UniformBox(0, 1000, 1) }
func (e *endless) ActionSpace() env.Space      { return env.Discrete{N: 2} }
func (e *endless) Reset(*rand.Rand) []float32 {
	e.k = 0
	e.obs = []float32{0}
	return e.obs
}
func (e *endless) Step([]float32) env.Step {
	e.k++
	e.obs[0] = float32(e.k)
	return env.Step{Obs: e.obs, Reward: 1, Truncated: e.k == e.limit}
}

// TestVecEnv_Buffers drives both buffers from an auto-resetting env.VecEnv
// with time-limited envs of different limits.
func TestVecEnv_Buffers(t *testing.T) {
	const gamma, steps = 0.9, 12
	v := env.NewVecEnv([]env.Env{&endless{limit: 3}, &endless{limit: 5}}, env.VecConfig{Workers: 1})
	defer v.Close()
	obs := append([]float32(nil), v.Reset(testrand.New(1))...)
	vTrue := float32(1 / (1 - gamma))
	vals, finals, acts := []float32{vTrue, vTrue}, []float32{vTrue, vTrue}, []float32{0, 0}
	rb := rl.NewRolloutBuffer(steps, 2, 1, 1)
	replay := rl.NewReplayBuffer(100, 2, 1, 1)
	for range steps {
		v.Step(acts)
		rb.Add(obs, acts, []float32{0, 0}, vals, v.Rewards, v.Terminated, v.Truncated, finals)
		replay.Add(obs, acts, v.Obs, v.Rewards, v.Terminated, v.Truncated, v.FinalObs)
		copy(obs, v.Obs)
	}
	t.Run("truncation bootstraps to the true value", func(t *testing.T) {
		// With V exact, every TD error 1 + γ/(1−γ) − 1/(1−γ) is 0, so GAE is 0
		// everywhere: only possible if the time-limit cuts bootstrap.
		rb.ComputeAdvantages(rl.AdvantageConfig{Gamma: gamma, Lambda: 0.95}, vals)
		for i, a := range rb.Advantages {
			if math.Abs(float64(a)) > 1e-5 {
				t.Errorf("entry %d: advantage %v, want 0", i, a)
			}
		}
		ends := 0
		for _, tr := range rb.Truncated {
			if tr {
				ends++
			}
		}
		if ends != steps/3+steps/5 {
			t.Errorf("%d truncations recorded, want %d", ends, steps/3+steps/5)
		}
	})
	t.Run("replay keeps the true final observation", func(t *testing.T) {
		// Every stored transition goes from count k to k+1, including the
		// last one of each episode (k+1 = limit), never to the reset obs 0.
		batch := rl.NewBatch(200, 1, 1)
		replay.Sample(batch, testrand.New(2))
		sawTrunc := false
		for i := 0; i < batch.Size(); i++ {
			s, s2 := batch.Obs.At(i, 0), batch.NextObs.At(i, 0)
			if s2 != s+1 {
				t.Fatalf("transition %d: s = %v, s' = %v, want s' = s + 1", i, s, s2)
			}
			if batch.Truncated[i] {
				sawTrunc = true
				if batch.Terminated[i] {
					t.Fatalf("transition %d marked terminated", i)
				}
			}
		}
		if !sawTrunc {
			t.Error("no truncated transition sampled")
		}
	})
}
