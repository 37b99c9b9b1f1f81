package tensor

import (
	"fmt"

	"github.com/vfe-go/vfe/tensor/internal/vec"
)

// GradStep writes z[i] −= eta·(pe[i] − x[i]·df[i]) for every i: one plain
// gradient step on z whose gradient is pe − x ⊙ df, in one pass (the
// predictive-coding update of a node with one child edge, where pe is the
// node's precision-weighted error, x the child's error carried back through
// the weights and df the derivative of the node's activation). Each
// operation is rounded in that order, without fused multiply-adds, on every
// path. It panics if a slice is shorter than z.
func GradStep(z, pe, x, df []float32, eta float32) {
	n := len(z)
	pe, x, df = pe[:n], x[:n], df[:n]
	for i := vec.GradStep(z, pe, x, df, eta); i < n; i++ {
		z[i] -= eta * (pe[i] - x[i]*df[i])
	}
}

// Residual writes eps = z − mu and pe = pi ⊙ eps element-wise and returns
// Σ_i pe[i]·eps[i] (the Gaussian quadratic form εᵀΠε for a diagonal Π), in
// one pass. The sum is formed in float32 in a fixed order on every path:
// eight partial sums s_j over the elements i ≡ j (mod 8) of the leading
// multiple of 8, combined as ((s0+s4)+(s1+s5))+((s2+s6)+(s3+s7)), then the
// remaining elements added in order. It panics if a slice is shorter than z.
func Residual(eps, pe, z, mu, pi []float32) float32 {
	n := len(z)
	eps, pe, mu, pi = eps[:n], pe[:n], mu[:n], pi[:n]
	var acc [8]float32
	i := vec.Residual(eps, pe, z, mu, pi, &acc)
	for ; i+8 <= n; i += 8 {
		for j := range acc {
			e := z[i+j] - mu[i+j]
			eps[i+j] = e
			p := pi[i+j] * e
			pe[i+j] = p
			acc[j] += p * e
		}
	}
	q := ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
	for ; i < n; i++ {
		e := z[i] - mu[i]
		eps[i] = e
		p := pi[i] * e
		pe[i] = p
		q += p * e
	}
	return q
}

// MulNarrowInner writes dst = a·b (dst m×n, a m×k, b k×n) with a kernel
// for a small inner dimension k, such as a product through a layer of a few
// units, where a BLAS call costs more than the arithmetic. Each element is
// summed over k in order by fused multiply-adds, so a row's result does not
// depend on the other rows. It reports false, leaving dst alone, where the
// kernel does not apply (it needs AVX2 and FMA and n a multiple of 8); use
// Gemm then. It panics on a shape mismatch.
func MulNarrowInner(dst, a, b *Mat) bool {
	if a.Cols != b.Rows || dst.Rows != a.Rows || dst.Cols != b.Cols {
		panic(fmt.Sprintf("tensor: MulNarrowInner: %d×%d · %d×%d into %d×%d", a.Rows, a.Cols, b.Rows, b.Cols, dst.Rows, dst.Cols))
	}
	return vec.MulSmallK(dst.Data, a.Data, b.Data, a.Rows, a.Cols, b.Cols)
}

// MulNarrowOut writes dst = a·btᵀ + 1·biasᵀ (dst m×n, a m×k, bt n×k; a nil
// bias adds nothing) with a kernel for a small output width n, such as a
// prediction of a layer of a few units. Each element is a dot product summed
// in a fixed order, so a row's result does not depend on the other rows. It
// reports false, leaving dst alone, where the kernel does not apply (it
// needs AVX2 and FMA and k a positive multiple of 8); use Gemm then. It
// panics on a shape mismatch.
func MulNarrowOut(dst, a, bt *Mat, bias []float32) bool {
	if a.Cols != bt.Cols || dst.Rows != a.Rows || dst.Cols != bt.Rows || (bias != nil && len(bias) != bt.Rows) {
		panic(fmt.Sprintf("tensor: MulNarrowOut: %d×%d · (%d×%d)ᵀ into %d×%d", a.Rows, a.Cols, bt.Rows, bt.Cols, dst.Rows, dst.Cols))
	}
	return vec.MulSmallN(dst.Data, a.Data, bt.Data, bias, a.Rows, a.Cols, bt.Rows)
}

// Packed is a k×n matrix B stored for MulPacked in panels of 16 columns, so
// that a product by the same B, repeated, skips the reordering a BLAS does
// on every call. Pack it again whenever B changes.
type Packed struct {
	K, N int
	Data []float32
}

// Pack stores B = b (trans false) or B = bᵀ (trans true) into dst and
// returns dst (nil allocates), reusing dst's storage when it fits. It
// reports ok = false, packing nothing, where MulPacked cannot use B (its
// column count is not a multiple of 16).
func Pack(dst *Packed, b *Mat, trans bool) (p *Packed, ok bool) {
	n := b.Cols
	if trans {
		n = b.Rows
	}
	if n%16 != 0 {
		if dst == nil {
			dst = &Packed{}
		}
		return dst, false
	}
	// A multiple of 16 columns needs no padding.
	return PackPadded(dst, b, trans)
}

// PackPadded is Pack for any column count n ≥ 1: when n is not a multiple
// of 16 the last panel is padded with zero columns (MulPacked writes only
// the n real ones). It returns dst (nil allocates), reusing its storage when
// it fits, and reports ok = false, packing nothing, only for an empty b.
func PackPadded(dst *Packed, b *Mat, trans bool) (p *Packed, ok bool) {
	if dst, ok = preparePacked(dst, b, trans); ok {
		vec.PackPanels(dst.Data, b.Data, dst.K, dst.N, trans)
	}
	return dst, ok
}

// preparePacked sizes dst (nil allocates) for PackPadded of b and reports
// whether b is non-empty.
func preparePacked(dst *Packed, b *Mat, trans bool) (*Packed, bool) {
	k, n := b.Rows, b.Cols
	if trans {
		k, n = n, k
	}
	if dst == nil {
		dst = &Packed{}
	}
	if n == 0 || k == 0 {
		return dst, false
	}
	size := k * vec.PaddedCols(n)
	if cap(dst.Data) < size {
		dst.Data = make([]float32, size)
	}
	dst.K, dst.N, dst.Data = k, n, dst.Data[:size]
	return dst, true
}

// CanMulPacked reports whether MulPacked has its kernel on this machine
// (AVX2 and FMA on amd64).
func CanMulPacked() bool { return vec.HasFMA() }

// MulPacked writes dst = a·B, or dst += a·B when acc, with a register-tiled
// AVX2/FMA kernel over B packed by Pack or PackPadded. Each element of dst is its old value
// (or 0) plus the products over B's rows in order by fused multiply-adds, so
// a row's result does not depend on the other rows (row workers keep the
// same bits). It reports false, leaving dst alone, where the kernel does not
// apply (no AVX2 and FMA); use Gemm then. It panics on a shape mismatch.
func MulPacked(dst, a *Mat, b *Packed, acc bool) bool {
	if a.Cols != b.K || dst.Rows != a.Rows || dst.Cols != b.N {
		panic(fmt.Sprintf("tensor: MulPacked: %d×%d · %d×%d into %d×%d", a.Rows, a.Cols, b.K, b.N, dst.Rows, dst.Cols))
	}
	if a.Rows == 0 {
		return true
	}
	return vec.MulPacked(dst.Data, a.Data, b.Data, a.Rows, b.N, b.K, a.Cols, dst.Cols, acc)
}
