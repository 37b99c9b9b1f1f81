package dist

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/tensor"
)

// log2Pi is log(2π).
var log2Pi = math.Log(2 * math.Pi)

// vecDst returns dst checked to have length n, allocating when dst is nil.
func vecDst(op string, dst []float32, n int) []float32 {
	if dst == nil {
		return make([]float32, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("dist: %s: dst has length %d, want %d", op, len(dst), n))
	}
	return dst
}

// matDst returns dst checked to be r×c, allocating when dst is nil.
func matDst(op string, dst *tensor.Mat, r, c int) *tensor.Mat {
	if dst == nil {
		return tensor.New(r, c)
	}
	if dst.Rows != r || dst.Cols != c {
		panic(fmt.Sprintf("dist: %s: dst is %d×%d, want %d×%d", op, dst.Rows, dst.Cols, r, c))
	}
	return dst
}

// gradDst prepares a gradient destination: nil is allocated zeroed, beta = 0
// clears it, beta = 1 keeps it, other values scale it.
func gradDst(op string, dst *tensor.Mat, r, c int, beta float32) *tensor.Mat {
	if dst == nil {
		return tensor.New(r, c)
	}
	dst = matDst(op, dst, r, c)
	switch beta {
	case 0:
		clear(dst.Data)
	case 1:
	default:
		for i := range dst.Data {
			dst.Data[i] *= beta
		}
	}
	return dst
}

// checkLen panics unless len(x) == n (nil allowed when nilOK).
func checkLen(op, name string, x []float32, n int, nilOK bool) {
	if x == nil && nilOK {
		return
	}
	if len(x) != n {
		panic(fmt.Sprintf("dist: %s: %s has length %d, want %d", op, name, len(x), n))
	}
}

// checkShape panics unless m is r×c.
func checkShape(op, name string, m *tensor.Mat, r, c int) {
	if m == nil || m.Rows != r || m.Cols != c {
		got := "nil"
		if m != nil {
			got = fmt.Sprintf("%d×%d", m.Rows, m.Cols)
		}
		panic(fmt.Sprintf("dist: %s: %s is %s, want %d×%d", op, name, got, r, c))
	}
}

// weight returns dy[i], or 1 when dy is nil.
func weight(dy []float32, i int) float64 {
	if dy == nil {
		return 1
	}
	return float64(dy[i])
}
