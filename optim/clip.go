package optim

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// ClipGradNorm rescales the gradients of params in place so that their
// global L2 norm ‖(g₁, …, g_n)‖₂ is at most maxNorm, with PyTorch's
// torch.nn.utils.clip_grad_norm_ semantics: every gradient is multiplied by
// c = maxNorm/(norm + 1e-6) when c < 1, and left alone otherwise. It
// returns the norm before clipping (squares summed in float64 by sumSq, in
// the same order on every machine). A non-finite
// norm is returned unchanged and the gradients are left alone, so callers
// can detect divergence. It does not allocate.
func ClipGradNorm(params []*nn.Param, maxNorm float64) float64 {
	var ss float64
	for _, p := range params {
		ss += sumSq(p.Grad.Data)
	}
	norm := math.Sqrt(ss)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm
	}
	c := maxNorm / (norm + 1e-6)
	if c < 1 {
		cf := float32(c)
		for _, p := range params {
			g := p.Grad.Data
			for i := range g {
				g[i] *= cf
			}
		}
	}
	return norm
}

// Polyak moves target towards source by Polyak (exponential moving)
// averaging of the values, θ' ← τθ + (1−τ)θ', with τ ∈ [0, 1]: τ = 1 copies
// source, τ = 0 leaves target unchanged (SAC and TD3 use τ = 0.005). It
// panics if the lengths or shapes differ. It does not allocate.
func Polyak(target, source []*nn.Param, tau float64) {
	if len(target) != len(source) {
		panic(fmt.Sprintf("optim: Polyak: %d target vs %d source parameters", len(target), len(source)))
	}
	t32, o32 := float32(tau), float32(1-tau)
	for i, p := range target {
		s := source[i]
		if !tensor.SameShape(p.Val, s.Val) {
			panic(fmt.Sprintf("optim: Polyak: parameter %d is %d×%d, source is %d×%d",
				i, p.Val.Rows, p.Val.Cols, s.Val.Rows, s.Val.Cols))
		}
		d, x := p.Val.Data, s.Val.Data[:len(p.Val.Data)]
		if tau == 1 {
			copy(d, x)
			continue
		}
		for j := polyakVec(d, x, t32, o32); j < len(d); j++ {
			d[j] = t32*x[j] + o32*d[j]
		}
	}
}

// sumSq returns Σ a_i² in float64, in a fixed order on every machine:
// the leading multiple of 16 elements go to 16 lanes (element i to lane
// i mod 16, each lane a chain of fused multiply-adds), the lanes are
// combined as sumSqLanes does, and the remaining elements are fused into
// the total one by one. With AVX2 and FMA the lanes are four registers of
// four float64s (sumSqVec), several times faster than one serial chain.
func sumSq(a []float32) float64 {
	n := len(a) &^ 15
	var s float64
	if n > 0 {
		var ok bool
		if s, ok = sumSqVec(a[:n]); !ok {
			s = sumSqLanes(a[:n])
		}
	}
	for _, v := range a[n:] {
		x := float64(v)
		s = math.FMA(x, x, s)
	}
	return s
}

// sumSqLanes is sumSqVec's arithmetic in Go for len(a) a multiple of 16:
// lane sums l₀ … l₁₅, then registers added pairwise ((l₀…₃ + l₄…₇) +
// (l₈…₁₁ + l₁₂…₁₅)) into four sums t₀ … t₃, then (t₀ + t₂) + (t₁ + t₃).
func sumSqLanes(a []float32) float64 {
	var l [16]float64
	for i := 0; i < len(a); i += 16 {
		for j, v := range a[i : i+16 : i+16] {
			x := float64(v)
			l[j] = math.FMA(x, x, l[j])
		}
	}
	var t [4]float64
	for j := range t {
		t[j] = (l[j] + l[4+j]) + (l[8+j] + l[12+j])
	}
	return (t[0] + t[2]) + (t[1] + t[3])
}
