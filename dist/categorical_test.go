package dist

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
)

func TestCategorical_LogProb(t *testing.T) {
	t.Run("hand values", func(t *testing.T) {
		// Row 0: logits (0, ln 3) → p = (1/4, 3/4). Row 1: equal logits → 1/3.
		c := NewCategorical(mat(2, 3, 0, float32(math.Log(3)), float32(math.Inf(-1)), 5, 5, 5))
		got := c.LogProb(nil, []int{1, 2})
		want := []float64{math.Log(0.75), -math.Log(3)}
		for i := range want {
			if !near(float64(got[i]), want[i], 1e-6) {
				t.Errorf("row %d: log p = %v, want %v", i, got[i], want[i])
			}
		}
	})
	t.Run("huge logits are stable", func(t *testing.T) {
		c := NewCategorical(mat(1, 2, 1000, 1000))
		if got := c.LogProb(nil, []int{0})[0]; !near(float64(got), -math.Ln2, 1e-6) {
			t.Errorf("log p = %v, want −ln 2", got)
		}
	})
	t.Run("bad action panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic for action outside [0, K)")
			}
		}()
		NewCategorical(mat(1, 2)).LogProb(nil, []int{2})
	})
}

func TestCategorical_Entropy(t *testing.T) {
	t.Run("uniform is log K", func(t *testing.T) {
		for k := 1; k <= 7; k++ {
			c := NewCategorical(tensor.New(1, k).Fill(-2.5))
			if got := c.Entropy(nil)[0]; !near(float64(got), math.Log(float64(k)), 1e-6) {
				t.Errorf("K=%d: H = %v, want log K = %v", k, got, math.Log(float64(k)))
			}
		}
	})
	t.Run("hand value and masked class", func(t *testing.T) {
		// p = (1/4, 3/4): H = −(¼ ln ¼ + ¾ ln ¾) = 0.5623351446188083.
		// p = (½, 0, ½) with a −Inf logit: H = ln 2.
		c := NewCategorical(mat(2, 3, 0, float32(math.Log(3)), float32(math.Inf(-1)), 1, float32(math.Inf(-1)), 1))
		got := c.Entropy(nil)
		if !near(float64(got[0]), 0.5623351446188083, 1e-6) || !near(float64(got[1]), math.Ln2, 1e-6) {
			t.Errorf("H = %v, want [0.56233514 0.69314718]", got)
		}
	})
	t.Run("Monte Carlo matches", func(t *testing.T) {
		// E[−log p(a)] = H. With N draws the estimate's standard error is
		// sd(−log p)/√N; we allow 5 standard errors.
		const n = 100000
		logits := tensor.New(n, 4)
		for i := 0; i < n; i++ {
			copy(logits.Row(i), []float32{0.3, -1, 2, 0.5})
		}
		c := NewCategorical(logits)
		a := c.Sample(nil, testrand.New(1))
		lp := c.LogProb(nil, a)
		var m, m2 float64
		for _, v := range lp {
			m -= float64(v)
			m2 += float64(v) * float64(v)
		}
		m /= n
		sd := math.Sqrt(m2/n - m*m)
		h := float64(c.Entropy(nil)[0])
		if !near(m, h, 5*sd/math.Sqrt(n)) {
			t.Errorf("Monte Carlo entropy %v, closed form %v (tolerance %v)", m, h, 5*sd/math.Sqrt(n))
		}
	})
}

func TestCategorical_Sample(t *testing.T) {
	t.Run("frequencies match probabilities", func(t *testing.T) {
		const n = 200000
		p := []float64{0.1, 0.2, 0.3, 0.4}
		logits := tensor.New(n, 4)
		for i := 0; i < n; i++ {
			for j, pj := range p {
				logits.Set(i, j, float32(math.Log(pj)))
			}
		}
		a := NewCategorical(logits).Sample(nil, testrand.New(7))
		count := make([]float64, 4)
		for _, k := range a {
			count[k]++
		}
		for j, pj := range p {
			// Binomial standard error √(p(1−p)/N); allow 5 of them.
			tol := 5 * math.Sqrt(pj*(1-pj)/n)
			if f := count[j] / n; !near(f, pj, tol) {
				t.Errorf("class %d: frequency %v, want %v ± %v", j, f, pj, tol)
			}
		}
	})
	t.Run("never samples a masked class", func(t *testing.T) {
		c := NewCategorical(mat(1, 3, float32(math.Inf(-1)), 0, float32(math.Inf(-1))))
		dst := make([]int, 1)
		rng := testrand.New(3)
		for range 1000 {
			if c.Sample(dst, rng)[0] != 1 {
				t.Fatal("sampled a class with p = 0")
			}
		}
	})
	t.Run("same seed same draws", func(t *testing.T) {
		c := NewCategorical(tensor.New(50, 5).RandN(testrand.New(2), 1))
		a, b := c.Sample(nil, testrand.New(9)), c.Sample(nil, testrand.New(9))
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("draw %d differs: %d vs %d", i, a[i], b[i])
			}
		}
	})
}

func TestCategorical_Mode(t *testing.T) {
	c := NewCategorical(mat(2, 3, 0, 2, 1, 5, -1, 5))
	got := c.Mode(nil)
	if got[0] != 1 || got[1] != 0 {
		t.Errorf("Mode = %v, want [1 0] (first on ties)", got)
	}
}

func TestCategorical_LogProbGrad(t *testing.T) {
	rng := testrand.New(4)
	logits := tensor.New(3, 4).RandN(rng, 1.5)
	c := NewCategorical(logits)
	actions := []int{0, 3, 2}
	dy := []float32{0.7, -1.3, 2}
	t.Run("finite differences", func(t *testing.T) {
		g := c.LogProbGrad(nil, actions, dy, 0)
		lp := make([]float32, 3)
		checkGrad(t, "dlogp/dlogits", logits.Data, func() float64 { return weightedSum(c.LogProb(lp, actions), dy) }, g.Data)
	})
	t.Run("onehot minus softmax", func(t *testing.T) {
		g := c.LogProbGrad(nil, actions, nil, 0)
		p := c.Probs(nil)
		for i, a := range actions {
			for j := 0; j < 4; j++ {
				want := -float64(p.At(i, j))
				if j == a {
					want++
				}
				if !near(float64(g.At(i, j)), want, 1e-6) {
					t.Errorf("(%d,%d): %v, want %v", i, j, g.At(i, j), want)
				}
			}
		}
	})
	t.Run("beta accumulates", func(t *testing.T) {
		g1 := c.LogProbGrad(nil, actions, dy, 0)
		acc := tensor.New(3, 4).Fill(1)
		c.LogProbGrad(acc, actions, dy, 1)
		for i := range acc.Data {
			if !near(float64(acc.Data[i]), 1+float64(g1.Data[i]), 1e-6) {
				t.Fatalf("element %d: %v, want 1 + %v", i, acc.Data[i], g1.Data[i])
			}
		}
		c.LogProbGrad(acc, actions, dy, 0)
		for i := range acc.Data {
			if acc.Data[i] != g1.Data[i] {
				t.Fatalf("beta = 0 kept old contents at %d", i)
			}
		}
	})
}

func TestCategorical_EntropyGrad(t *testing.T) {
	rng := testrand.New(5)
	logits := tensor.New(3, 5).RandN(rng, 1.5)
	logits.Set(2, 1, float32(math.Inf(-1))) // a masked class
	c := NewCategorical(logits)
	dy := []float32{1, -0.5, 0.8}
	g := c.EntropyGrad(nil, dy, 0)
	if !near(float64(g.At(2, 1)), 0, 0) {
		t.Errorf("masked class gradient %v, want 0", g.At(2, 1))
	}
	// Finite differences on the finite logits only.
	h := make([]float32, 3)
	finite := append([]float32(nil), logits.Data[:11]...)
	f := func() float64 {
		copy(logits.Data[:11], finite)
		return weightedSum(c.Entropy(h), dy)
	}
	checkGrad(t, "dH/dlogits", finite, f, g.Data[:11])
}

func TestKLCategorical(t *testing.T) {
	t.Run("hand value", func(t *testing.T) {
		// KL((½,½) ‖ (¼,¾)) = ½ ln 2 + ½ ln(2/3) = ½ ln(4/3) = 0.14384103622589045.
		p := NewCategorical(mat(1, 2, 0, 0))
		q := NewCategorical(mat(1, 2, 0, float32(math.Log(3))))
		if got := KLCategorical(nil, p, q)[0]; !near(float64(got), 0.14384103622589045, 1e-6) {
			t.Errorf("KL = %v, want 0.143841", got)
		}
	})
	t.Run("KL(p‖p) = 0 and KL ≥ 0", func(t *testing.T) {
		rng := testrand.New(6)
		p := NewCategorical(tensor.New(20, 6).RandN(rng, 2))
		q := NewCategorical(tensor.New(20, 6).RandN(rng, 2))
		for i, v := range KLCategorical(nil, p, p) {
			if !near(float64(v), 0, 1e-6) {
				t.Errorf("row %d: KL(p‖p) = %v", i, v)
			}
		}
		for i, v := range KLCategorical(nil, p, q) {
			if v < 0 {
				t.Errorf("row %d: KL(p‖q) = %v < 0", i, v)
			}
		}
	})
}

func TestCategorical_Allocs(t *testing.T) {
	c := NewCategorical(tensor.New(64, 6).RandN(testrand.New(1), 1))
	a, lp, h := make([]int, 64), make([]float32, 64), make([]float32, 64)
	g := tensor.New(64, 6)
	rng := testrand.New(2)
	allocs := testing.AllocsPerRun(20, func() {
		c.Sample(a, rng)
		c.LogProb(lp, a)
		c.Entropy(h)
		c.LogProbGrad(g, a, lp, 0)
		c.EntropyGrad(g, h, 1)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per step, want 0", allocs)
	}
}

func TestActionIndices(t *testing.T) {
	got := ActionIndices(nil, mat(3, 1, 2, 0, 0.9999999))
	if got[0] != 2 || got[1] != 0 || got[2] != 1 {
		t.Errorf("ActionIndices = %v, want [2 0 1]", got)
	}
}
