package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"

	"github.com/vfe-go/vfe/tensor/internal/vec"
)

// Mat is a dense row-major float32 matrix. Data holds Rows*Cols values, row i
// at Data[i*Cols:(i+1)*Cols]. The zero Mat is a valid 0×0 matrix.
type Mat struct {
	Rows, Cols int
	Data       []float32
}

// New returns a zeroed r×c matrix. It panics if r or c is negative.
func New(r, c int) *Mat {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("tensor: New(%d, %d): negative dimension", r, c))
	}
	return &Mat{Rows: r, Cols: c, Data: make([]float32, r*c)}
}

// FromSlice wraps data (not copied) as an r×c matrix. It panics if
// len(data) != r*c.
func FromSlice(r, c int, data []float32) *Mat {
	if len(data) != r*c {
		panic(fmt.Sprintf("tensor: FromSlice(%d, %d) with %d values", r, c, len(data)))
	}
	return &Mat{Rows: r, Cols: c, Data: data}
}

// Len returns Rows*Cols.
func (m *Mat) Len() int { return m.Rows * m.Cols }

// At returns element (i, j).
func (m *Mat) At(i, j int) float32 { return m.Data[i*m.Cols+j] }

// Set sets element (i, j) to v.
func (m *Mat) Set(i, j int, v float32) { m.Data[i*m.Cols+j] = v }

// Row returns row i as a slice sharing m's storage.
func (m *Mat) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// RowsView returns rows [i, j) as a Mat sharing m's storage.
func (m *Mat) RowsView(i, j int) *Mat {
	if i < 0 || j > m.Rows || i > j {
		panic(fmt.Sprintf("tensor: RowsView(%d, %d) of %d rows", i, j, m.Rows))
	}
	return &Mat{Rows: j - i, Cols: m.Cols, Data: m.Data[i*m.Cols : j*m.Cols]}
}

// Resize sets m's shape to r×c, reusing its storage when the capacity
// suffices (contents are then unspecified) and allocating otherwise. It
// returns m. Resize lets per-batch buffers follow a changing batch size
// without allocating in the steady state.
func (m *Mat) Resize(r, c int) *Mat {
	n := r * c
	if cap(m.Data) < n {
		m.Data = make([]float32, n)
	}
	m.Data = m.Data[:n]
	m.Rows, m.Cols = r, c
	return m
}

// Zero sets every element to 0 and returns m.
func (m *Mat) Zero() *Mat {
	clear(m.Data)
	return m
}

// Fill sets every element to v and returns m.
func (m *Mat) Fill(v float32) *Mat {
	for i := range m.Data {
		m.Data[i] = v
	}
	return m
}

// Clone returns a deep copy of m.
func (m *Mat) Clone() *Mat {
	c := New(m.Rows, m.Cols)
	copy(c.Data, m.Data)
	return c
}

// CopyFrom copies src into m; the shapes must match. It returns m.
func (m *Mat) CopyFrom(src *Mat) *Mat {
	mustSame("CopyFrom", m, src)
	copy(m.Data, src.Data)
	return m
}

// SameShape reports whether a and b have equal dimensions.
func SameShape(a, b *Mat) bool { return a.Rows == b.Rows && a.Cols == b.Cols }

// HasNaNInf reports whether any element is NaN or ±Inf.
func (m *Mat) HasNaNInf() bool {
	for _, v := range m.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return true
		}
	}
	return false
}

// String formats small matrices for debugging.
func (m *Mat) String() string {
	return fmt.Sprintf("Mat(%d×%d)%v", m.Rows, m.Cols, m.Data)
}

// RandN fills m with independent N(0, std²) draws from rng and returns m.
// It panics if rng is nil.
func (m *Mat) RandN(rng *rand.Rand, std float64) *Mat {
	if rng == nil {
		panic("tensor: RandN with nil rng")
	}
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64() * std)
	}
	return m
}

// RandU fills m with independent Uniform[lo, hi) draws from rng and returns m.
func (m *Mat) RandU(rng *rand.Rand, lo, hi float64) *Mat {
	if rng == nil {
		panic("tensor: RandU with nil rng")
	}
	for i := range m.Data {
		m.Data[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return m
}

func mustSame(op string, a, b *Mat) {
	if a.Rows != b.Rows || a.Cols != b.Cols {
		panic(fmt.Sprintf("tensor: %s: shape %d×%d vs %d×%d", op, a.Rows, a.Cols, b.Rows, b.Cols))
	}
}

func ensure(op string, dst *Mat, r, c int) *Mat {
	if dst == nil {
		return New(r, c)
	}
	if dst.Rows != r || dst.Cols != c {
		panic(fmt.Sprintf("tensor: %s: dst is %d×%d, want %d×%d", op, dst.Rows, dst.Cols, r, c))
	}
	return dst
}

// Gemm computes dst = alpha·op(a)·op(b) + beta·dst, where op(x) is x or xᵀ as
// transA/transB say. With beta = 0 dst's old contents are ignored (NaN in dst
// does not propagate). A nil dst is allocated. It panics on a shape mismatch.
func Gemm(dst *Mat, transA, transB bool, alpha float32, a, b *Mat, beta float32) *Mat {
	m, k := a.Rows, a.Cols
	tA := blas.NoTrans
	if transA {
		m, k = k, m
		tA = blas.Trans
	}
	kb, n := b.Rows, b.Cols
	tB := blas.NoTrans
	if transB {
		kb, n = n, kb
		tB = blas.Trans
	}
	if k != kb {
		panic(fmt.Sprintf("tensor: Gemm: inner dimensions %d vs %d", k, kb))
	}
	if dst == nil {
		dst = New(m, n)
		beta = 0
	} else if dst.Rows != m || dst.Cols != n {
		panic(fmt.Sprintf("tensor: Gemm: dst is %d×%d, want %d×%d", dst.Rows, dst.Cols, m, n))
	}
	if m == 0 || n == 0 {
		return dst
	}
	if k == 0 {
		Scale(dst, beta, dst)
		return dst
	}
	impl.Sgemm(tA, tB, m, n, k, alpha, a.Data, max(a.Cols, 1), b.Data, max(b.Cols, 1), beta, dst.Data, max(dst.Cols, 1))
	return dst
}

// MatMul returns dst = a·b.
func MatMul(dst, a, b *Mat) *Mat { return Gemm(dst, false, false, 1, a, b, 0) }

// Gemv computes y = alpha·op(a)·x + beta·y for vectors x and y.
func Gemv(y []float32, trans bool, alpha float32, a *Mat, x []float32, beta float32) {
	t := blas.NoTrans
	m, n := a.Rows, a.Cols
	if trans {
		t = blas.Trans
		m, n = n, m
	}
	if len(x) != n || len(y) != m {
		panic(fmt.Sprintf("tensor: Gemv: x has %d, y has %d, want %d and %d", len(x), len(y), n, m))
	}
	if a.Rows == 0 || a.Cols == 0 {
		return
	}
	impl.Sgemv(t, a.Rows, a.Cols, alpha, a.Data, a.Cols, x, 1, beta, y, 1)
}

// GemmStrided computes C = alpha·op(A)·op(B) + beta·C on BLAS-style views
// of row-major storage: op(A) is m×k, op(B) is k×n and C is m×n, and
// consecutive rows of A, B and C start lda, ldb and ldc elements apart
// (each at least the number of columns stored). It lets callers work on a
// block of columns without copying. With beta = 0, C's old contents are
// ignored. It panics if a leading dimension is too small or a slice too
// short.
func GemmStrided(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	tA, ar, ac := blas.NoTrans, m, k
	if transA {
		tA, ar, ac = blas.Trans, k, m
	}
	tB, br, bc := blas.NoTrans, k, n
	if transB {
		tB, br, bc = blas.Trans, n, k
	}
	check := func(name string, s []float32, rows, cols, ld int) {
		if ld < max(cols, 1) || (rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols) {
			panic(fmt.Sprintf("tensor: GemmStrided: %s is %d×%d with leading dimension %d in %d values", name, rows, cols, ld, len(s)))
		}
	}
	check("A", a, ar, ac, lda)
	check("B", b, br, bc, ldb)
	check("C", c, m, n, ldc)
	if k == 0 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				if beta == 0 {
					row[j] = 0
				} else {
					row[j] *= beta
				}
			}
		}
		return
	}
	impl.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Transpose writes dst = aᵀ (dst is a.Cols×a.Rows; nil allocates) and
// returns dst, moving 8×8 blocks through AVX2 registers where available (the
// values are copied exactly either way). dst must not share storage with a.
// It panics on a shape mismatch.
func Transpose(dst, a *Mat) *Mat {
	dst = ensure("Transpose", dst, a.Cols, a.Rows)
	vec.Transpose(dst.Data, a.Data, a.Rows, a.Cols, a.Rows, a.Cols)
	return dst
}
