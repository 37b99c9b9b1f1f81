package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGradStep checks the fused step against its definition, element by
// element and bit for bit, over lengths around the vector width.
func TestGradStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 37, 256} {
		z, pe, x, df := New(1, n).RandN(rng, 1), New(1, n).RandN(rng, 1), New(1, n).RandN(rng, 1), New(1, n).RandU(rng, 0, 1)
		want := make([]float32, n)
		for i := range want {
			g := pe.Data[i] - x.Data[i]*df.Data[i]
			want[i] = z.Data[i] - 0.1*g
		}
		GradStep(z.Data, pe.Data, x.Data, df.Data, 0.1)
		for i := range want {
			if math.Float32bits(z.Data[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: z[%d] = %v, want %v", n, i, z.Data[i], want[i])
			}
		}
	}
}

// TestResidual checks the errors bit for bit and the quadratic form against
// a float64 sum, and that the vector and scalar orders agree exactly.
func TestResidual(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 37, 256} {
		z, mu, pi := New(1, n).RandN(rng, 1), New(1, n).RandN(rng, 1), New(1, n).RandU(rng, 0.5, 2)
		eps, pe := New(1, n), New(1, n)
		q := Residual(eps.Data, pe.Data, z.Data, mu.Data, pi.Data)
		var ref float64
		var acc [8]float32
		for i := 0; i < n; i++ {
			e := z.Data[i] - mu.Data[i]
			p := pi.Data[i] * e
			if eps.Data[i] != e || pe.Data[i] != p {
				t.Fatalf("n=%d: element %d: eps %v pe %v, want %v %v", n, i, eps.Data[i], pe.Data[i], e, p)
			}
			ref += float64(p) * float64(e)
			if i < n&^7 {
				acc[i%8] += p * e
			}
		}
		if math.Abs(float64(q)-ref) > 1e-5*(1+ref) {
			t.Fatalf("n=%d: quadratic form %v, want %v", n, q, ref)
		}
		want := ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
		for i := n &^ 7; i < n; i++ { // the tail, element by element after the lanes
			e := z.Data[i] - mu.Data[i]
			want += pi.Data[i] * e * e
		}
		if math.Float32bits(q) != math.Float32bits(want) {
			t.Fatalf("n=%d: quadratic form %v, want the documented order's %v", n, q, want)
		}
	}
}

// TestMulNarrow checks both narrow products against Gemm and that a block
// of rows gives the same bits as the same rows of the whole product.
func TestMulNarrow(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, c := range []struct{ m, k, n int }{{1, 1, 8}, {5, 10, 256}, {64, 10, 72}, {3, 16, 8}} {
		a, b := New(c.m, c.k).RandN(rng, 1), New(c.k, c.n).RandN(rng, 1)
		got, want := New(c.m, c.n), Gemm(nil, false, false, 1, a, b, 0)
		if !MulNarrowInner(got, a, b) {
			t.Skip("no vector kernel on this machine")
		}
		closeMat(t, "MulNarrowInner", got, want)
		part := New(1, c.n)
		MulNarrowInner(part, a.RowsView(c.m-1, c.m), b)
		sameBits(t, "MulNarrowInner rows", part.Data, got.Row(c.m-1))
	}
	for _, c := range []struct{ m, k, n int }{{1, 8, 1}, {5, 256, 10}, {64, 40, 3}, {3, 264, 16}} {
		a, bt := New(c.m, c.k).RandN(rng, 1), New(c.n, c.k).RandN(rng, 1)
		bias := New(1, c.n).RandN(rng, 1).Data
		want := New(c.m, c.n)
		for i := 0; i < c.m; i++ {
			copy(want.Row(i), bias)
		}
		Gemm(want, false, true, 1, a, bt, 1)
		got := New(c.m, c.n)
		if !MulNarrowOut(got, a, bt, bias) {
			t.Skip("no vector kernel on this machine")
		}
		closeMat(t, "MulNarrowOut", got, want)
		part := New(1, c.n)
		MulNarrowOut(part, a.RowsView(c.m-1, c.m), bt, bias)
		sameBits(t, "MulNarrowOut rows", part.Data, got.Row(c.m-1))
		noBias := New(c.m, c.n)
		MulNarrowOut(noBias, a, bt, nil)
		for i := range noBias.Data {
			if d := got.Data[i] - noBias.Data[i] - bias[i%c.n]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("MulNarrowOut without bias: element %d off by %v", i, d)
			}
		}
	}
	if MulNarrowInner(New(2, 7), New(2, 3), New(3, 7)) || MulNarrowOut(New(2, 3), New(2, 12), New(3, 12), nil) {
		t.Error("a narrow kernel accepted a shape it does not handle")
	}
}

// closeMat compares products of random N(0, 1) factors: float32 rounding of
// k-term sums leaves errors near 1e-7·k.
func closeMat(t *testing.T, what string, got, want *Mat) {
	t.Helper()
	for i := range want.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-4*(1+math.Abs(float64(want.Data[i]))) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got.Data[i], want.Data[i])
		}
	}
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestReLUForwardDeriv checks the vectorised ReLU and its derivative bit
// for bit against the scalar definition, with NaN and signed zeros.
func TestReLUForwardDeriv(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{1, 8, 13, 64} {
		x := New(1, n).RandN(rng, 1)
		x.Data[0] = float32(math.NaN())
		if n > 2 {
			x.Data[1] = float32(math.Copysign(0, -1))
			x.Data[2] = 0
		}
		f, df := New(1, n), New(1, n)
		ReLU.ForwardDeriv(f, df, x)
		for i, v := range x.Data {
			wf, wd := float32(0), float32(0)
			if v > 0 {
				wf, wd = v, 1
			}
			if math.Float32bits(f.Data[i]) != math.Float32bits(wf) || df.Data[i] != wd {
				t.Fatalf("n=%d: relu(%v) = %v, %v; want %v, %v", n, v, f.Data[i], df.Data[i], wf, wd)
			}
		}
	}
}

// TestMulPacked checks the packed product against Gemm, with and without
// accumulation and for both packings, and that a block of rows gives the
// same bits as the same rows of the whole product.
func TestMulPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, c := range []struct{ m, k, n int }{{1, 1, 16}, {7, 33, 32}, {64, 256, 256}, {13, 10, 48}} {
		a := New(c.m, c.k).RandN(rng, 1)
		for _, trans := range []bool{false, true} {
			b := New(c.k, c.n).RandN(rng, 1)
			src := b
			if trans {
				src = Transpose(nil, b)
			}
			p, ok := Pack(nil, src, trans)
			if !ok || p.K != c.k || p.N != c.n {
				t.Fatalf("%v trans=%v: Pack gave %d×%d, ok=%v", c, trans, p.K, p.N, ok)
			}
			got := New(c.m, c.n).RandN(rng, 1)
			want := Gemm(got.Clone(), false, false, 1, a, b, 1)
			if !MulPacked(got, a, p, true) {
				t.Skip("no vector kernel on this machine")
			}
			closeMat(t, "MulPacked (acc)", got, want)
			MulPacked(got, a, p, false)
			closeMat(t, "MulPacked", got, Gemm(nil, false, false, 1, a, b, 0))
			part := New(1, c.n)
			MulPacked(part, a.RowsView(c.m-1, c.m), p, false)
			sameBits(t, "MulPacked rows", part.Data, got.Row(c.m-1))
		}
	}
	if _, ok := Pack(nil, New(4, 10), false); ok {
		t.Error("Pack accepted 10 columns")
	}
}
