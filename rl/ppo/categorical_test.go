package ppo

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
)

// The cached categorical must reproduce dist.Categorical bit for bit: the
// update's losses and gradients are the same with or without it.
func TestCatRows_MatchesDist(t *testing.T) {
	rng := testrand.New(4)
	for _, k := range []int{2, 3, 6} {
		for _, withEnt := range []bool{false, true} {
			b := 37
			logits := tensor.New(b, k).RandN(rng, 2)
			logits.Set(3, 1, float32(math.Inf(-1))) // a masked class
			actions := make([]int, b)
			dLogp, dEnt := make([]float32, b), make([]float32, b)
			for i := range actions {
				actions[i] = rng.IntN(k)
				if i == 3 && actions[i] == 1 {
					actions[i] = 0
				}
				dLogp[i], dEnt[i] = float32(rng.NormFloat64()), float32(-0.01)
			}
			var c catRows
			c.compute(logits)
			logp, ent := make([]float32, b), make([]float32, b)
			c.logProbEntropy(logp, ent, actions)
			g := tensor.New(b, k).Fill(7) // overwritten
			c.grad(g, actions, dLogp, dEnt, withEnt)

			cat := dist.NewCategorical(logits)
			wantLogp, wantEnt := cat.LogProb(nil, actions), cat.Entropy(nil)
			want := cat.LogProbGrad(tensor.New(b, k).Fill(7), actions, dLogp, 0)
			if withEnt {
				cat.EntropyGrad(want, dEnt, 1)
			}
			same := func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) }
			for i := range b {
				if !same(logp[i], wantLogp[i]) || !same(ent[i], wantEnt[i]) {
					t.Fatalf("K=%d row %d: log p %v, H %v; dist gives %v, %v", k, i, logp[i], ent[i], wantLogp[i], wantEnt[i])
				}
			}
			for i := range g.Data {
				if !same(g.Data[i], want.Data[i]) {
					t.Fatalf("K=%d entropy=%v gradient element %d: %v, dist gives %v", k, withEnt, i, g.Data[i], want.Data[i])
				}
			}
		}
	}
}
