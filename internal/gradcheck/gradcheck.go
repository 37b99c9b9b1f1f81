// Package gradcheck compares analytic gradients with central finite
// differences computed in float64 by gonum's diff/fd. It is for tests only.
package gradcheck

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/diff/fd"
)

// Numeric returns the central-difference gradient of f at x with step h
// (0 means 1e-4, suited to float32 models evaluated in float64).
func Numeric(f func(x []float64) float64, x []float64, h float64) []float64 {
	if h == 0 {
		h = 1e-4
	}
	g := make([]float64, len(x))
	fd.Gradient(g, f, x, &fd.Settings{Formula: fd.Central, Step: h})
	return g
}

// Compare returns an error naming the first coordinate where analytic and
// numeric differ by more than atol + rtol·max(|a|, |n|), or nil.
func Compare(analytic, numeric []float64, atol, rtol float64) error {
	if len(analytic) != len(numeric) {
		return fmt.Errorf("gradcheck: %d analytic vs %d numeric values", len(analytic), len(numeric))
	}
	for i := range analytic {
		a, n := analytic[i], numeric[i]
		if math.IsNaN(a) || math.IsNaN(n) || math.Abs(a-n) > atol+rtol*math.Max(math.Abs(a), math.Abs(n)) {
			return fmt.Errorf("gradcheck: coordinate %d: analytic %.6g, finite difference %.6g", i, a, n)
		}
	}
	return nil
}

// F32 copies float32 values into a new float64 slice.
func F32(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// Set32 copies float64 values into dst (float32).
func Set32(dst []float32, x []float64) {
	for i, v := range x {
		dst[i] = float32(v)
	}
}
