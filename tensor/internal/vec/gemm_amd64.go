//go:build amd64 && !purego

package vec

//go:noescape
func gemm4x16AVX2(c, a, bp *float32, k, lda, ldc int, acc bool)

//go:noescape
func gemm1x16AVX2(c, a, bp *float32, k int, acc bool)

// MulPacked writes C = A·B, or C += A·B when acc, for row-major A (m×k, row
// stride lda) and C (m×n, row stride ldc) and B packed by PackPanels (k×n, n
// a multiple of 16), with AVX2 and FMA, and reports whether it did (false
// without those instructions, or for k < 1). Each element of C is its old
// value (or 0) plus A[i, j]·B[j, l] for j in order by fused multiply-adds, so
// a row's result does not depend on the other rows.
func MulPacked(c, a, bp []float32, m, n, k, lda, ldc int, acc bool) bool {
	if !hasFMA || k < 1 || n%16 != 0 || m < 1 {
		return false
	}
	_, _, _ = c[(m-1)*ldc+n-1], a[(m-1)*lda+k-1], bp[k*n-1]
	for p := 0; p < n/16; p++ {
		panel := &bp[p*k*16]
		i := 0
		for ; i+4 <= m; i += 4 {
			gemm4x16AVX2(&c[i*ldc+16*p], &a[i*lda], panel, k, 4*lda, 4*ldc, acc)
		}
		for ; i < m; i++ {
			gemm1x16AVX2(&c[i*ldc+16*p], &a[i*lda], panel, k, acc)
		}
	}
	return true
}

// HasFMA reports whether MulPacked, MulSmallK and MulSmallN have their
// AVX2 and FMA kernels on this machine.
func HasFMA() bool { return hasFMA }
