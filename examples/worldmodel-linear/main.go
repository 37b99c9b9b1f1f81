// Command worldmodel-linear learns a latent world model of a known
// linear-Gaussian system by predictive-coding filtering and local learning,
// and prints the recovered dynamics next to the truth.
//
// System: s_t = a s_{t−1} + b u_{t−1} + w, x_t = c s_t + v with a = 0.8,
// b = 1, c = 2, w, v ~ N(0, 0.05), in episodes of 50 steps from s_0 = 0. A latent model identifies s only up to a
// scale k, so the comparable quantities are the pole a and the input-output
// gain c·b, which it recovers. The learned observation variance comes out
// below the true 0.05: with point-mass posteriors q(s) = δ(s − z) the
// posterior variance is ignored (the seed drops the entropy term (e)), so
// part of the observation noise is explained by moving z — the known bias
// of MAP-EM.
package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/agent"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/tensor"
)

func main() {
	const a, b, c, q, r = 0.8, 1.0, 2.0, 0.05, 0.05
	cfg := agent.DefaultWorldConfig()
	cfg.Latent = []int{1}
	cfg.Hidden = 1
	cfg.Act = tensor.Identity
	cfg.Prec, cfg.ObsPrec = agent.PrecLearned, agent.PrecLearned
	cfg.LogPrecMax = 4 // gradient inference needs η·π < 2
	rng := rand.New(rand.NewPCG(3, 4))
	w, err := agent.NewWorld(cfg, 1, 1, rng)
	if err != nil {
		panic(err)
	}
	// Start from a contracting transition (|pole| < 1): with an identity
	// activation an expanding initial model makes the latent grow
	// geometrically within an episode.
	for _, l := range w.Mu[1].Linears() {
		tensor.Scale(l.W.Val, 0.5, l.W.Val)
	}
	var ps []*nn.Param
	for _, np := range w.Params() {
		ps = append(ps, np.Param)
	}
	opt, err := optim.NewAdam(ps, optim.AdamConfig{LR: 3e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		panic(err)
	}
	const B = 64 // parallel sequences
	f := w.NewFilter(B)
	s, u := make([]float64, B), make([]float64, B)
	for step := 1; step <= 2000; step++ {
		if step%50 == 1 { // episodes of 50 steps from s_0 = 0, z_0 = 0
			clear(s)
			clear(u)
			f.Prev[1].Zero()
		}
		for i := range s {
			s[i] = a*s[i] + b*u[i] + math.Sqrt(q)*rng.NormFloat64()
			f.X.Data[i] = float32(c*s[i] + math.Sqrt(r)*rng.NormFloat64())
			f.A.Data[i] = float32(u[i])
			u[i] = rng.NormFloat64()
		}
		f.Init(false)
		if _, err := f.Infer(60, 0.02); err != nil {
			panic(err)
		}
		nn.ZeroGrad(ps)
		f.Learn()
		optim.ClipGradNorm(ps, 1)
		opt.Step()
		copy(f.Prev[1].Data, f.Z[1].Data)
		if step%500 == 0 {
			obs, trans := f.Energy()
			fmt.Printf("step %4d  observation energy %.3f  transition energy %.3f\n", step, obs, trans)
		}
	}
	t1, t0 := w.Mu[1].Linears(), w.Mu[0].Linears()
	aHat := t1[1].W.Val.Data[0] * t1[0].W.Val.Data[0]
	cb := t0[1].W.Val.Data[0] * t0[0].W.Val.Data[0] * t1[1].W.Val.Data[0] * t1[0].W.Val.Data[1]
	fmt.Printf("pole a:        learned %.3f, true %.3f\n", aHat, a)
	fmt.Printf("gain c·b:      learned %.3f, true %.3f\n", cb, c*b)
	fmt.Printf("obs. variance: learned %.3f, true %.3f\n", math.Exp(-float64(w.LogPrec[0].Val.Data[0])), r)
}
