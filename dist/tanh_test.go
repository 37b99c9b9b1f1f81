package dist

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
	"gonum.org/v1/gonum/stat/distuv"
)

func TestLog1mTanhSq(t *testing.T) {
	t.Run("equals the naive formula where it is accurate", func(t *testing.T) {
		for u := -5.0; u <= 5; u += 0.25 {
			th := math.Tanh(u)
			if want := math.Log(1 - th*th); !near(Log1mTanhSq(u), want, 1e-10*math.Max(1, math.Abs(want))) {
				t.Errorf("u=%v: %v, naive %v", u, Log1mTanhSq(u), want)
			}
		}
	})
	t.Run("close to the ε-shifted form for moderate u", func(t *testing.T) {
		// log(1 − t² + 1e−6) − log(1 − t²) = log1p(1e−6/(1 − t²)) ≤ 1e−6/(1 − t²).
		for u := -2.0; u <= 2; u += 0.25 {
			th := math.Tanh(u)
			sb3 := math.Log(1 - th*th + 1e-6)
			if tol := 1.01e-6 / (1 - th*th); !near(Log1mTanhSq(u), sb3, tol) {
				t.Errorf("u=%v: %v, ε-shifted %v (tolerance %v)", u, Log1mTanhSq(u), sb3, tol)
			}
		}
	})
	t.Run("exact in the tails", func(t *testing.T) {
		// sech²u = 4e^{−2|u|}/(1 + e^{−2|u|})² → log ≈ 2 ln 2 − 2|u| for large |u|,
		// where the naive form is −Inf.
		for _, u := range []float64{-40, 25, 300} {
			want := 2*math.Ln2 - 2*math.Abs(u) - 2*math.Log1p(math.Exp(-2*math.Abs(u)))
			if got := Log1mTanhSq(u); !near(got, want, 1e-9*math.Abs(want)) {
				t.Errorf("u=%v: %v, want %v", u, got, want)
			}
		}
	})
}

func TestTanhGaussian_LogProb(t *testing.T) {
	t.Run("hand value", func(t *testing.T) {
		// D = 1, μ = 0, σ = 1, Scale = 2, Bias = 0, u = 0.5:
		// log N(0.5) = −0.125 − ½ ln 2π; log|Scale| = ln 2;
		// log(1 − tanh²0.5) = ln(1 − 0.46211715726²) = −0.24022902...
		g := NewTanhGaussian(mat(1, 1), mat(1, 1), []float32{2}, nil)
		th := math.Tanh(0.5)
		want := -0.125 - 0.5*math.Log(2*math.Pi) - math.Ln2 - math.Log(1-th*th)
		if got := g.LogProb(nil, mat(1, 1, 0.5))[0]; !near(float64(got), want, 1e-6) {
			t.Errorf("log π = %v, want %v", got, want)
		}
	})
	t.Run("density integrates to one on the box", func(t *testing.T) {
		// ∫ π(a) da over (Bias − Scale, Bias + Scale) by the midpoint rule in
		// a-space, with u = atanh((a − Bias)/Scale): checks the Jacobian
		// term independently of how samples are drawn.
		for _, c := range []struct{ mu, ls, scale, bias float64 }{
			{0.3, math.Log(0.8), 2, 0.5}, {-1, 0, 1, 0}, {0.5, math.Log(1.5), 0.25, -3},
		} {
			g := NewTanhGaussian(mat(1, 1, float32(c.mu)), mat(1, 1, float32(c.ls)), []float32{float32(c.scale)}, []float32{float32(c.bias)})
			const m = 200000
			h := 2 * c.scale / m
			u, lp := tensor.New(1, 1), make([]float32, 1)
			var total float64
			for k := 0; k < m; k++ {
				a := -c.scale + (float64(k)+0.5)*h
				u.Data[0] = float32(math.Atanh(a / c.scale))
				total += math.Exp(float64(g.LogProb(lp, u)[0])) * h
			}
			if !near(total, 1, 2e-3) {
				t.Errorf("%+v: ∫π = %v, want 1", c, total)
			}
		}
	})
	t.Run("sums over dimensions", func(t *testing.T) {
		rng := testrand.New(1)
		mean, ls, u := tensor.New(2, 3).RandN(rng, 1), tensor.New(1, 3).RandN(rng, 0.3), tensor.New(2, 3).RandN(rng, 2)
		scale, bias := []float32{1, 2, 0.5}, []float32{0, -1, 3}
		got := NewTanhGaussian(mean, ls, scale, bias).LogProb(nil, u)
		for i := range got {
			var want float64
			for j := 0; j < 3; j++ {
				uj := float64(u.At(i, j))
				want += distuv.Normal{Mu: float64(mean.At(i, j)), Sigma: math.Exp(float64(ls.At(0, j)))}.LogProb(uj) -
					math.Log(float64(scale[j])) - math.Log(1-math.Tanh(uj)*math.Tanh(uj))
			}
			if !near(float64(got[i]), want, 1e-5) {
				t.Errorf("row %d: %v, want %v", i, got[i], want)
			}
		}
	})
}

func TestTanhGaussian_Sample(t *testing.T) {
	// P(a ≤ a0) = Φ((atanh((a0 − Bias)/Scale) − μ)/σ); compare empirical
	// frequencies with 5 binomial standard errors.
	const n = 100000
	mu, sigma, scale, bias := 0.4, 0.7, 2.0, 1.0
	mean := tensor.New(n, 1).Fill(float32(mu))
	g := NewTanhGaussian(mean, mat(1, 1, float32(math.Log(sigma))), []float32{float32(scale)}, []float32{float32(bias)})
	a, u := g.Sample(nil, nil, testrand.New(2))
	for i := range a.Data {
		if a.Data[i] < float32(bias-scale) || a.Data[i] > float32(bias+scale) {
			t.Fatalf("sample %v outside the box", a.Data[i])
		}
		if want := float32(math.Tanh(float64(u.Data[i]))*scale + bias); !near(float64(a.Data[i]), float64(want), 1e-6) {
			t.Fatalf("a = %v ≠ squash(u) = %v", a.Data[i], want)
		}
	}
	for _, a0 := range []float64{-0.5, 0.5, 1.2, 2.5} {
		var cnt float64
		for _, v := range a.Data {
			if float64(v) <= a0 {
				cnt++
			}
		}
		p := distuv.Normal{Mu: mu, Sigma: sigma}.CDF(math.Atanh((a0 - bias) / scale))
		if tol := 5 * math.Sqrt(p*(1-p)/n); !near(cnt/n, p, tol) {
			t.Errorf("P(a ≤ %v) = %v, want %v ± %v", a0, cnt/n, p, tol)
		}
	}
	t.Run("Sample and Rsample agree", func(t *testing.T) {
		a2, u2, _ := g.Rsample(nil, nil, nil, testrand.New(2))
		for i := range a.Data {
			if a.Data[i] != a2.Data[i] || u.Data[i] != u2.Data[i] {
				t.Fatalf("element %d differs", i)
			}
		}
	})
	t.Run("Mode", func(t *testing.T) {
		m := NewTanhGaussian(mat(1, 2, 0, 100), mat(1, 2), []float32{2, 3}, []float32{1, -1}).Mode(nil)
		// tanh(0)·2 + 1 = 1; tanh(100)·3 − 1 = 2.
		if !near(float64(m.Data[0]), 1, 1e-6) || !near(float64(m.Data[1]), 2, 1e-6) {
			t.Errorf("Mode = %v, want [1 2]", m.Data)
		}
	})
}

func TestTanhGaussian_LogProbGrad(t *testing.T) {
	rng := testrand.New(3)
	mean, ls, u := tensor.New(3, 2).RandN(rng, 1), tensor.New(3, 2).RandN(rng, 0.3), tensor.New(3, 2).RandN(rng, 1)
	g := NewTanhGaussian(mean, ls, []float32{1, 2}, []float32{0, 0.5})
	dy := []float32{1, -2, 0.5}
	dm, dl := g.LogProbGrad(nil, nil, u, dy, 0)
	lp := make([]float32, 3)
	f := func() float64 { return weightedSum(g.LogProb(lp, u), dy) }
	checkGrad(t, "dlogπ/dmean (u fixed)", mean.Data, f, dm.Data)
	checkGrad(t, "dlogπ/dlogstd (u fixed)", ls.Data, f, dl.Data)
}

func TestTanhGaussian_RsampleGrad(t *testing.T) {
	rng := testrand.New(4)
	const b, d = 3, 2
	eps, dA := tensor.New(b, d).RandN(rng, 1), tensor.New(b, d).RandN(rng, 1)
	coef := []float32{0.2, 0.2, -0.7}
	scale, bias := []float32{2, 0.5}, []float32{0, 1}
	cases := []struct {
		name     string
		lsRows   int
		dA       *tensor.Mat
		dLogProb []float32
	}{
		{"critic and log-prob, B×D", b, dA, coef},
		{"critic and log-prob, 1×D", 1, dA, coef},
		{"log-prob only", b, nil, coef},
		{"critic only", 1, dA, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mean, ls := tensor.New(b, d).RandN(rng, 1), tensor.New(c.lsRows, d).RandN(rng, 0.3)
			g := NewTanhGaussian(mean, ls, scale, bias)
			dm, dl := g.RsampleGrad(nil, nil, g.Base().Transform(nil, eps), eps, c.dA, c.dLogProb, 0)
			a, u, lp := tensor.New(b, d), tensor.New(b, d), make([]float32, b)
			// L(μ, log σ) = Σ_i c_i·log π(a_i) + Σ dA ⊙ a with a = f(ε; μ, σ).
			f := func() float64 {
				g.Transform(a, u, eps)
				var l float64
				if c.dLogProb != nil {
					l += weightedSum(g.LogProb(lp, u), c.dLogProb)
				}
				if c.dA != nil {
					l += tensor.Dot(a.Data, c.dA.Data)
				}
				return l
			}
			checkGrad(t, "dL/dmean", mean.Data, f, dm.Data)
			checkGrad(t, "dL/dlogstd", ls.Data, f, dl.Data)
		})
	}
	t.Run("through the log-std bound", func(t *testing.T) {
		// SAC's actor: raw network output → bounded log σ → a and log π.
		for _, bound := range []LogStdBound{DefaultLogStdBound(), SB3LogStdBound()} {
			mean, raw := tensor.New(b, d).RandN(rng, 1), tensor.New(b, d).RandN(rng, 1)
			ls := bound.Apply(nil, raw)
			g := NewTanhGaussian(mean, ls, scale, bias)
			u := g.Base().Transform(nil, eps)
			dm, dl := g.RsampleGrad(nil, nil, u, eps, dA, coef, 0)
			dRaw := bound.Grad(nil, dl, raw, 0)
			a, lp := tensor.New(b, d), make([]float32, b)
			f := func() float64 {
				bound.Apply(ls, raw)
				g.Transform(a, u, eps)
				return weightedSum(g.LogProb(lp, u), coef) + tensor.Dot(a.Data, dA.Data)
			}
			checkGrad(t, bound.Kind.String()+" dL/dmean", mean.Data, f, dm.Data)
			checkGrad(t, bound.Kind.String()+" dL/draw", raw.Data, f, dRaw.Data)
		}
	})
}

func TestLogStdBound_Apply(t *testing.T) {
	raw := mat(1, 4, 0, 100, -100, 0.5)
	t.Run("tanh", func(t *testing.T) {
		// −5 + ½·7·(tanh(r) + 1): r = 0 → −1.5, r → +∞ → 2, r → −∞ → −5,
		// r = 0.5 → −1.5 + 3.5·0.46211716 = 0.11741005.
		got := DefaultLogStdBound().Apply(nil, raw).Data
		want := []float64{-1.5, 2, -5, -1.5 + 3.5*math.Tanh(0.5)}
		for i := range want {
			if !near(float64(got[i]), want[i], 1e-6) {
				t.Errorf("raw %v: %v, want %v", raw.Data[i], got[i], want[i])
			}
		}
	})
	t.Run("clip", func(t *testing.T) {
		got := SB3LogStdBound().Apply(nil, raw).Data
		want := []float32{0, 2, -20, 0.5}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("raw %v: %v, want %v", raw.Data[i], got[i], want[i])
			}
		}
	})
}

func TestLogStdBound_Grad(t *testing.T) {
	rng := testrand.New(5)
	raw, dy := tensor.New(2, 3).RandN(rng, 1.5), tensor.New(2, 3).RandN(rng, 1)
	raw.Data[0] = 3 // outside the clip range [−20, 2]: zero gradient there
	for _, b := range []LogStdBound{DefaultLogStdBound(), SB3LogStdBound(), {Kind: BoundClip, Min: -1, Max: 1}} {
		t.Run(b.Kind.String(), func(t *testing.T) {
			dRaw := b.Grad(nil, dy, raw, 0)
			out := tensor.New(2, 3)
			checkGrad(t, "dlogσ/draw", raw.Data, func() float64 { return tensor.Dot(b.Apply(out, raw).Data, dy.Data) }, dRaw.Data)
			if b.Kind == BoundClip && dRaw.Data[0] != 0 {
				t.Errorf("clipped input has gradient %v", dRaw.Data[0])
			}
		})
	}
}

func TestLogStdBound_Validate(t *testing.T) {
	for _, c := range []struct {
		b  LogStdBound
		ok bool
	}{
		{DefaultLogStdBound(), true}, {SB3LogStdBound(), true}, {LogStdBound{}, true},
		{LogStdBound{Min: 2, Max: -5}, false}, {LogStdBound{Kind: 7, Max: 1}, false},
		{LogStdBound{Min: float32(math.Inf(-1)), Max: 1}, false},
	} {
		if err := c.b.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: Validate() = %v, want ok=%v", c.b, err, c.ok)
		}
	}
}

func TestTanhGaussian_Allocs(t *testing.T) {
	rng := testrand.New(6)
	g := NewTanhGaussian(tensor.New(64, 4).RandN(rng, 1), tensor.New(64, 4), nil, nil)
	a, u, eps, dm, dl := tensor.New(64, 4), tensor.New(64, 4), tensor.New(64, 4), tensor.New(64, 4), tensor.New(64, 4)
	lp := make([]float32, 64)
	allocs := testing.AllocsPerRun(20, func() {
		g.Rsample(a, u, eps, rng)
		g.LogProb(lp, u)
		g.RsampleGrad(dm, dl, u, eps, a, lp, 0)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per step, want 0", allocs)
	}
}
