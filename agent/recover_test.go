package agent

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/tensor"
)

// RecoverLinear fits a one-latent linear world model to data from
// s_t = a s_{t−1} + b u_{t−1} + w, x_t = c s_t + v by online filtering
// (E-step) and local learning (M-step) over B parallel sequences, and
// returns the learned a and c·b, the quantities a linear-Gaussian latent
// model identifies (s can be rescaled by any k ≠ 0: a is invariant and so is
// the product of the observation gain and the input gain).
func recoverLinear(t *testing.T, a, b, c, q, r float64, steps int) (aHat, cbHat float64) {
	t.Helper()
	cfg := DefaultWorldConfig()
	cfg.Latent = []int{1}
	cfg.Hidden = 1
	cfg.Act = tensor.Identity
	cfg.Prec, cfg.ObsPrec = PrecLearned, PrecLearned
	// Gradient inference is stable while η·π < 2: cap π at e^4 ≈ 55 and
	// use η = 0.02 (the true precisions 1/q = 1/r = 20 are inside the cap).
	cfg.LogPrecMax = 4
	rng := testrand.New(11)
	w, err := NewWorld(cfg, 1, 1, rng)
	if err != nil {
		t.Fatal(err)
	}
	var ps []*nn.Param
	for _, np := range w.Params() {
		ps = append(ps, np.Param)
	}
	ac := optim.DefaultAdamConfig()
	ac.LR = 3e-3
	opt, err := optim.NewAdam(ps, ac)
	if err != nil {
		t.Fatal(err)
	}
	const B = 64
	f := w.NewFilter(B)
	s := make([]float64, B)
	u := make([]float64, B)
	for step := 0; step < steps; step++ {
		if step%50 == 0 { // episodes of 50 steps from s_0 = 0, z_0 = 0
			clear(s)
			clear(u)
			f.Prev[1].Zero()
		}
		for i := range s {
			s[i] = a*s[i] + b*u[i] + math.Sqrt(q)*rng.NormFloat64()
			f.X.Data[i] = float32(c*s[i] + math.Sqrt(r)*rng.NormFloat64())
			f.A.Data[i] = float32(u[i])
		}
		f.Init(false)
		if _, err := f.Infer(60, 0.02); err != nil {
			t.Fatal(err)
		}
		nn.ZeroGrad(ps)
		f.Learn()
		opt.Step()
		copy(f.Prev[1].Data, f.Z[1].Data)
		for i := range u {
			u[i] = rng.NormFloat64()
		}
	}
	// μ_1(z, u) = w2 (w1·[z, u] + b1) + b2 and g(z) = v2 (v1 z + c1) + c2.
	t1 := w.Mu[1].Linears()
	t0 := w.Mu[0].Linears()
	w1, w2 := t1[0].W.Val.Data, t1[1].W.Val.Data[0]
	v1, v2 := t0[0].W.Val.Data[0], t0[1].W.Val.Data[0]
	return float64(w2 * w1[0]), float64(v2 * v1 * w2 * w1[1])
}

func TestWorld_RecoversLinearGaussianSystem(t *testing.T) {
	if testing.Short() {
		t.Skip("learning test")
	}
	// System from a hand-picked stable example: a = 0.8, b = 1, c = 2,
	// process noise q = 0.05, observation noise r = 0.05.
	aHat, cbHat := recoverLinear(t, 0.8, 1, 2, 0.05, 0.05, 1500)
	t.Logf("learned a = %.4f, c·b = %.4f", aHat, cbHat)
	if math.Abs(aHat-0.8) > 0.04 {
		t.Errorf("learned a = %.3f, true 0.8", aHat)
	}
	if math.Abs(cbHat-2) > 0.1 {
		t.Errorf("learned c·b = %.3f, true 2", cbHat)
	}
}
