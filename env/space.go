package env

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Space describes a set of observations or actions, each stored as a flat
// []float32 of length Dim().
type Space interface {
	// Dim is the number of float32 values one element occupies (the
	// product of a Box's shape; 1 for Discrete).
	Dim() int
	// Contains reports whether x is an element of the space (right length,
	// no NaN, inside the bounds, integral for Discrete).
	Contains(x []float32) bool
	// Sample draws an element with rng into dst (allocated when nil or of
	// the wrong length) and returns it.
	Sample(dst []float32, rng *rand.Rand) []float32
	// String describes the space, e.g. "Discrete(2)" or "Box(-1, 1, (3,))".
	String() string
}

// Box is the Cartesian product of closed intervals [Low[i], High[i]],
// float32 like Gymnasium's Box(dtype=float32). Bounds may be ±Inf. Shape is
// the logical shape (row-major); its product equals len(Low).
type Box struct {
	// Low and High are the per-dimension bounds (flat, len Dim()); ±Inf
	// means unbounded on that side.
	Low []float32
	// High is the upper bound of each dimension.
	High []float32
	// Shape is the logical shape; its product is len(Low).
	Shape []int
}

// NewBox returns a Box with the given bounds. A nil or empty shape means
// one dimension of length len(low). It panics if len(low) != len(high),
// if the shape does not multiply to len(low), if a bound is NaN or if
// low[i] > high[i].
func NewBox(low, high []float32, shape ...int) *Box {
	if len(low) != len(high) {
		panic(fmt.Sprintf("env: NewBox with %d low and %d high bounds", len(low), len(high)))
	}
	if len(shape) == 0 {
		shape = []int{len(low)}
	}
	n := 1
	for _, s := range shape {
		n *= s
	}
	if n != len(low) {
		panic(fmt.Sprintf("env: NewBox shape %v holds %d values, bounds have %d", shape, n, len(low)))
	}
	for i := range low {
		if low[i] != low[i] || high[i] != high[i] || low[i] > high[i] {
			panic(fmt.Sprintf("env: NewBox bound %d is [%v, %v]", i, low[i], high[i]))
		}
	}
	return &Box{Low: append([]float32(nil), low...), High: append([]float32(nil), high...), Shape: append([]int(nil), shape...)}
}

// UniformBox returns a Box of n dimensions all bounded by [low, high].
func UniformBox(low, high float32, n int) *Box {
	lo := make([]float32, n)
	hi := make([]float32, n)
	for i := range lo {
		lo[i], hi[i] = low, high
	}
	return NewBox(lo, hi)
}

// Dim returns len(b.Low).
func (b *Box) Dim() int { return len(b.Low) }

// Contains reports whether x has b.Dim() values, none NaN, each within its
// bounds.
func (b *Box) Contains(x []float32) bool {
	if len(x) != len(b.Low) {
		return false
	}
	for i, v := range x {
		if !(v >= b.Low[i] && v <= b.High[i]) {
			return false
		}
	}
	return true
}

// Sample draws each coordinate as Gymnasium does: uniform on a bounded
// interval, low + Exp(1) when only bounded below, high − Exp(1) when only
// bounded above, N(0, 1) when unbounded.
func (b *Box) Sample(dst []float32, rng *rand.Rand) []float32 {
	if len(dst) != len(b.Low) {
		dst = make([]float32, len(b.Low))
	}
	for i := range dst {
		lo, hi := float64(b.Low[i]), float64(b.High[i])
		var v float64
		switch {
		case !math.IsInf(lo, 0) && !math.IsInf(hi, 0):
			v = lo + (hi-lo)*rng.Float64()
		case !math.IsInf(lo, 0):
			v = lo + rng.ExpFloat64()
		case !math.IsInf(hi, 0):
			v = hi - rng.ExpFloat64()
		default:
			v = rng.NormFloat64()
		}
		f := float32(v)
		// Rounding to float32 may step just outside a bound.
		f = min(max(f, b.Low[i]), b.High[i])
		dst[i] = f
	}
	return dst
}

// String returns "Box(low, high, shape)" with scalar bounds when all
// coordinates share them.
func (b *Box) String() string {
	return fmt.Sprintf("Box(%s, %s, %s)", fmtBound(b.Low), fmtBound(b.High), fmtShape(b.Shape))
}

func fmtBound(v []float32) string {
	same := true
	for _, x := range v {
		if x != v[0] {
			same = false
			break
		}
	}
	if same && len(v) > 0 {
		return fmtF32(v[0])
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmtF32(x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func fmtF32(x float32) string {
	switch {
	case math.IsInf(float64(x), 1):
		return "inf"
	case math.IsInf(float64(x), -1):
		return "-inf"
	}
	return strconv.FormatFloat(float64(x), 'g', -1, 32)
}

func fmtShape(s []int) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = strconv.Itoa(x)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Discrete is the set {0, 1, ..., N-1}; an element is a one-value slice
// holding the index as a float32.
type Discrete struct {
	// N is the number of actions (≥ 1); the zero value is an empty,
	// unusable space.
	N int
}

// Dim returns 1.
func (d Discrete) Dim() int { return 1 }

// Contains reports whether x is one integral value in [0, N).
func (d Discrete) Contains(x []float32) bool {
	if len(x) != 1 {
		return false
	}
	v := x[0]
	return v >= 0 && v < float32(d.N) && v == float32(math.Trunc(float64(v)))
}

// Sample draws an index uniformly.
func (d Discrete) Sample(dst []float32, rng *rand.Rand) []float32 {
	if len(dst) != 1 {
		dst = make([]float32, 1)
	}
	dst[0] = float32(rng.IntN(d.N))
	return dst
}

// String returns "Discrete(N)".
func (d Discrete) String() string { return "Discrete(" + strconv.Itoa(d.N) + ")" }

// Index returns the action index held by a Discrete element. It panics with
// an "env:" message if x is not in d.
func (d Discrete) Index(x []float32) int {
	if !d.Contains(x) {
		panic(fmt.Sprintf("env: action %v is not in %s", x, d))
	}
	return int(x[0])
}
