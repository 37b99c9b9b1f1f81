package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestTanh32_Accuracy(t *testing.T) {
	// Reference: math.Tanh in float64. float32 has a unit roundoff of 6e-8, so
	// an approximation good to a few ulps stays under 2e-7 absolute.
	worst := 0.0
	for x := -12.0; x <= 12.0; x += 1e-3 {
		got := float64(Tanh32(float32(x)))
		want := math.Tanh(float64(float32(x)))
		worst = max(worst, math.Abs(got-want))
	}
	// A few float32 ulps: ulp(1) = 6e-8.
	if worst > 5e-7 {
		t.Fatalf("max |Tanh32 - tanh| = %g, want ≤ 5e-7", worst)
	}
	if v := Tanh32(float32(math.NaN())); v == v {
		t.Fatalf("Tanh32(NaN) = %v, want NaN", v)
	}
}

func naiveGemm(transA, transB bool, alpha float32, a, b *Mat, beta float32, c *Mat) *Mat {
	get := func(m *Mat, tr bool, i, j int) float64 {
		if tr {
			return float64(m.At(j, i))
		}
		return float64(m.At(i, j))
	}
	out := c.Clone()
	k := a.Cols
	if transA {
		k = a.Rows
	}
	for i := 0; i < c.Rows; i++ {
		for j := 0; j < c.Cols; j++ {
			var s float64
			for l := 0; l < k; l++ {
				s += get(a, transA, i, l) * get(b, transB, l, j)
			}
			out.Set(i, j, float32(float64(alpha)*s+float64(beta)*float64(c.At(i, j))))
		}
	}
	return out
}

func TestGemm_MatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		m, n, k     int
		tA, tB      bool
		alpha, beta float32
	}{
		{3, 4, 5, false, false, 1, 0},
		{7, 2, 3, true, false, 0.5, 1},
		{1, 9, 4, false, true, -2, 0.25},
		{6, 6, 1, true, true, 1, 2},
		{33, 17, 65, false, true, 1, 0},
	} {
		ar, ac := tc.m, tc.k
		if tc.tA {
			ar, ac = ac, ar
		}
		br, bc := tc.k, tc.n
		if tc.tB {
			br, bc = bc, br
		}
		a := New(ar, ac).RandN(rng, 1)
		b := New(br, bc).RandN(rng, 1)
		c := New(tc.m, tc.n).RandN(rng, 1)
		want := naiveGemm(tc.tA, tc.tB, tc.alpha, a, b, tc.beta, c)
		got := Gemm(c.Clone(), tc.tA, tc.tB, tc.alpha, a, b, tc.beta)
		for i := range got.Data {
			if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-4*(1+math.Abs(float64(want.Data[i]))) {
				t.Fatalf("%+v: element %d = %v, want %v", tc, i, got.Data[i], want.Data[i])
			}
		}
	}
}

func TestGemm_BetaZeroIgnoresNaN(t *testing.T) {
	a := FromSlice(1, 1, []float32{2})
	b := FromSlice(1, 1, []float32{3})
	c := FromSlice(1, 1, []float32{float32(math.NaN())})
	Gemm(c, false, false, 1, a, b, 0)
	if c.Data[0] != 6 {
		t.Fatalf("got %v, want 6 (2·3, dst ignored at beta=0)", c.Data[0])
	}
}

func TestGemm_PanicsOnShape(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("no panic on inner-dimension mismatch")
		}
	}()
	Gemm(nil, false, false, 1, New(2, 3), New(2, 3), 0)
}

func TestAct_DerivFiniteDifference(t *testing.T) {
	for _, a := range []Act{Identity, Tanh, ReLU, Sigmoid, GELU, LeakyReLU} {
		for _, x := range []float64{-3, -0.7, -0.1, 0.2, 0.9, 2.5} {
			h := 1e-3
			// Central difference of the float64 reference definition of f.
			ref := func(v float64) float64 {
				switch a {
				case Tanh:
					return math.Tanh(v)
				case ReLU:
					return math.Max(v, 0)
				case Sigmoid:
					return 1 / (1 + math.Exp(-v))
				case GELU:
					return 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
				case LeakyReLU:
					if v > 0 {
						return v
					}
					return 0.01 * v
				}
				return v
			}
			fd := (ref(x+h) - ref(x-h)) / (2 * h)
			if got := float64(a.D(float32(x))); math.Abs(got-fd) > 1e-4 {
				t.Errorf("%v'(%v) = %v, finite difference %v", a, x, got, fd)
			}
			if got := float64(a.F(float32(x))); math.Abs(got-ref(x)) > 1e-6 {
				t.Errorf("%v(%v) = %v, want %v", a, x, got, ref(x))
			}
		}
	}
}

func TestAct_FusedMatchesSeparate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := New(5, 7).RandN(rng, 2)
	for _, a := range []Act{Identity, Tanh, ReLU, Sigmoid, GELU, LeakyReLU} {
		f, df := New(5, 7), New(5, 7)
		a.ForwardDeriv(f, df, x)
		f2, df2 := a.Forward(nil, x), a.Deriv(nil, x)
		for i := range f.Data {
			if f.Data[i] != f2.Data[i] || df.Data[i] != df2.Data[i] {
				t.Fatalf("%v: fused and separate kernels differ at %d", a, i)
			}
		}
		dy := New(5, 7).RandN(rng, 1)
		dx := a.BackwardFromInput(nil, dy, x)
		for i := range dx.Data {
			if want := dy.Data[i] * df.Data[i]; dx.Data[i] != want {
				t.Fatalf("%v: BackwardFromInput[%d] = %v, want %v", a, i, dx.Data[i], want)
			}
		}
	}
}

func TestParseAct_RoundTrip(t *testing.T) {
	for _, a := range []Act{Identity, Tanh, ReLU, Sigmoid, GELU, LeakyReLU} {
		b, err := ParseAct(a.String())
		if err != nil || b != a {
			t.Fatalf("ParseAct(%q) = %v, %v", a.String(), b, err)
		}
	}
	if _, err := ParseAct("swishy"); err == nil {
		t.Fatal("ParseAct accepted an unknown name")
	}
}

func TestLogSumExp_Stable(t *testing.T) {
	// Closed form: log(e^1000 + e^1000) = 1000 + log 2.
	if got, want := LogSumExp([]float32{1000, 1000}), 1000+math.Ln2; math.Abs(got-want) > 1e-9 {
		t.Fatalf("LogSumExp = %v, want %v", got, want)
	}
	// Softplus(0) = log 2; softplus(-100) ≈ e^-100.
	if got := SoftplusF64(0); math.Abs(got-math.Ln2) > 1e-15 {
		t.Fatalf("softplus(0) = %v", got)
	}
	if got := SoftplusF64(-100); math.Abs(got-math.Exp(-100)) > 1e-50 {
		t.Fatalf("softplus(-100) = %v", got)
	}
}

func TestKernels_NoAlloc(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a, b, c := New(64, 256).RandN(rng, 1), New(256, 256).RandN(rng, 1), New(64, 256)
	df := New(64, 256)
	bias := make([]float32, 256)
	allocs := testing.AllocsPerRun(10, func() {
		Tanh.ForwardDeriv(c, df, a)
		Add(c, c, a)
		AddRowVec(c, c, bias)
		SumRowsInto(bias, c, 0)
	})
	if allocs != 0 {
		t.Fatalf("element-wise kernels allocate %v times per run", allocs)
	}
	// gonum's pure-Go Sgemm starts worker goroutines for large products, which
	// allocate; OpenBLAS does not.
	allocs = testing.AllocsPerRun(10, func() { Gemm(c, false, true, 1, a, b, 0) })
	if BLAS() == "openblas" && allocs != 0 {
		t.Fatalf("Gemm allocates %v times per run on OpenBLAS", allocs)
	}
}

func TestGemmStrided_ColumnBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	// ∂W = dyᵀ·x computed one block of W's rows (dy's columns) at a time must
	// equal the whole product; reference: naiveGemm in float64.
	dy := New(6, 7).RandN(rng, 1)
	x := New(6, 5).RandN(rng, 1)
	c0 := New(7, 5).RandN(rng, 1)
	want := naiveGemm(true, false, 0.5, dy, x, 1, c0)
	got := c0.Clone()
	for _, blk := range [][2]int{{0, 3}, {3, 4}, {4, 7}} {
		r0, r1 := blk[0], blk[1]
		GemmStrided(true, false, r1-r0, 5, 6, 0.5, dy.Data[r0:], 7, x.Data, 5, 1, got.Data[r0*5:], 5)
	}
	for i := range got.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-5*(1+math.Abs(float64(want.Data[i]))) {
			t.Fatalf("element %d = %v, want %v", i, got.Data[i], want.Data[i])
		}
	}
	t.Run("NoTransColumns", func(t *testing.T) {
		// Columns [2, 5) of C = A·Bᵀ come from rows [2, 5) of B.
		a, b := New(4, 3).RandN(rng, 1), New(6, 3).RandN(rng, 1)
		full := naiveGemm(false, true, 1, a, b, 0, New(4, 6))
		c := New(4, 6)
		GemmStrided(false, true, 4, 3, 3, 1, a.Data, 3, b.Data[2*3:], 3, 0, c.Data[2:], 6)
		for i := 0; i < 4; i++ {
			for j := 2; j < 5; j++ {
				if d := math.Abs(float64(c.At(i, j) - full.At(i, j))); d > 1e-5 {
					t.Fatalf("(%d,%d) = %v, want %v", i, j, c.At(i, j), full.At(i, j))
				}
			}
		}
	})
	t.Run("PanicsOnShortSlice", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic on a short C")
			}
		}()
		GemmStrided(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
	})
}

func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, sh := range [][2]int{{0, 3}, {1, 1}, {3, 70}, {45, 33}} {
		a := New(sh[0], sh[1]).RandN(rng, 1)
		at := Transpose(nil, a)
		if at.Rows != a.Cols || at.Cols != a.Rows {
			t.Fatalf("%v: Transpose is %d×%d", sh, at.Rows, at.Cols)
		}
		for i := 0; i < a.Rows; i++ {
			for j := 0; j < a.Cols; j++ {
				if at.At(j, i) != a.At(i, j) {
					t.Fatalf("%v: element (%d, %d) not transposed", sh, i, j)
				}
			}
		}
	}
}
