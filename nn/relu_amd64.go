//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

// hasAVX2 is fixed at start-up from the CPU's feature flags.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasAVX

// reluAVX2 is implemented in relu_amd64.s.
//
//go:noescape
func reluAVX2(f, df, x *float32, n int)

// reluVec writes f = max(x, 0) and df = [x > 0] for the leading multiple of
// 8 elements with AVX2 and returns how many it wrote (0 without AVX2). The
// slices have x's length.
func reluVec(f, df, x []float32) int {
	n := len(x) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	reluAVX2(&f[:n][0], &df[:n][0], &x[0], n)
	return n
}

// mulAVX2 is implemented in relu_amd64.s.
//
//go:noescape
func mulAVX2(d, x, y *float32, n int)

// mulVec writes d = x⊙y for the leading multiple of 8 elements with AVX2
// and returns how many it wrote (0 without AVX2). The slices have d's
// length.
func mulVec(d, x, y []float32) int {
	n := len(d) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	mulAVX2(&d[0], &x[:n][0], &y[:n][0], n)
	return n
}
