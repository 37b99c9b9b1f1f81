package agent

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
)

// setLinear makes the 1-hidden-unit identity MLP net compute w·in (no bias).
func setLinear(t *testing.T, w *World, n int, coef []float32) {
	t.Helper()
	ls := w.Mu[n].Linears()
	if len(ls) != 2 || ls[0].W.Val.Rows != 1 || ls[0].W.Val.Cols != len(coef) {
		t.Fatalf("node %d: unexpected network shape", n)
	}
	copy(ls[0].W.Val.Data, coef)
	ls[0].B.Val.Zero()
	ls[1].W.Val.Data[0] = 1
	ls[1].B.Val.Zero()
}

// TestFilter_MatchesKalman checks the point-mass filter against the Kalman
// filter on the scalar system s_t = a s_{t−1} + b u_{t−1} + w, x_t = c s_t + v
// with w ~ N(0, q), v ~ N(0, r). In steady state the Kalman prior variance
// is P⁻ = a²P + q with P = (1/P⁻ + c²/r)⁻¹ (Riccati). The MAP of
// N(s; a z + b u, P⁻)·N(x; c s, r) is the Kalman posterior mean, so with the
// transition precision set to 1/P⁻ and the observation's to 1/r, converged
// inference must reproduce the Kalman means step by step.
func TestFilter_MatchesKalman(t *testing.T) {
	const a, b, c, q, r = 0.9, 0.5, 1.3, 0.2, 0.5
	pPrior := q
	for range 500 {
		p := 1 / (1/pPrior + c*c/r)
		pPrior = a*a*p + q
	}
	cfg := DefaultWorldConfig()
	cfg.Latent = []int{1}
	cfg.Hidden = 1
	cfg.Act = tensor.Identity
	cfg.Prec, cfg.ObsPrec = PrecLearned, PrecLearned
	cfg.LogPrecMin, cfg.LogPrecMax = -20, 20
	rng := testrand.New(6)
	w, err := NewWorld(cfg, 1, 1, rng)
	if err != nil {
		t.Fatal(err)
	}
	setLinear(t, w, 1, []float32{a, b}) // input [z_{t−1}, u_{t−1}]
	setLinear(t, w, 0, []float32{c})    // input [z_t]
	w.LogPrec[1].Val.Data[0] = float32(-math.Log(pPrior))
	w.LogPrec[0].Val.Data[0] = float32(-math.Log(r))

	f := w.NewFilter(1)
	s, kf := 0.0, 0.0
	for step := 0; step < 50; step++ {
		u := math.Sin(float64(step) / 3)
		s = a*s + b*u + math.Sqrt(q)*rng.NormFloat64()
		x := c*s + math.Sqrt(r)*rng.NormFloat64()
		// Kalman update with the steady-state gain.
		prior := a*kf + b*u
		gain := pPrior * c / (c*c*pPrior + r)
		kf = prior + gain*(x-c*prior)

		f.X.Data[0] = float32(x)
		f.A.Data[0] = float32(u)
		f.Init(false)
		if _, err := f.Infer(300, 0.2); err != nil {
			t.Fatal(err)
		}
		if got := float64(f.Z[1].Data[0]); math.Abs(got-kf) > 1e-4*(1+math.Abs(kf)) {
			t.Fatalf("step %d: filter mean %v, Kalman %v", step, got, kf)
		}
		f.Prev[1].Data[0] = f.Z[1].Data[0]
	}
}
