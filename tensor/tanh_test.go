package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tanhInputs returns n values covering the kernel's regimes: the small-|x|
// pass-through (|x| < 4e-4), the rational approximation, the clamp beyond
// ±7.905, infinities, NaN and signed zeros.
func tanhInputs(n int, rng *rand.Rand) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), 3.9e-4, -3.9e-4, 4e-4, -4e-4, 7.9053111, -7.9053111, 8, -8, 100,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30, -1e-30, 0.5, -0.5}
	x := make([]float32, n)
	for i := range x {
		switch {
		case i < len(special):
			x[i] = special[i]
		case i%3 == 0:
			x[i] = float32(rng.NormFloat64() * 1e-3)
		default:
			x[i] = float32(rng.NormFloat64() * 4)
		}
	}
	return x
}

func sameFloat(a, b float32) bool {
	return a == b && math.Signbit(float64(a)) == math.Signbit(float64(b)) || a != a && b != b
}

func TestTanhVec_MatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	// Lengths around the vector width so that the scalar tail is exercised.
	for _, n := range []int{0, 1, 7, 8, 9, 31, 64, 1000, 4099} {
		x := tanhInputs(n, rng)
		t.Run("ForwardDeriv", func(t *testing.T) {
			f, df := New(1, n), New(1, n)
			Tanh.ForwardDeriv(f, df, FromSlice(1, n, x))
			for i, v := range x {
				// The vector kernel performs Tanh32's operations in its order
				// without fused multiply-adds, so the results are identical.
				y := Tanh32(v)
				if !sameFloat(f.Data[i], y) || !sameFloat(df.Data[i], 1-y*y) {
					t.Fatalf("n=%d x[%d]=%v: got (%v, %v), want (%v, %v)", n, i, v, f.Data[i], df.Data[i], y, 1-y*y)
				}
			}
		})
		t.Run("ForwardAliased", func(t *testing.T) {
			m := FromSlice(1, n, append([]float32(nil), x...))
			Tanh.Forward(m, m)
			for i, v := range x {
				if !sameFloat(m.Data[i], Tanh32(v)) {
					t.Fatalf("n=%d x[%d]=%v: in place got %v, want %v", n, i, v, m.Data[i], Tanh32(v))
				}
			}
		})
		t.Run("DerivAliased", func(t *testing.T) {
			m := FromSlice(1, n, append([]float32(nil), x...))
			Tanh.Deriv(m, m)
			for i, v := range x {
				y := Tanh32(v)
				if !sameFloat(m.Data[i], 1-y*y) {
					t.Fatalf("n=%d x[%d]=%v: in place got %v, want %v", n, i, v, m.Data[i], 1-y*y)
				}
			}
		})
	}
}

func TestTanhVec_Accuracy(t *testing.T) {
	// Reference: math.Tanh in float64; bound as in TestTanh32_Accuracy.
	const n = 24001
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(-12 + 1e-3*float64(i))
	}
	y := Tanh.Forward(nil, FromSlice(1, n, x))
	for i, v := range x {
		if d := math.Abs(float64(y.Data[i]) - math.Tanh(float64(v))); d > 5e-7 {
			t.Fatalf("tanh(%v) = %v, error %g > 5e-7", v, y.Data[i], d)
		}
	}
}
