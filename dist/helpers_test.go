package dist

import (
	"testing"

	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/tensor"
)

// fdStep is the central-difference step: large enough that float32 rounding
// of the evaluated losses (≈1e−7 relative) stays below 1e−4 in the
// quotient, small enough that the O(h²) truncation error is negligible.
const fdStep = 1e-3

// checkGrad compares analytic (∂f/∂x, computed at the current x) with central
// finite differences of f, perturbing x in place and restoring it.
func checkGrad(t *testing.T, name string, x []float32, f func() float64, analytic []float32) {
	t.Helper()
	x0 := gradcheck.F32(x)
	num := gradcheck.Numeric(func(v []float64) float64 {
		gradcheck.Set32(x, v)
		return f()
	}, x0, fdStep)
	gradcheck.Set32(x, x0)
	if err := gradcheck.Compare(gradcheck.F32(analytic), num, 2e-3, 2e-3); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

// weightedSum returns Σ w_i·v_i in float64 (w nil means ones).
func weightedSum(v, w []float32) float64 {
	var s float64
	for i, x := range v {
		if w == nil {
			s += float64(x)
		} else {
			s += float64(w[i]) * float64(x)
		}
	}
	return s
}

// mat returns an r×c Mat holding vals (copied).
func mat(r, c int, vals ...float32) *tensor.Mat {
	m := tensor.New(r, c)
	copy(m.Data, vals)
	return m
}

func near(a, b, tol float64) bool {
	d := a - b
	return d <= tol && -d <= tol
}
