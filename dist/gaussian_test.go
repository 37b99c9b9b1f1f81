package dist

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
	"gonum.org/v1/gonum/stat/distuv"
)

// refLogProb is Σ_d log N(x_d; μ_d, σ_d) from gonum's distuv.Normal.
func refLogProb(mu, ls, x []float32) float64 {
	var s float64
	for j := range mu {
		s += distuv.Normal{Mu: float64(mu[j]), Sigma: math.Exp(float64(ls[j]))}.LogProb(float64(x[j]))
	}
	return s
}

func TestDiagGaussian_LogProb(t *testing.T) {
	t.Run("hand value", func(t *testing.T) {
		// μ = (0, 1), σ = (1, 2), x = (1, 2): z = (1, ½),
		// log p = −½(1 + ¼) − ln 2 − ln 2π = −3.1560242...
		g := NewDiagGaussian(mat(1, 2, 0, 1), mat(1, 2, 0, float32(math.Ln2)))
		want := -0.625 - math.Ln2 - math.Log(2*math.Pi)
		if got := g.LogProb(nil, mat(1, 2, 1, 2))[0]; !near(float64(got), want, 1e-6) {
			t.Errorf("log p = %v, want %v", got, want)
		}
	})
	t.Run("matches gonum, both log-std shapes", func(t *testing.T) {
		rng := testrand.New(1)
		mean, x := tensor.New(4, 3).RandN(rng, 1), tensor.New(4, 3).RandN(rng, 2)
		full, shared := tensor.New(4, 3).RandN(rng, 0.5), tensor.New(1, 3).RandN(rng, 0.5)
		for name, ls := range map[string]*tensor.Mat{"B×D": full, "1×D": shared} {
			got := NewDiagGaussian(mean, ls).LogProb(nil, x)
			for i := range got {
				lsRow := ls.Row(min(i, ls.Rows-1))
				if want := refLogProb(mean.Row(i), lsRow, x.Row(i)); !near(float64(got[i]), want, 1e-5) {
					t.Errorf("%s row %d: %v, want %v", name, i, got[i], want)
				}
			}
		}
	})
}

func TestDiagGaussian_Entropy(t *testing.T) {
	// Closed form Σ_d log σ_d + ½(1 + ln 2π), checked against gonum.
	g := NewDiagGaussian(mat(2, 2, 5, -3, 0, 0), mat(2, 2, 0, 0.5, -1, 2))
	got := g.Entropy(nil)
	for i := range got {
		var want float64
		for j := 0; j < 2; j++ {
			want += distuv.Normal{Mu: 0, Sigma: math.Exp(float64(g.LogStd.At(i, j)))}.Entropy()
		}
		if !near(float64(got[i]), want, 1e-6) {
			t.Errorf("row %d: H = %v, want %v", i, got[i], want)
		}
	}
	// The standard normal in one dimension: ½(1 + ln 2π) = 1.4189385332046727.
	if h := NewDiagGaussian(mat(1, 1), mat(1, 1)).Entropy(nil)[0]; !near(float64(h), 1.4189385332046727, 1e-6) {
		t.Errorf("H(N(0,1)) = %v", h)
	}
}

func TestDiagGaussian_Sample(t *testing.T) {
	const n = 100000
	mu, ls := []float32{1.5, -2}, []float32{0, float32(math.Log(0.5))}
	mean, logStd := tensor.New(n, 2), tensor.New(1, 2)
	for i := 0; i < n; i++ {
		copy(mean.Row(i), mu)
	}
	copy(logStd.Data, ls)
	g := NewDiagGaussian(mean, logStd)
	x := g.Sample(nil, testrand.New(3))
	t.Run("moments", func(t *testing.T) {
		for j := 0; j < 2; j++ {
			var m, v float64
			for i := 0; i < n; i++ {
				m += float64(x.At(i, j))
			}
			m /= n
			for i := 0; i < n; i++ {
				d := float64(x.At(i, j)) - m
				v += d * d
			}
			v /= n - 1
			s2 := math.Exp(2 * float64(ls[j]))
			// CLT: se(mean) = σ/√N, se(var) = σ²√(2/(N−1)); 5 standard errors.
			if tol := 5 * math.Sqrt(s2/n); !near(m, float64(mu[j]), tol) {
				t.Errorf("dim %d: mean %v, want %v ± %v", j, m, mu[j], tol)
			}
			if tol := 5 * s2 * math.Sqrt(2.0/(n-1)); !near(v, s2, tol) {
				t.Errorf("dim %d: variance %v, want %v ± %v", j, v, s2, tol)
			}
		}
	})
	t.Run("Monte Carlo entropy", func(t *testing.T) {
		// −log p = ½Σz² + const, so sd(−log p) = √(D/2) = 1 for D = 2.
		lp := g.LogProb(nil, x)
		m := -weightedSum(lp, nil) / n
		h := float64(g.Entropy(nil)[0])
		if tol := 5 * 1 / math.Sqrt(n); !near(m, h, tol) {
			t.Errorf("Monte Carlo entropy %v, closed form %v ± %v", m, h, tol)
		}
	})
	t.Run("Sample and Rsample agree", func(t *testing.T) {
		small := NewDiagGaussian(tensor.New(5, 3).RandN(testrand.New(1), 1), tensor.New(5, 3).RandN(testrand.New(2), 0.3))
		a := small.Sample(nil, testrand.New(11))
		b, eps := small.Rsample(nil, nil, testrand.New(11))
		c := small.Transform(nil, eps)
		for i := range a.Data {
			if a.Data[i] != b.Data[i] || b.Data[i] != c.Data[i] {
				t.Fatalf("element %d: Sample %v, Rsample %v, Transform %v", i, a.Data[i], b.Data[i], c.Data[i])
			}
		}
	})
}

func TestDiagGaussian_LogProbGrad(t *testing.T) {
	rng := testrand.New(4)
	mean, x := tensor.New(3, 2).RandN(rng, 1), tensor.New(3, 2).RandN(rng, 1)
	dy := []float32{0.5, -1, 1.5}
	for name, ls := range map[string]*tensor.Mat{"B×D": tensor.New(3, 2).RandN(rng, 0.4), "1×D": tensor.New(1, 2).RandN(rng, 0.4)} {
		t.Run(name, func(t *testing.T) {
			g := NewDiagGaussian(mean, ls)
			dm, dl := g.LogProbGrad(nil, nil, x, dy, 0)
			lp := make([]float32, 3)
			f := func() float64 { return weightedSum(g.LogProb(lp, x), dy) }
			checkGrad(t, "dlogp/dmean", mean.Data, f, dm.Data)
			checkGrad(t, "dlogp/dlogstd", ls.Data, f, dl.Data)
		})
	}
}

func TestDiagGaussian_EntropyGrad(t *testing.T) {
	rng := testrand.New(5)
	mean := tensor.New(3, 2).RandN(rng, 1)
	dy := []float32{2, -1, 0.5}
	for name, ls := range map[string]*tensor.Mat{"B×D": tensor.New(3, 2).RandN(rng, 0.4), "1×D": tensor.New(1, 2).RandN(rng, 0.4)} {
		t.Run(name, func(t *testing.T) {
			g := NewDiagGaussian(mean, ls)
			dl := g.EntropyGrad(nil, dy, 0)
			h := make([]float32, 3)
			checkGrad(t, "dH/dlogstd", ls.Data, func() float64 { return weightedSum(g.Entropy(h), dy) }, dl.Data)
		})
	}
}

func TestDiagGaussian_RsampleGrad(t *testing.T) {
	rng := testrand.New(6)
	mean, eps, dA := tensor.New(3, 2).RandN(rng, 1), tensor.New(3, 2).RandN(rng, 1), tensor.New(3, 2).RandN(rng, 1)
	for name, ls := range map[string]*tensor.Mat{"B×D": tensor.New(3, 2).RandN(rng, 0.4), "1×D": tensor.New(1, 2).RandN(rng, 0.4)} {
		t.Run(name, func(t *testing.T) {
			g := NewDiagGaussian(mean, ls)
			dm, dl := g.RsampleGrad(nil, nil, eps, dA, 0)
			a := tensor.New(3, 2)
			// L = Σ dA ⊙ a(μ, log σ; ε): its gradient is exactly the chain rule with dA.
			f := func() float64 { return tensor.Dot(g.Transform(a, eps).Data, dA.Data) }
			checkGrad(t, "da/dmean", mean.Data, f, dm.Data)
			checkGrad(t, "da/dlogstd", ls.Data, f, dl.Data)
		})
	}
}

func TestKLDiagGaussian(t *testing.T) {
	rng := testrand.New(7)
	p := NewDiagGaussian(tensor.New(3, 2).RandN(rng, 1), tensor.New(3, 2).RandN(rng, 0.5))
	q := NewDiagGaussian(tensor.New(3, 2).RandN(rng, 1), tensor.New(1, 2).RandN(rng, 0.5))
	t.Run("matches numerical integration", func(t *testing.T) {
		got := KLDiagGaussian(nil, p, q)
		for i := range got {
			want := klQuad(p, q, i)
			if !near(float64(got[i]), want, 1e-5) {
				t.Errorf("row %d: KL = %v, want %v", i, got[i], want)
			}
		}
	})
	t.Run("KL(p‖p) = 0", func(t *testing.T) {
		for i, v := range KLDiagGaussian(nil, p, p) {
			if !near(float64(v), 0, 1e-6) {
				t.Errorf("row %d: KL(p‖p) = %v", i, v)
			}
		}
	})
}

// klQuad returns KL(p_i ‖ q_i) = Σ_d ∫ p_d(x) log(p_d(x)/q_d(x)) dx by the
// midpoint rule over μp ± 12σp (gonum's 1-D densities), independent of the
// closed form.
func klQuad(p, q DiagGaussian, i int) float64 {
	var kl float64
	for j := 0; j < p.Dim(); j++ {
		pn := distuv.Normal{Mu: float64(p.Mean.At(i, j)), Sigma: math.Exp(float64(p.logStdRow(i)[j]))}
		qn := distuv.Normal{Mu: float64(q.Mean.At(i, j)), Sigma: math.Exp(float64(q.logStdRow(i)[j]))}
		const m = 20000
		lo, hi := pn.Mu-12*pn.Sigma, pn.Mu+12*pn.Sigma
		h := (hi - lo) / m
		for k := 0; k < m; k++ {
			x := lo + (float64(k)+0.5)*h
			lp := pn.LogProb(x)
			kl += math.Exp(lp) * (lp - qn.LogProb(x)) * h
		}
	}
	return kl
}

func TestApproxKL(t *testing.T) {
	t.Run("hand value", func(t *testing.T) {
		// log r = (0, ln 2): mean(−log r) = −ln 2/2 = −0.34657359;
		// mean((r − 1) − log r) = (0 + 1 − ln 2)/2 = 0.15342641.
		k1, k3 := ApproxKL([]float32{0, float32(math.Ln2)})
		if !near(k1, -math.Ln2/2, 1e-7) || !near(k3, (1-math.Ln2)/2, 1e-7) {
			t.Errorf("ApproxKL = (%v, %v), want (%v, %v)", k1, k3, -math.Ln2/2, (1-math.Ln2)/2)
		}
	})
	t.Run("estimates the true KL", func(t *testing.T) {
		// Draw a ~ p = N(0, 1), q = N(0.3, 0.8²); log r = log q(a) − log p(a).
		// Both estimators are unbiased for KL(p‖q); 5 standard errors.
		const n = 200000
		p := NewDiagGaussian(tensor.New(n, 1), tensor.New(1, 1))
		q := NewDiagGaussian(tensor.New(n, 1).Fill(0.3), mat(1, 1, float32(math.Log(0.8))))
		a := p.Sample(nil, testrand.New(8))
		lp, lq := p.LogProb(nil, a), q.LogProb(nil, a)
		lr := make([]float32, n)
		var v3 float64
		for i := range lr {
			lr[i] = lq[i] - lp[i]
		}
		k1, k3 := ApproxKL(lr)
		for _, x := range lr {
			d := math.Expm1(float64(x)) - float64(x) - k3
			v3 += d * d
		}
		kl := float64(KLDiagGaussian(nil, NewDiagGaussian(mat(1, 1), mat(1, 1)), NewDiagGaussian(mat(1, 1, 0.3), mat(1, 1, float32(math.Log(0.8)))))[0])
		if tol := 5 * math.Sqrt(v3/n); !near(k3, kl, tol) {
			t.Errorf("approx_kl %v, KL %v ± %v", k3, kl, tol)
		}
		if !near(k1, kl, 0.02) {
			t.Errorf("old_approx_kl %v, KL %v", k1, kl)
		}
	})
}

func TestDiagGaussian_Allocs(t *testing.T) {
	rng := testrand.New(1)
	g := NewDiagGaussian(tensor.New(64, 4).RandN(rng, 1), tensor.New(1, 4))
	x, eps, dm, dl := tensor.New(64, 4), tensor.New(64, 4), tensor.New(64, 4), tensor.New(1, 4)
	lp := make([]float32, 64)
	allocs := testing.AllocsPerRun(20, func() {
		g.Rsample(x, eps, rng)
		g.LogProb(lp, x)
		g.LogProbGrad(dm, dl, x, lp, 0)
		g.RsampleGrad(dm, dl, eps, x, 1)
		g.EntropyGrad(dl, nil, 1)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per step, want 0", allocs)
	}
}
