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
