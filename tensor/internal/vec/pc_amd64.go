//go:build amd64 && !purego

package vec

// gradStepAVX2 and residualAVX2 are implemented in pc_amd64.s.
//
//go:noescape
func gradStepAVX2(z, pe, x, df *float32, eta float32, n int)

//go:noescape
func residualAVX2(eps, pe, z, mu, pi *float32, n int, acc *[8]float32)

// GradStep writes z[i] −= eta·(pe[i] − x[i]·df[i]) for the leading multiple
// of 8 elements using AVX2 and returns how many it wrote (0 without AVX2).
// The slices have z's length.
func GradStep(z, pe, x, df []float32, eta float32) int {
	n := len(z) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	gradStepAVX2(&z[0], &pe[:n][0], &x[:n][0], &df[:n][0], eta, n)
	return n
}

// Residual writes e = z[i] − mu[i] to eps[i], p = pi[i]·e to pe[i] and adds
// p·e to acc[i mod 8], for the leading multiple of 8 elements using AVX2,
// and returns how many it processed (0 without AVX2). The slices have z's
// length.
func Residual(eps, pe, z, mu, pi []float32, acc *[8]float32) int {
	n := len(z) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	residualAVX2(&eps[:n][0], &pe[:n][0], &z[0], &mu[:n][0], &pi[:n][0], n, acc)
	return n
}
