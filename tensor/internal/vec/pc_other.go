//go:build !amd64 || purego

package vec

// GradStep is the vector kernel's stand-in where there is none: it writes
// nothing and returns 0.
func GradStep(z, pe, x, df []float32, eta float32) int { return 0 }

// Residual is the vector kernel's stand-in where there is none: it writes
// nothing and returns 0.
func Residual(eps, pe, z, mu, pi []float32, acc *[8]float32) int { return 0 }
