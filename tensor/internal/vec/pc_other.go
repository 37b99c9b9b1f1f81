//go:build !amd64 || purego

package vec

// GradStep is the vector kernel's stand-in where there is none: it writes
// nothing and returns 0.
func GradStep(z, pe, x, df []float32, eta float32) int { return 0 }

// Residual is the vector kernel's stand-in where there is none: it writes
// nothing and returns 0.
func Residual(eps, pe, z, mu, pi []float32, acc *[8]float32) int { return 0 }

// MulSmallK is the vector kernel's stand-in where there is none: it
// reports false.
func MulSmallK(c, a, b []float32, m, k, n int) bool { return false }

// MulSmallN is the vector kernel's stand-in where there is none: it
// reports false.
func MulSmallN(c, a, bt, bias []float32, m, k, n int) bool { return false }

// ReLU is the vector kernel's stand-in where there is none: it writes
// nothing and returns 0.
func ReLU(y, dy, x []float32) int { return 0 }

// MulPacked is the vector kernel's stand-in where there is none: it
// reports false.
func MulPacked(c, a, bp []float32, m, n, k, lda, ldc int, acc bool) bool { return false }

// HasFMA reports false: there are no vector kernels here.
func HasFMA() bool { return false }
