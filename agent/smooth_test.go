package agent

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// TestSmoother_GradientsFiniteDifference checks ∂(window energy)/∂z_j for
// every active window position against central differences, on the
// three-node DAG of testWorld with each precision mode, for a row with a
// full window and a row one step into its episode (whose earlier positions
// are inactive and whose first active position reads the fixed context).
func TestSmoother_GradientsFiniteDifference(t *testing.T) {
	for _, md := range modes {
		t.Run(md.name, func(t *testing.T) {
			rng := testrand.New(2)
			w, _ := testWorld(t, rng, md.prec, md.obsPrec)
			const S, B = 3, 2
			m := newSmoother(w, S, B)
			for j := range S {
				m.hx[j].RandN(rng, 1)
				m.ha[j].RandN(rng, 1)
				m.hz[j].RandN(rng, 1)
			}
			m.ctxS.RandN(rng, 1)
			m.ctxA.RandN(rng, 1)
			m.h[0], m.h[1] = S, 1
			obs := tensor.New(B, w.ObsDim)
			obs.RandN(rng, 1)
			m.setContexts(obs)
			for _, f := range m.fs {
				for n := 1; n <= w.N(); n++ {
					f.Z[n].RandN(rng, 1)
				}
			}
			m.setPrevs()
			m.energy()
			m.gradients()
			for j := range m.fs {
				for n := 1; n <= w.N(); n++ {
					z := m.fs[j].Z[n]
					d := w.dims[n]
					analytic := gradcheck.F32(m.fs[j].grad[n].Data)
					x0 := gradcheck.F32(z.Data)
					num := gradcheck.Numeric(func(x []float64) float64 {
						gradcheck.Set32(z.Data, x)
						m.setPrevs()
						return m.energy()
					}, x0, 1e-2)
					gradcheck.Set32(z.Data, x0)
					m.setPrevs()
					m.energy()
					// Inactive rows of a position carry no energy: compare only active ones.
					for b := 0; b < B; b++ {
						if j < m.first(b) {
							for i := b * d; i < (b+1)*d; i++ {
								analytic[i], num[i] = 0, 0
							}
						}
					}
					if err := gradcheck.Compare(analytic, num, 3e-3, 3e-3); err != nil {
						t.Errorf("position %d node %d: %v", j, n, err)
					}
				}
			}
		})
	}
}

// TestSmoother_MatchesRTS checks smoothing against the Rauch–Tung–Striebel
// smoother on the scalar system s_t = a s_{t−1} + b u_{t−1} + w, x_t = c s_t + v,
// w ~ N(0, q), v ~ N(0, r), s_0 = 0 known. With the window covering the whole
// episode, the window energy is the negative log joint density, whose
// minimiser is the posterior mean: the RTS means of s_1 … s_t given x_1 … x_t.
func TestSmoother_MatchesRTS(t *testing.T) {
	const a, b, c, q, r = 0.9, 0.5, 1.3, 0.2, 0.5
	const L = 6
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
	setLinear(t, w, 1, []float32{a, b})
	setLinear(t, w, 0, []float32{c})
	w.LogPrec[1].Val.Data[0] = float32(-math.Log(q))
	w.LogPrec[0].Val.Data[0] = float32(-math.Log(r))

	m := newSmoother(w, L-1, 1)
	m.reset(0)
	xs, us := make([]float64, L+1), make([]float64, L+1)
	for k := range us {
		us[k] = math.Sin(float64(k+1) / 3) // u_k, applied after step k
	}
	s := 0.0
	z := tensor.New(1, 1)
	obs, enc := tensor.New(1, 1), tensor.New(1, 1)
	for t1 := 1; t1 <= L; t1++ {
		s = a*s + b*us[t1-1] + math.Sqrt(q)*rng.NormFloat64()
		xs[t1] = c*s + math.Sqrt(r)*rng.NormFloat64()
		// The context before step 1 is s_0 = 0 with a_0 = u_0; the smoother's
		// zero context holds s_0, and its context action is u_0.
		if t1 == 1 {
			m.ctxA.Data[0] = float32(us[0])
		}
		obs.Data[0] = float32(xs[t1])
		if err := m.infer(z, obs, 3000, 0.2); err != nil {
			t.Fatal(err)
		}
		// Reference: Kalman filter from the known s_0, then RTS backwards.
		mf, pf := make([]float64, t1+1), make([]float64, t1+1)
		mp, pp := make([]float64, t1+1), make([]float64, t1+1)
		for k := 1; k <= t1; k++ {
			mp[k] = a*mf[k-1] + b*us[k-1]
			pp[k] = a*a*pf[k-1] + q
			g := pp[k] * c / (c*c*pp[k] + r)
			mf[k] = mp[k] + g*(xs[k]-c*mp[k])
			pf[k] = (1 - g*c) * pp[k]
		}
		ms := append([]float64(nil), mf...)
		for k := t1 - 1; k >= 1; k-- {
			j := pf[k] * a / pp[k+1]
			ms[k] = mf[k] + j*(ms[k+1]-mp[k+1])
		}
		// Window positions: L−1 is step t1, L−1−(t1−k) is step k.
		for k := 1; k <= t1; k++ {
			pos := L - 1 - (t1 - k)
			got := float64(m.fs[pos].Z[1].Data[0])
			if math.Abs(got-ms[k]) > 1e-3*(1+math.Abs(ms[k])) {
				t.Fatalf("after step %d: smoothed s_%d = %v, RTS %v", t1, k, got, ms[k])
			}
		}
		if math.Abs(float64(z.Data[0])-mf[t1]) > 1e-3*(1+math.Abs(mf[t1])) {
			t.Fatalf("step %d: current state %v, Kalman filter %v (the last smoothed state is the filtered one)", t1, z.Data[0], mf[t1])
		}
		enc.Data[0] = float32(us[t1])
		m.push(obs, enc, z)
	}
}

func TestTrain_Smoothing(t *testing.T) {
	cfg := smallConfig()
	cfg.Smooth = 2
	log := &sliceLogger{}
	a, err := Train(cfg, 4, rl.TrainOptions{MakeEnv: maker("CartPole-v1"), Logger: log, EvalEpisodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"transition", "observation", "F", "wm/obs_error", "eval/mean_return"} {
		if v := log.last(k); math.IsNaN(v) || math.IsInf(v, 0) || (k == "transition" && v == 0) {
			t.Errorf("metric %s = %v", k, v)
		}
	}
	rng := testrand.New(3)
	obs := tensor.FromSlice(2, 4, []float32{0.01, 0.2, -0.03, 0.1, -0.02, 0, 0.04, -0.3})
	act := a.Act(nil, obs, false, rng)
	if n := testing.AllocsPerRun(5, func() { a.Act(act, obs, false, rng) }); n != 0 {
		t.Errorf("a smoothing step allocates %v times", n)
	}
	cfg.Amortised = true
	if err := cfg.Validate(); err == nil {
		t.Error("smooth with amortised accepted")
	}
}
