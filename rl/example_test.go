package rl_test

import (
	"fmt"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/rl"
)

func ExampleGAE() {
	// One env, four steps, γ = 0.9, λ = 0.8; step 1 hits a time limit.
	tr := rl.Trajectory{
		Steps: 4, Envs: 1,
		Rewards:     []float32{1, 1, 1, 1},
		Values:      []float32{2, 2, 2, 2},
		Terminated:  []bool{false, false, false, false},
		Truncated:   []bool{false, true, false, false},
		FinalValues: []float32{0, 2, 0, 0}, // V(final obs) at the truncation
		LastValues:  []float32{2},          // V(s_4)
	}
	// Every δ = 1 + 0.9·2 − 2 = 0.8 (the truncation bootstraps), so inside an
	// episode A_t = 0.8 + 0.72·A_{t+1}: A = (0.8 + 0.72·0.8, 0.8, 1.376, 0.8).
	adv := rl.GAE(nil, tr, 0.9, 0.8)
	fmt.Printf("GAE     %.4f\n", adv)
	// The seed's truncated forms with T = 2: A(λ,2) = 0.36·δ_t + 0.144·δ_{t+1},
	// Ã(λ,2) = A(λ,2)/(1 − 0.8²).
	fmt.Printf("A(λ,2)  %.4f\n", rl.TruncatedGAE(nil, tr, 0.9, 0.8, 2, false))
	fmt.Printf("Ã(λ,2)  %.4f\n", rl.TruncatedGAE(nil, tr, 0.9, 0.8, 2, true))
	// Output:
	// GAE     [1.3760 0.8000 1.3760 0.8000]
	// A(λ,2)  [0.4032 0.2880 0.4032 0.2880]
	// Ã(λ,2)  [1.1200 0.8000 1.1200 0.8000]
}

func ExampleRolloutBuffer() {
	// Two envs, two steps; env 1 is truncated after step 0.
	buf := rl.NewRolloutBuffer(2, 2, 1, 1)
	buf.Add([]float32{0, 0}, []float32{1, 0}, []float32{-0.7, -0.7}, []float32{1, 1},
		[]float64{1, 1}, []bool{false, false}, []bool{false, true}, []float32{0, 1})
	buf.Add([]float32{1, 0}, []float32{0, 1}, []float32{-0.7, -0.7}, []float32{1, 1},
		[]float64{0, 0}, []bool{true, false}, []bool{false, false}, nil)
	buf.ComputeAdvantages(rl.AdvantageConfig{Gamma: 0.5, Lambda: 1}, []float32{0, 2})
	// Env 0: A1 = 0 − 1 = −1 (terminal), A0 = 1 + 0.5·1 − 1 + 0.5·(−1) = 0.
	// Env 1: A0 = 1 + 0.5·1 − 1 = 0.5 (truncated), A1 = 0 + 0.5·2 − 1 = 0.
	fmt.Printf("advantages %.2f\n", buf.Advantages)
	fmt.Printf("returns    %.2f\n", buf.Returns)
	// Output:
	// advantages [0.00 0.50 -1.00 0.00]
	// returns    [1.00 1.50 0.00 1.00]
}

func ExampleReplayBuffer() {
	// One env with 1-D observations. The second transition ends its
	// episode at a time limit: an auto-resetting env reports the reset
	// observation (0) as next obs and the true final one (9) separately.
	rb := rl.NewReplayBuffer(100, 1, 1, 1)
	rb.Add([]float32{7}, []float32{1}, []float32{8}, []float64{1}, []bool{false}, []bool{false}, nil)
	rb.Add([]float32{8}, []float32{0}, []float32{0}, []float64{1}, []bool{false}, []bool{true}, []float32{9})
	batch := rl.NewBatch(4, 1, 1)
	rb.Sample(batch, testrand.New(3))
	for i := 0; i < batch.Size(); i++ {
		fmt.Printf("s=%v a=%v s'=%v truncated=%v\n", batch.Obs.At(i, 0), batch.Actions.At(i, 0), batch.NextObs.At(i, 0), batch.Truncated[i])
	}
	// Output:
	// s=8 a=0 s'=9 truncated=true
	// s=8 a=0 s'=9 truncated=true
	// s=8 a=0 s'=9 truncated=true
	// s=7 a=1 s'=8 truncated=false
}
