//go:build amd64 && !purego

package optim

import "golang.org/x/sys/cpu"

// hasAVX2 is fixed at start-up from the CPU's feature flags.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasAVX

// hasFMA adds the fused multiply-add that sumSqAVX2 needs.
var hasFMA = hasAVX2 && cpu.X86.HasFMA

// sumSqAVX2 is implemented in adam_amd64.s: sumSqLanes for n a positive
// multiple of 16.
//
//go:noescape
func sumSqAVX2(a *float32, n int) float64

// sumSqVec returns sumSqLanes(a) computed with AVX2 and FMA, len(a) a
// positive multiple of 16, and whether it could.
func sumSqVec(a []float32) (float64, bool) {
	if !hasFMA {
		return 0, false
	}
	return sumSqAVX2(&a[0], len(a)), true
}

// adamAVX2 is implemented in adam_amd64.s; k holds b1, 1−b1, b2, 1−b2,
// stepSize, invSqrtBc2 and eps.
//
//go:noescape
func adamAVX2(th, grad, mom, vel *float32, k *[7]float32, n int)

// adamVec applies adamKernel's update without weight decay to the leading
// multiple of 8 elements with AVX2 and returns how many it updated (0
// without AVX2). The slices have th's length.
func adamVec(th, g, m, v []float32, k *[7]float32) int {
	n := len(th) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	adamAVX2(&th[0], &g[:n][0], &m[:n][0], &v[:n][0], k, n)
	return n
}

// polyakAVX2 is implemented in adam_amd64.s.
//
//go:noescape
func polyakAVX2(d, x *float32, t, o float32, n int)

// polyakVec writes d = t·x + o·d for the leading multiple of 8 elements
// with AVX2 and returns how many it wrote (0 without AVX2). The slices
// have d's length.
func polyakVec(d, x []float32, t, o float32) int {
	n := len(d) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	polyakAVX2(&d[0], &x[:n][0], t, o, n)
	return n
}
