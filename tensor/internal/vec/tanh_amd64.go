//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// hasAVX2 is fixed at start-up from the CPU's feature flags.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasAVX

// tanhAVX2 is implemented in tanh_amd64.s.
//
//go:noescape
func tanhAVX2(y, dy, x *float32, n int)

// Tanh writes y[i] = tensor.Tanh32(x[i]) and, when dy is not nil, dy[i] =
// 1 − y[i]² for the leading multiple of 8 elements using AVX2, and returns
// how many it wrote (0 without AVX2). The slices have x's length.
func Tanh(y, dy, x []float32) int {
	n := len(x) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	y = y[:n]
	var dp *float32
	if dy != nil {
		dp = &dy[:n][0]
	}
	tanhAVX2(&y[0], dp, &x[0], n)
	return n
}
