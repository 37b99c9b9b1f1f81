package vec

import (
	"math"
	"testing"
)

func TestTanh_Coverage(t *testing.T) {
	// Reference: math.Tanh in float64; the rational approximation is good to
	// a few float32 ulps (tensor's tests check bit equality with the scalar).
	for _, n := range []int{0, 5, 8, 13, 64} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i-n/2) * 0.37
		}
		y, dy := make([]float32, n), make([]float32, n)
		done := Tanh(y, dy, x)
		if done != 0 && done != n&^7 {
			t.Fatalf("n=%d: wrote %d elements, want 0 or %d", n, done, n&^7)
		}
		for i := 0; i < done; i++ {
			want := math.Tanh(float64(x[i]))
			if math.Abs(float64(y[i])-want) > 5e-7 || math.Abs(float64(dy[i])-(1-want*want)) > 1e-6 {
				t.Fatalf("n=%d: tanh(%v) = %v, %v; want %v, %v", n, x[i], y[i], dy[i], want, 1-want*want)
			}
		}
	}
	t.Run("NaN", func(t *testing.T) {
		x := make([]float32, 8)
		x[3] = float32(math.NaN())
		y := make([]float32, 8)
		if Tanh(y, nil, x) == 8 && y[3] == y[3] {
			t.Fatalf("tanh(NaN) = %v, want NaN", y[3])
		}
	})
}
