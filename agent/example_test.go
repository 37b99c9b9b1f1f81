package agent_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/agent"
	"github.com/vfe-go/vfe/tensor"
)

// One filtering step of a one-latent linear world model: the transition
// predicts s_t = z_{t−1} = 1 (prior precision 1), the observation x_t = s_t
// is seen as 3 (precision 1), so the posterior mode is the precision-weighted
// mean (1 + 3)/2 = 2.
func ExampleFilter_Infer() {
	cfg := agent.DefaultWorldConfig()
	cfg.Latent = []int{1}
	cfg.Hidden = 1
	cfg.Act = tensor.Identity
	w, err := agent.NewWorld(cfg, 1, 1, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		panic(err)
	}
	// μ_1(z, a) = z and g(s) = s: first layer picks the input, second is 1.
	for n, coef := range [][]float32{{1}, {1, 0}} {
		ls := w.Mu[n].Linears()
		copy(ls[0].W.Val.Data, coef)
		ls[0].B.Val.Zero()
		ls[1].W.Val.Data[0] = 1
		ls[1].B.Val.Zero()
	}
	f := w.NewFilter(1)
	f.Prev[1].Data[0] = 1
	f.X.Data[0] = 3
	f.Init(false)
	if _, err := f.Infer(100, 0.2); err != nil {
		panic(err)
	}
	obs, trans := f.Energy()
	fmt.Printf("z = %.3f, observation energy %.3f, transition energy %.3f\n", f.Z[1].Data[0], obs, trans)
	// Output:
	// z = 2.000, observation energy 1.419, transition energy 1.419
}
