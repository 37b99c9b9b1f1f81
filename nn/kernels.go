package nn

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/tensor"
)

// reluForwardDeriv writes f = max(x, 0) and f' = [x > 0] (1 or 0) for
// every element, as tensor.ReLU.ForwardDeriv does (NaN and ±0 give 0 and
// 0), without branches: a data-dependent branch on the sign of a
// pre-activation is mispredicted about half the time, which made this
// pass cost more than the 256-wide GEMM beside it. AVX2 handles the
// leading multiple of 8 elements where available. The result is
// bit-identical to tensor.ReLU.ForwardDeriv.
func reluForwardDeriv(f, df, x *tensor.Mat) {
	if !tensor.SameShape(f, x) || !tensor.SameShape(df, x) {
		panic(fmt.Sprintf("nn: ReLU forward: shapes %d×%d, %d×%d and %d×%d differ",
			f.Rows, f.Cols, df.Rows, df.Cols, x.Rows, x.Cols))
	}
	reluSlices(f.Data, df.Data[:len(f.Data)], x.Data[:len(f.Data)])
}

// reluSlices writes fd = max(s, 0) and dd = 1 where s > 0, else 0.
func reluSlices(fd, dd, s []float32) {
	const one = 0x3f800000 // float32 1
	for i := reluVec(fd, dd, s); i < len(s); i++ {
		v := s[i]
		// v > 0 exactly when its bits b lie in [1, 0x7f800000] (positive
		// finite or +Inf; not ±0, negatives or NaN): the mask is all ones
		// when b − 1 < 0x7f800000, computed with a 64-bit subtraction's
		// sign so that b = 0 wraps to a large value.
		u := int64(math.Float32bits(v) - 1)
		m := uint32((u - 0x7f800000) >> 63)
		fd[i] = math.Float32frombits(math.Float32bits(v) & m)
		dd[i] = math.Float32frombits(one & m)
	}
}

// sumRowsAdd adds the column sums of a to dst (dst[j] += Σ_i a[i][j]) with
// the additions of each column in row order, so the result is
// bit-identical to tensor.SumRowsInto(dst, a, 1); eight columns advance
// together so that the additions pipeline instead of waiting on one
// another through memory.
func sumRowsAdd(dst []float32, a *tensor.Mat) {
	c := a.Cols
	if len(dst) != c {
		panic(fmt.Sprintf("nn: bias gradient: %d columns, want %d", c, len(dst)))
	}
	rows := a.Rows
	data := a.Data[:rows*c]
	j := 0
	for ; j+8 <= c; j += 8 {
		d := dst[j : j+8 : j+8]
		s0, s1, s2, s3, s4, s5, s6, s7 := d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
		for i := j; i < len(data); i += c {
			r := data[i : i+8 : i+8]
			s0 += r[0]
			s1 += r[1]
			s2 += r[2]
			s3 += r[3]
			s4 += r[4]
			s5 += r[5]
			s6 += r[6]
			s7 += r[7]
		}
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s0, s1, s2, s3, s4, s5, s6, s7
	}
	for ; j < c; j++ {
		s := dst[j]
		for i := j; i < len(data); i += c {
			s += data[i]
		}
		dst[j] = s
	}
}

// mulInto writes dst = a⊙b (dst may alias a or b) as tensor.Mul does,
// with AVX2 for the leading multiple of 8 elements where available; nil
// dst is allocated. It panics if the shapes differ.
func mulInto(dst, a, b *tensor.Mat) *tensor.Mat {
	if dst == nil || !tensor.SameShape(a, b) || !tensor.SameShape(dst, a) {
		return tensor.Mul(dst, a, b) // allocates, or panics on a mismatch
	}
	mulSlices(dst.Data, a.Data[:len(dst.Data)], b.Data[:len(dst.Data)])
	return dst
}

// mulSlices writes d = x ⊙ y.
func mulSlices(d, x, y []float32) {
	for i := mulVec(d, x, y); i < len(d); i++ {
		d[i] = x[i] * y[i]
	}
}
