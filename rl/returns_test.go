package rl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
)

// handTrajectory is one env, T = 6, γ = 0.9, λ = 0.8, with a terminal at
// step 1 and a time-limit truncation at step 3:
//
//	t   r    V    flags                  TD error δ_t
//	0   1    0.5                         1 + 0.9·1.0 − 0.5 = 1.4
//	1   0    1.0  terminated             0 − 1.0           = −1.0
//	2   2    0.2                         2 + 0.9·0.4 − 0.2 = 2.16
//	3   1    0.4  truncated, V(final)=3  1 + 0.9·3.0 − 0.4 = 3.3
//	4   0.5  1.5                         0.5 + 0.9·2.0 − 1.5 = 0.8
//	5   1    2.0  (rollout end, V(s_6)=4) 1 + 0.9·4.0 − 2.0 = 2.6
func handTrajectory() Trajectory {
	return Trajectory{
		Steps: 6, Envs: 1,
		Rewards:     []float32{1, 0, 2, 1, 0.5, 1},
		Values:      []float32{0.5, 1.0, 0.2, 0.4, 1.5, 2.0},
		Terminated:  []bool{false, true, false, false, false, false},
		Truncated:   []bool{false, false, false, true, false, false},
		FinalValues: []float32{0, 0, 0, 3.0, 0, 0},
		LastValues:  []float32{4.0},
	}
}

const handGamma, handLambda = 0.9, 0.8

func checkVec(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", name, len(got), len(want))
	}
	for i := range want {
		if d := float64(got[i]) - want[i]; d > tol || d < -tol || math.IsNaN(float64(got[i])) {
			t.Errorf("%s[%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
}

func TestGAE(t *testing.T) {
	t.Run("hand values with a terminal and a truncation", func(t *testing.T) {
		// A_t = δ_t + γλ·A_{t+1} inside an episode, γλ = 0.72; the trace is cut
		// after steps 1 (terminal), 3 (truncation) and 5 (rollout end):
		// A5 = 2.6; A4 = 0.8 + 0.72·2.6 = 2.672; A3 = 3.3;
		// A2 = 2.16 + 0.72·3.3 = 4.536; A1 = −1.0; A0 = 1.4 + 0.72·(−1.0) = 0.68.
		got := GAE(nil, handTrajectory(), handGamma, handLambda)
		checkVec(t, "GAE", got, []float64{0.68, -1.0, 4.536, 3.3, 2.672, 2.6}, 1e-6)
	})
	t.Run("λ = 0 gives δ, λ = 1 gives Monte Carlo minus V", func(t *testing.T) {
		tr := handTrajectory()
		checkVec(t, "GAE(λ=0)", GAE(nil, tr, handGamma, 0), []float64{1.4, -1.0, 2.16, 3.3, 0.8, 2.6}, 1e-6)
		g := DiscountedReturns(nil, tr, handGamma)
		want := make([]float64, 6)
		for i := range want {
			want[i] = float64(g[i]) - float64(tr.Values[i])
		}
		checkVec(t, "GAE(λ=1)", GAE(nil, tr, handGamma, 1), want, 1e-6)
	})
	t.Run("truncation bootstraps: an endless task under a time limit", func(t *testing.T) {
		// Reward 1 forever: V = 1/(1−γ) at every state. With V exact, every
		// δ = 1 + γ/(1−γ) − 1/(1−γ) = 0, so all advantages vanish only if the
		// time-limit truncations bootstrap from V(final obs). Treating them as
		// terminal would give δ = 1 − 1/(1−γ) = −9 there.
		const steps, gamma = 12, 0.9
		v := float32(1 / (1 - gamma))
		tr := Trajectory{Steps: steps, Envs: 1, Rewards: make([]float32, steps), Values: make([]float32, steps),
			Terminated: make([]bool, steps), Truncated: make([]bool, steps), FinalValues: make([]float32, steps),
			LastValues: []float32{v}}
		for i := 0; i < steps; i++ {
			tr.Rewards[i], tr.Values[i] = 1, v
			if i%5 == 4 {
				tr.Truncated[i], tr.FinalValues[i] = true, v
			}
		}
		checkVec(t, "GAE", GAE(nil, tr, gamma, 0.95), make([]float64, steps), 1e-5)
		ret := LambdaReturns(nil, tr, gamma, 0.95)
		for i, g := range ret {
			if !near(float64(g), float64(v), 1e-4) {
				t.Errorf("λ-return[%d] = %v, want V = %v", i, g, v)
			}
		}
	})
	t.Run("equals the seed's definition (1−λ)Σλ^k A^(k+1)", func(t *testing.T) {
		// A^(k) = G^(k) − V from NStepReturns; truncate the infinite sum
		// where λ^K < 1e−12.
		rng := testrand.New(1)
		tr := randomTrajectory(rng, 40, 3)
		const gamma, lambda = 0.97, 0.7
		got := GAE(nil, tr, gamma, lambda)
		want := make([]float64, len(got))
		w := 1 - lambda
		for k := 1; k <= 80; k++ {
			g := NStepReturns(nil, tr, gamma, k)
			for i := range want {
				want[i] += w * (float64(g[i]) - float64(tr.Values[i]))
			}
			w *= lambda
		}
		checkVec(t, "GAE", got, want, 1e-4)
	})
	t.Run("vectorised envs are independent", func(t *testing.T) {
		a, b := handTrajectory(), randomTrajectory(testrand.New(2), 6, 1)
		both := interleave(a, b)
		got := GAE(nil, both, handGamma, handLambda)
		ga, gb := GAE(nil, a, handGamma, handLambda), GAE(nil, b, handGamma, handLambda)
		for t0 := 0; t0 < 6; t0++ {
			if got[2*t0] != ga[t0] || got[2*t0+1] != gb[t0] {
				t.Fatalf("step %d: %v %v, want %v %v", t0, got[2*t0], got[2*t0+1], ga[t0], gb[t0])
			}
		}
	})
}

func TestLambdaReturns(t *testing.T) {
	t.Run("hand value and G(λ) = GAE + V", func(t *testing.T) {
		// G4(λ) = r4 + γ[(1−λ)V5 + λG5], G5 = r5 + γ·4 = 4.6:
		// 0.5 + 0.9·(0.2·2.0 + 0.8·4.6) = 4.172 = A4 + V4 = 2.672 + 1.5.
		got := LambdaReturns(nil, handTrajectory(), handGamma, handLambda)
		checkVec(t, "G(λ)", got, []float64{1.18, 0, 4.736, 3.7, 4.172, 4.6}, 1e-6)
	})
	t.Run("random trajectories", func(t *testing.T) {
		tr := randomTrajectory(testrand.New(3), 30, 2)
		got := LambdaReturns(nil, tr, 0.99, 0.9)
		adv := GAE(nil, tr, 0.99, 0.9)
		for i := range got {
			if !near(float64(got[i]), float64(adv[i])+float64(tr.Values[i]), 1e-5) {
				t.Errorf("entry %d: G(λ) = %v, GAE + V = %v", i, got[i], adv[i]+tr.Values[i])
			}
		}
	})
}

func TestDiscountedReturns(t *testing.T) {
	// G5 = 1 + 0.9·4 = 4.6; G4 = 0.5 + 0.9·4.6 = 4.64; G3 = 1 + 0.9·3 = 3.7;
	// G2 = 2 + 0.9·3.7 = 5.33; G1 = 0 (terminal); G0 = 1 + 0.9·0 = 1.
	tr := handTrajectory()
	tr.Values = nil // not needed
	checkVec(t, "G", DiscountedReturns(nil, tr, handGamma), []float64{1, 0, 5.33, 3.7, 4.64, 4.6}, 1e-6)
	t.Run("nil bootstrap values mean 0", func(t *testing.T) {
		tr.FinalValues, tr.LastValues = nil, nil
		// G5 = 1; G4 = 0.5 + 0.9 = 1.4; G3 = 1; G2 = 2.9; G1 = 0; G0 = 1.
		checkVec(t, "G", DiscountedReturns(nil, tr, handGamma), []float64{1, 0, 2.9, 1, 1.4, 1}, 1e-6)
	})
}

func TestNStepReturns(t *testing.T) {
	t.Run("one step is the TD target", func(t *testing.T) {
		// r_t + γ·boot = δ_t + V_t.
		checkVec(t, "G(1)", NStepReturns(nil, handTrajectory(), handGamma, 1), []float64{1.9, 0, 2.36, 3.7, 2.3, 4.6}, 1e-6)
	})
	t.Run("two steps inside a long segment", func(t *testing.T) {
		// r = (1,2,3,4), V = (10,20,30,40), V(s_4) = 50, γ = ½, no episode end:
		// G0 = 1 + ½·2 + ¼·30 = 9.5; G1 = 2 + 1.5 + ¼·40 = 13.5;
		// G2 = 3 + 2 + ¼·50 = 17.5; G3 = 4 + ½·50 = 29 (window cut by the rollout end).
		tr := Trajectory{Steps: 4, Envs: 1, Rewards: []float32{1, 2, 3, 4}, Values: []float32{10, 20, 30, 40},
			Terminated: make([]bool, 4), Truncated: make([]bool, 4), LastValues: []float32{50}}
		checkVec(t, "G(2)", NStepReturns(nil, tr, 0.5, 2), []float64{9.5, 13.5, 17.5, 29}, 1e-6)
	})
	t.Run("n ≥ T is the discounted return", func(t *testing.T) {
		tr := randomTrajectory(testrand.New(4), 20, 2)
		checkVec(t, "G(20)", NStepReturns(nil, tr, 0.95, 20), f64(DiscountedReturns(nil, tr, 0.95)), 1e-5)
	})
}

func TestTruncatedGAE(t *testing.T) {
	tr := handTrajectory()
	t.Run("hand values, T = 2", func(t *testing.T) {
		// A(λ,2) = Σ_{j<min(2,m)} γ^j(λ^j − λ²)δ_{t+j}, λ² = 0.64, so the
		// weights are 0.36 (j = 0) and 0.9·0.16 = 0.144 (j = 1):
		// t0: 0.36·1.4 + 0.144·(−1.0) = 0.36   t1: 0.36·(−1.0) = −0.36 (m = 1)
		// t2: 0.36·2.16 + 0.144·3.3 = 1.2528   t3: 0.36·3.3 = 1.188 (m = 1)
		// t4: 0.36·0.8 + 0.144·2.6 = 0.6624    t5: 0.36·2.6 = 0.936 (m = 1)
		got := TruncatedGAE(nil, tr, handGamma, handLambda, 2, false)
		checkVec(t, "A(λ,2)", got, []float64{0.36, -0.36, 1.2528, 1.188, 0.6624, 0.936}, 1e-6)
		// Ã = A/(1 − λ²) = A/0.36. From the definition at t0:
		// (1−λ)/(1−λ²)·(A^(1) + λA^(2)) = (0.2/0.36)·(1.4 + 0.8·(1.4 + 0.9·(−1))) = 1.0.
		got = TruncatedGAE(nil, tr, handGamma, handLambda, 2, true)
		checkVec(t, "Ã(λ,2)", got, []float64{1.0, -1.0, 3.48, 3.3, 1.84, 2.6}, 1e-6)
	})
	t.Run("T → ∞ recovers GAE", func(t *testing.T) {
		rt := randomTrajectory(testrand.New(5), 50, 2)
		gae := GAE(nil, rt, 0.99, 0.9)
		for _, corrected := range []bool{false, true} {
			// λ^T = 0.9^1000 ≈ 1.7e−46: both forms equal GAE to float32 precision.
			checkVec(t, "T=1000", TruncatedGAE(nil, rt, 0.99, 0.9, 1000, corrected), f64(gae), 1e-5)
			// And the error shrinks as T grows.
			prev := math.Inf(1)
			for _, horizon := range []int{1, 4, 16, 64} {
				a := TruncatedGAE(nil, rt, 0.99, 0.9, horizon, corrected)
				var e float64
				for i := range a {
					e = math.Max(e, math.Abs(float64(a[i])-float64(gae[i])))
				}
				if e > prev+1e-6 {
					t.Errorf("corrected=%v: error %v at T=%d exceeds %v at the previous T", corrected, e, horizon, prev)
				}
				prev = e
			}
		}
	})
	t.Run("equals the definition from n-step advantages", func(t *testing.T) {
		rt := randomTrajectory(testrand.New(6), 25, 2)
		const gamma, lambda, horizon = 0.95, 0.8, 7
		lamT := math.Pow(lambda, horizon)
		want, wantC := make([]float64, 50), make([]float64, 50)
		w := 1 - lambda
		for k := 1; k <= horizon; k++ {
			g := NStepReturns(nil, rt, gamma, k)
			for i := range want {
				ak := float64(g[i]) - float64(rt.Values[i])
				want[i] += w * ak
				wantC[i] += w * ak / (1 - lamT)
			}
			w *= lambda
		}
		checkVec(t, "A(λ,T)", TruncatedGAE(nil, rt, gamma, lambda, horizon, false), want, 1e-5)
		checkVec(t, "Ã(λ,T)", TruncatedGAE(nil, rt, gamma, lambda, horizon, true), wantC, 1e-5)
	})
	t.Run("constant TD errors", func(t *testing.T) {
		// r = c, V = 0, V(s_T) = 0 and no episode end: δ_t = c everywhere. For a
		// step with at least T steps left,
		//   A(λ,T) = c Σ_{j<T} γ^j(λ^j − λ^T)
		//          = c[(1 − (γλ)^T)/(1 − γλ) − λ^T(1 − γ^T)/(1 − γ)],
		//   Ã(λ,T) = A(λ,T)/(1 − λ^T),
		// (for γ = 1 the second sum is Tλ^T) and both tend to GAE's c/(1 − γλ).
		const c, steps = 0.5, 40
		for _, p := range []struct {
			gamma, lambda float64
			horizon       int
		}{{0.99, 0.95, 10}, {0.9, 0.5, 3}, {1, 0.8, 5}, {0.97, 0.9, 30}} {
			ct := Trajectory{Steps: steps, Envs: 1, Rewards: make([]float32, steps), Values: make([]float32, steps),
				Terminated: make([]bool, steps), Truncated: make([]bool, steps), LastValues: []float32{0}}
			for i := range ct.Rewards {
				ct.Rewards[i] = c
			}
			gl, lT, gT := p.gamma*p.lambda, math.Pow(p.lambda, float64(p.horizon)), math.Pow(p.gamma, float64(p.horizon))
			tail := float64(p.horizon) * lT
			if p.gamma < 1 {
				tail = lT * (1 - gT) / (1 - p.gamma)
			}
			want := c * ((1-math.Pow(gl, float64(p.horizon)))/(1-gl) - tail)
			a := TruncatedGAE(nil, ct, p.gamma, p.lambda, p.horizon, false)
			ac := TruncatedGAE(nil, ct, p.gamma, p.lambda, p.horizon, true)
			for i := 0; i+p.horizon <= steps; i++ {
				if !near(float64(a[i]), want, 1e-5) || !near(float64(ac[i]), want/(1-lT), 1e-5) {
					t.Fatalf("%+v step %d: A = %v, Ã = %v, want %v and %v", p, i, a[i], ac[i], want, want/(1-lT))
				}
			}
		}
	})
	t.Run("bias-corrected weights sum to one", func(t *testing.T) {
		// δ_0 = c and δ_j = 0 after it make every A^(k)_0 = c (r0 = c, all V
		// and later rewards 0). The weights of Ã sum to 1, so Ã_0 = c exactly for
		// every λ and T (unbiased when all n-step advantages agree), while
		// A(λ,T)_0 = (1 − λ^T)c.
		const c, steps = 2.0, 30
		ct := Trajectory{Steps: steps, Envs: 1, Rewards: make([]float32, steps), Values: make([]float32, steps),
			Terminated: make([]bool, steps), Truncated: make([]bool, steps)}
		ct.Rewards[0] = c
		for _, lambda := range []float64{0, 0.3, 0.9, 1} {
			for _, horizon := range []int{1, 2, 5, 20} {
				ac := TruncatedGAE(nil, ct, 0.95, lambda, horizon, true)[0]
				a := TruncatedGAE(nil, ct, 0.95, lambda, horizon, false)[0]
				if !near(float64(ac), c, 1e-6) || !near(float64(a), (1-math.Pow(lambda, float64(horizon)))*c, 1e-6) {
					t.Errorf("λ=%v T=%d: Ã = %v (want %v), A = %v (want %v)", lambda, horizon, ac, c, a, (1-math.Pow(lambda, float64(horizon)))*c)
				}
			}
		}
	})
	t.Run("special cases", func(t *testing.T) {
		delta := []float64{1.4, -1.0, 2.16, 3.3, 0.8, 2.6}
		checkVec(t, "T=1", TruncatedGAE(nil, tr, handGamma, handLambda, 1, true), delta, 1e-6)
		checkVec(t, "λ=0", TruncatedGAE(nil, tr, handGamma, 0, 4, true), delta, 1e-6)
		// λ = 1, T = 2: Ã = (A^(1) + A^(2))/2; at t0: (1.4 + (1.4 − 0.9))/2 = 0.95,
		// t2: (2.16 + 2.16 + 0.9·3.3)/2 = 3.645, t4: (0.8 + 0.8 + 0.9·2.6)/2 = 1.97;
		// one-step segments keep δ.
		checkVec(t, "λ=1", TruncatedGAE(nil, tr, handGamma, 1, 2, true), []float64{0.95, -1.0, 3.645, 3.3, 1.97, 2.6}, 1e-6)
	})
	t.Run("T beyond the segment", func(t *testing.T) {
		// For T ≥ m: A(λ,T) = GAE − λ^T A^(m), with A^(m) the discounted return
		// to the segment end minus V.
		rt := randomTrajectory(testrand.New(7), 8, 1)
		const gamma, lambda, horizon = 0.9, 0.7, 50
		gae := GAE(nil, rt, gamma, lambda)
		mc := DiscountedReturns(nil, rt, gamma)
		lT := math.Pow(lambda, horizon)
		a := TruncatedGAE(nil, rt, gamma, lambda, horizon, false)
		ac := TruncatedGAE(nil, rt, gamma, lambda, horizon, true)
		for i := range a {
			am := float64(mc[i]) - float64(rt.Values[i])
			want := float64(gae[i]) - lT*am
			if !near(float64(a[i]), want, 1e-5) || !near(float64(ac[i]), want/(1-lT), 1e-5) {
				t.Errorf("entry %d: A = %v, Ã = %v, want %v, %v", i, a[i], ac[i], want, want/(1-lT))
			}
		}
	})
}

func TestAdvantageConfig_Validate(t *testing.T) {
	for _, c := range []struct {
		cfg AdvantageConfig
		ok  bool
	}{
		{DefaultAdvantageConfig(), true}, {AdvantageConfig{}, true},
		{AdvantageConfig{Gamma: 1.1}, false}, {AdvantageConfig{Gamma: 0.9, Lambda: -0.1}, false},
		{AdvantageConfig{Gamma: math.NaN()}, false}, {AdvantageConfig{Gamma: 0.9, Lambda: 0.9, Horizon: -1}, false},
	} {
		if err := c.cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: Validate() = %v, want ok=%v", c.cfg, err, c.ok)
		}
	}
}

func TestAdvantageConfig_Advantages(t *testing.T) {
	tr := handTrajectory()
	cfg := AdvantageConfig{Gamma: handGamma, Lambda: handLambda}
	checkVec(t, "GAE", cfg.Advantages(nil, tr), f64(GAE(nil, tr, handGamma, handLambda)), 0)
	cfg.Horizon, cfg.BiasCorrected = 2, true
	checkVec(t, "Ã", cfg.Advantages(nil, tr), []float64{1.0, -1.0, 3.48, 3.3, 1.84, 2.6}, 1e-6)
}

func TestGAE_Allocs(t *testing.T) {
	tr := randomTrajectory(testrand.New(8), 128, 4)
	dst := make([]float32, 512)
	allocs := testing.AllocsPerRun(20, func() {
		GAE(dst, tr, 0.99, 0.95)
		TruncatedGAE(dst, tr, 0.99, 0.95, 16, true)
		LambdaReturns(dst, tr, 0.99, 0.95)
		NStepReturns(dst, tr, 0.99, 3)
		DiscountedReturns(dst, tr, 0.99)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per call, want 0", allocs)
	}
}

// randomTrajectory returns T steps of N envs with random rewards and values
// and about one episode end in eight steps (terminals and truncations).
func randomTrajectory(rng *rand.Rand, steps, envs int) Trajectory {
	n := steps * envs
	tr := Trajectory{Steps: steps, Envs: envs, Rewards: make([]float32, n), Values: make([]float32, n),
		Terminated: make([]bool, n), Truncated: make([]bool, n), FinalValues: make([]float32, n),
		LastValues: make([]float32, envs)}
	for i := 0; i < n; i++ {
		tr.Rewards[i] = float32(rng.NormFloat64())
		tr.Values[i] = float32(rng.NormFloat64())
		switch rng.IntN(16) {
		case 0:
			tr.Terminated[i] = true
		case 1:
			tr.Truncated[i] = true
			tr.FinalValues[i] = float32(rng.NormFloat64())
		}
	}
	for e := range tr.LastValues {
		tr.LastValues[e] = float32(rng.NormFloat64())
	}
	return tr
}

// interleave returns the two-env trajectory with a as env 0 and b as env 1.
func interleave(a, b Trajectory) Trajectory {
	n := a.Steps
	out := Trajectory{Steps: n, Envs: 2, Rewards: make([]float32, 2*n), Values: make([]float32, 2*n),
		Terminated: make([]bool, 2*n), Truncated: make([]bool, 2*n), FinalValues: make([]float32, 2*n),
		LastValues: []float32{a.LastValues[0], b.LastValues[0]}}
	for t := 0; t < n; t++ {
		for e, src := range []Trajectory{a, b} {
			i := 2*t + e
			out.Rewards[i], out.Values[i] = src.Rewards[t], src.Values[t]
			out.Terminated[i], out.Truncated[i], out.FinalValues[i] = src.Terminated[t], src.Truncated[t], src.FinalValues[t]
		}
	}
	return out
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
