//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:noescape
func gemm4x16AVX2(c, a, bp *float32, k, lda, ldc int, acc bool)

//go:noescape
func gemm8x16AVX512(c, a, bp *float32, k, lda, ldc int, acc bool)

//go:noescape
func gemm1x16AVX2(c, a, bp *float32, k int, acc bool)

// has8Rows reports whether MulPacked takes eight-row tiles (AVX-512VL for
// the registers Y16–Y31). Tests turn it off to compare the tiles.
var has8Rows = hasFMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

// rowBlock is the number of rows of A that MulPacked keeps in cache (a
// multiple of 4) while the panels of B pass over them.
const rowBlock = 32

// MulPacked writes C = A·B, or C += A·B when acc, for row-major A (m×k, row
// stride lda) and C (m×n, row stride ldc) and B packed by PackPanels (k×n),
// with AVX2 and FMA, and reports whether it did (false without those
// instructions, or for k < 1). Each element of C is its old value (or 0)
// plus A[i, j]·B[j, l] for j in order by fused multiply-adds, so a row's
// result does not depend on the other rows. When n is not a multiple of 16
// the last panel's tiles go through a buffer on the stack, with the same
// arithmetic.
func MulPacked(c, a, bp []float32, m, n, k, lda, ldc int, acc bool) bool {
	if !hasFMA || k < 1 || n < 1 || m < 1 {
		return false
	}
	_, _, _ = c[(m-1)*ldc+n-1], a[(m-1)*lda+k-1], bp[k*PaddedCols(n)-1]
	full := n / 16
	// Blocks of rowBlock rows of A stay in cache while every panel of B
	// passes over them.
	for i0 := 0; i0 < m; i0 += rowBlock {
		i1 := min(i0+rowBlock, m)
		for p := 0; p < full; p++ {
			panel := &bp[p*k*16]
			i := i0
			if has8Rows {
				for ; i+8 <= i1; i += 8 {
					gemm8x16AVX512(&c[i*ldc+16*p], &a[i*lda], panel, k, 4*lda, 4*ldc, acc)
				}
			}
			for ; i+4 <= i1; i += 4 {
				gemm4x16AVX2(&c[i*ldc+16*p], &a[i*lda], panel, k, 4*lda, 4*ldc, acc)
			}
			for ; i < i1; i++ {
				gemm1x16AVX2(&c[i*ldc+16*p], &a[i*lda], panel, k, acc)
			}
		}
	}
	r := n - 16*full
	if r == 0 {
		return true
	}
	panel := &bp[full*k*16]
	var tile [64]float32
	for i := 0; i < m; i += 4 {
		rows := min(4, m-i)
		if acc {
			for ii := 0; ii < rows; ii++ {
				copy(tile[ii*16:ii*16+r], c[(i+ii)*ldc+16*full:(i+ii)*ldc+n])
			}
		}
		if rows == 4 {
			gemm4x16AVX2(&tile[0], &a[i*lda], panel, k, 4*lda, 4*16, acc)
		} else {
			for ii := 0; ii < rows; ii++ {
				gemm1x16AVX2(&tile[ii*16], &a[(i+ii)*lda], panel, k, acc)
			}
		}
		for ii := 0; ii < rows; ii++ {
			copy(c[(i+ii)*ldc+16*full:(i+ii)*ldc+n], tile[ii*16:ii*16+r])
		}
	}
	return true
}

// HasFMA reports whether MulPacked, MulSmallK and MulSmallN have their
// AVX2 and FMA kernels on this machine.
func HasFMA() bool { return hasFMA }
