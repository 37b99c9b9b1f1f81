//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// hasFMA is fixed at start-up from the CPU's feature flags.
var hasFMA = hasAVX2 && cpu.X86.HasFMA

// mulSmallKAVX2 and mulSmallNAVX2 are implemented in mul_amd64.s.
//
//go:noescape
func mulSmallKAVX2(c, a, b *float32, m, k, n int)

//go:noescape
func mulSmallNAVX2(c, a, bt, bias *float32, m, k, n int)

// MulSmallK writes C = A·B for row-major A (m×k), B (k×n) and C (m×n) with
// AVX2 and FMA, each element summed over j in order by fused multiply-adds,
// and reports whether it did: it needs those instructions, k ≥ 1 and n a
// multiple of 8. It suits a small k (a product through a narrow layer).
func MulSmallK(c, a, b []float32, m, k, n int) bool {
	if !hasFMA || k < 1 || n%8 != 0 || m < 1 || n == 0 {
		return false
	}
	_, _, _ = c[m*n-1], a[m*k-1], b[k*n-1]
	mulSmallKAVX2(&c[0], &a[0], &b[0], m, k, n)
	return true
}

// MulSmallN writes C = A·Btᵀ, plus bias (length n) in every row unless bias
// is nil, for row-major A (m×k), Bt (n×k) and C (m×n) with AVX2 and FMA, each
// element a dot product summed in a fixed order, and reports whether it did:
// it needs those instructions and k a positive multiple of 8. It suits a
// small n (a product into a narrow layer).
func MulSmallN(c, a, bt, bias []float32, m, k, n int) bool {
	if !hasFMA || k < 8 || k%8 != 0 || m < 1 || n < 1 {
		return false
	}
	_, _, _ = c[m*n-1], a[m*k-1], bt[n*k-1]
	var bp *float32
	if bias != nil {
		bp = &bias[:n][0]
	}
	mulSmallNAVX2(&c[0], &a[0], &bt[0], bp, m, k, n)
	return true
}

//go:noescape
func reluAVX2(y, dy, x *float32, n int)

// ReLU writes y[i] = x[i] where x[i] > 0, else 0, and dy[i] = 1 where
// x[i] > 0, else 0 (NaN gives 0), for the leading multiple of 8 elements
// using AVX2, and returns how many it wrote (0 without AVX2). The slices
// have x's length.
func ReLU(y, dy, x []float32) int {
	n := len(x) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	reluAVX2(&y[:n][0], &dy[:n][0], &x[0], n)
	return n
}
