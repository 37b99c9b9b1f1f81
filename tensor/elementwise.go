package tensor

import (
	"fmt"
	"math"
)

// Add returns dst = a + b element-wise.
func Add(dst, a, b *Mat) *Mat {
	mustSame("Add", a, b)
	dst = ensure("Add", dst, a.Rows, a.Cols)
	d, x, y := dst.Data, a.Data, b.Data[:len(a.Data)]
	for i := range d {
		d[i] = x[i] + y[i]
	}
	return dst
}

// Sub returns dst = a − b element-wise.
func Sub(dst, a, b *Mat) *Mat {
	mustSame("Sub", a, b)
	dst = ensure("Sub", dst, a.Rows, a.Cols)
	d, x, y := dst.Data, a.Data, b.Data[:len(a.Data)]
	for i := range d {
		d[i] = x[i] - y[i]
	}
	return dst
}

// Mul returns dst = a ⊙ b (Hadamard product).
func Mul(dst, a, b *Mat) *Mat {
	mustSame("Mul", a, b)
	dst = ensure("Mul", dst, a.Rows, a.Cols)
	d, x, y := dst.Data, a.Data, b.Data[:len(a.Data)]
	for i := range d {
		d[i] = x[i] * y[i]
	}
	return dst
}

// Scale returns dst = s·a.
func Scale(dst *Mat, s float32, a *Mat) *Mat {
	dst = ensure("Scale", dst, a.Rows, a.Cols)
	d, x := dst.Data, a.Data[:len(dst.Data)]
	for i := range d {
		d[i] = s * x[i]
	}
	return dst
}

// AddScaled computes dst += s·a in place and returns dst (BLAS axpy).
func AddScaled(dst *Mat, s float32, a *Mat) *Mat {
	mustSame("AddScaled", dst, a)
	d, x := dst.Data, a.Data[:len(dst.Data)]
	for i := range d {
		d[i] += s * x[i]
	}
	return dst
}

// AddRowVec returns dst = a + 1·vᵀ: v (length a.Cols) is added to every row.
func AddRowVec(dst, a *Mat, v []float32) *Mat {
	if len(v) != a.Cols {
		panic(fmt.Sprintf("tensor: AddRowVec: vector has %d, want %d", len(v), a.Cols))
	}
	dst = ensure("AddRowVec", dst, a.Rows, a.Cols)
	c := a.Cols
	for i := 0; i < a.Rows; i++ {
		d, x := dst.Data[i*c:(i+1)*c], a.Data[i*c:(i+1)*c]
		for j := range d {
			d[j] = x[j] + v[j]
		}
	}
	return dst
}

// SumRowsInto computes dst = beta·dst + Σ_i a[i, :] (the column sums, length
// a.Cols), as needed for bias gradients; it returns dst.
func SumRowsInto(dst []float32, a *Mat, beta float32) []float32 {
	if len(dst) != a.Cols {
		panic(fmt.Sprintf("tensor: SumRowsInto: dst has %d, want %d", len(dst), a.Cols))
	}
	if beta != 1 {
		for j := range dst {
			dst[j] *= beta
		}
	}
	c := a.Cols
	for i := 0; i < a.Rows; i++ {
		x := a.Data[i*c : (i+1)*c]
		for j, v := range x {
			dst[j] += v
		}
	}
	return dst
}

// Dot returns Σ a_i·b_i accumulated in float64.
func Dot(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("tensor: Dot: lengths %d vs %d", len(a), len(b)))
	}
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

// SumSq returns Σ a_i² accumulated in float64.
func SumSq(a []float32) float64 {
	var s float64
	for _, v := range a {
		s += float64(v) * float64(v)
	}
	return s
}

// Sum returns Σ a_i accumulated in float64.
func Sum(a []float32) float64 {
	var s float64
	for _, v := range a {
		s += float64(v)
	}
	return s
}

// Softplus returns dst = log(1 + exp(a)) element-wise, computed stably
// (max(a,0) + log1p(exp(−|a|))).
func Softplus(dst, a *Mat) *Mat {
	dst = ensure("Softplus", dst, a.Rows, a.Cols)
	for i, v := range a.Data {
		dst.Data[i] = float32(SoftplusF64(float64(v)))
	}
	return dst
}

// SoftplusF64 is the scalar stable softplus log(1+eˣ).
func SoftplusF64(x float64) float64 {
	return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

// LogSumExpRows writes log Σ_j exp(a[i, j]) for each row i into dst (length
// a.Rows), stably (the row maximum is subtracted first). It returns dst.
func LogSumExpRows(dst []float32, a *Mat) []float32 {
	if dst == nil {
		dst = make([]float32, a.Rows)
	}
	if len(dst) != a.Rows {
		panic(fmt.Sprintf("tensor: LogSumExpRows: dst has %d, want %d", len(dst), a.Rows))
	}
	for i := 0; i < a.Rows; i++ {
		dst[i] = float32(LogSumExp(a.Row(i)))
	}
	return dst
}

// LogSumExp returns log Σ exp(x_i) computed stably in float64; −Inf for an
// empty x.
func LogSumExp(x []float32) float64 {
	if len(x) == 0 {
		return math.Inf(-1)
	}
	m := float64(x[0])
	for _, v := range x[1:] {
		m = math.Max(m, float64(v))
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

// SoftmaxRows returns dst with each row of a replaced by its softmax.
func SoftmaxRows(dst, a *Mat) *Mat {
	dst = ensure("SoftmaxRows", dst, a.Rows, a.Cols)
	for i := 0; i < a.Rows; i++ {
		x, d := a.Row(i), dst.Row(i)
		lse := LogSumExp(x)
		for j, v := range x {
			d[j] = float32(math.Exp(float64(v) - lse))
		}
	}
	return dst
}

// ArgmaxRow returns the index of the largest element of row i (the first on
// ties).
func (m *Mat) ArgmaxRow(i int) int {
	r := m.Row(i)
	best := 0
	for j, v := range r {
		if v > r[best] {
			best = j
		}
	}
	return best
}
