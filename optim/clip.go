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
// returns the norm before clipping (accumulated in float64). A non-finite
// norm is returned unchanged and the gradients are left alone, so callers
// can detect divergence. It does not allocate.
func ClipGradNorm(params []*nn.Param, maxNorm float64) float64 {
	var ss float64
	for _, p := range params {
		ss += tensor.SumSq(p.Grad.Data)
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
