package optim

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// AdamConfig configures Adam and AdamW. Zero fields mean zero (β₁ = 0 is a
// valid choice), so start from DefaultAdamConfig or DefaultAdamWConfig.
type AdamConfig struct {
	// LR is the step size α ≥ 0 (default 1e-3).
	LR float64 `json:"lr"`
	// Beta1 is β₁ ∈ [0, 1), the decay of the first-moment average (default 0.9).
	Beta1 float64 `json:"beta1"`
	// Beta2 is β₂ ∈ [0, 1), the decay of the second-moment average (default 0.999).
	Beta2 float64 `json:"beta2"`
	// Eps is ε ≥ 0, added to √v̂ outside the square root as PyTorch does
	// (default 1e-8).
	Eps float64 `json:"eps"`
	// WeightDecay is λ ≥ 0. For Adam it is an L2 term λθ added to the
	// gradient (default 0); for AdamW it is decoupled decay θ ← θ − αλθ
	// (default 0.01, PyTorch's AdamW default).
	WeightDecay float64 `json:"weight_decay"`
}

// DefaultAdamConfig returns α = 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0
// (PyTorch's torch.optim.Adam defaults).
func DefaultAdamConfig() AdamConfig {
	return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// DefaultAdamWConfig returns DefaultAdamConfig with λ = 0.01 (PyTorch's
// torch.optim.AdamW defaults).
func DefaultAdamWConfig() AdamConfig {
	c := DefaultAdamConfig()
	c.WeightDecay = 0.01
	return c
}

// Validate reports the first out-of-range field.
func (c AdamConfig) Validate() error {
	finiteNonNeg := func(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }
	switch {
	case !finiteNonNeg(c.LR):
		return fmt.Errorf("optim: Adam lr %v must be finite and ≥ 0", c.LR)
	case !(c.Beta1 >= 0 && c.Beta1 < 1):
		return fmt.Errorf("optim: Adam beta1 %v must be in [0, 1)", c.Beta1)
	case !(c.Beta2 >= 0 && c.Beta2 < 1):
		return fmt.Errorf("optim: Adam beta2 %v must be in [0, 1)", c.Beta2)
	case !finiteNonNeg(c.Eps):
		return fmt.Errorf("optim: Adam eps %v must be finite and ≥ 0", c.Eps)
	case !finiteNonNeg(c.WeightDecay):
		return fmt.Errorf("optim: Adam weight decay %v must be finite and ≥ 0", c.WeightDecay)
	}
	return nil
}

// Adam is Kingma & Ba's Adam with PyTorch's torch.optim.Adam and
// torch.optim.AdamW semantics. Per parameter θ with gradient g, at step
// t = 1, 2, …:
//
//	θ ← θ − αλθ                      (AdamW only: decoupled weight decay)
//	g ← g + λθ                       (Adam only: L2 weight decay)
//	m ← β₁m + (1−β₁)g
//	v ← β₂v + (1−β₂)g²
//	θ ← θ − α·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
//
// With ε → 0 the first step is θ ← θ − α·sign(g). Step does not allocate.
type Adam struct {
	cfg       AdamConfig
	decoupled bool
	params    []*nn.Param
	m, v      []*tensor.Mat
	t         int
	stepT     *tensor.Mat
	w         *tensor.Workers
	task      adamTask
}

// adamSegment is elements lo … hi−1 of parameter i.
type adamSegment struct{ i, lo, hi int }

// adamTask is one Step's update over segments of the parameters (one per
// parameter, or pieces of adamSegmentLen values with workers), run through
// tensor.Workers.
type adamTask struct {
	a                                                    *Adam
	segs                                                 []adamSegment
	l2, b1, ob1, b2, ob2, stepSize, invSqrtBc2, eps, dec float32
	decay                                                bool // AdamW with weight decay: θ ← dec·θ first
}

// adamSegmentLen is the length of the pieces a parallel Step hands out.
const adamSegmentLen = 4096

func (t *adamTask) RunRows(lo, hi int) {
	a := t.a
	for _, sg := range t.segs[lo:hi] {
		th := a.params[sg.i].Val.Data[sg.lo:sg.hi]
		if t.decay {
			for j := range th {
				th[j] *= t.dec
			}
		}
		adamKernel(th, a.params[sg.i].Grad.Data[sg.lo:sg.hi], a.m[sg.i].Data[sg.lo:sg.hi], a.v[sg.i].Data[sg.lo:sg.hi],
			t.l2, t.b1, t.ob1, t.b2, t.ob2, t.stepSize, t.invSqrtBc2, t.eps)
	}
}

// SetWorkers splits Step's element-wise updates among w's goroutines (nil:
// the calling goroutine) in pieces of 4096 values. Every value gets the
// same operations either way, so the results do not depend on w. The pool
// is not owned by the optimiser.
func (a *Adam) SetWorkers(w *tensor.Workers) {
	a.w = w
	a.task.segs = a.task.segs[:0]
	for i, p := range a.params {
		piece := p.Val.Len() // one goroutine: whole parameters
		if w.N() > 1 {
			piece = adamSegmentLen
		}
		for lo := 0; lo < p.Val.Len(); lo += piece {
			a.task.segs = append(a.task.segs, adamSegment{i, lo, min(lo+piece, p.Val.Len())})
		}
	}
}

var _ Optimizer = (*Adam)(nil)

// NewAdam returns Adam (L2 weight decay) over params. It returns an error if
// cfg is invalid and panics if a parameter's Grad does not match its Val.
func NewAdam(params []*nn.Param, cfg AdamConfig) (*Adam, error) {
	return newAdam("NewAdam", params, cfg, false)
}

// NewAdamW returns AdamW (decoupled weight decay, Loshchilov & Hutter) over
// params. It returns an error if cfg is invalid and panics if a parameter's
// Grad does not match its Val.
func NewAdamW(params []*nn.Param, cfg AdamConfig) (*Adam, error) {
	return newAdam("NewAdamW", params, cfg, true)
}

func newAdam(op string, params []*nn.Param, cfg AdamConfig, decoupled bool) (*Adam, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	checkParams(op, params)
	a := &Adam{cfg: cfg, decoupled: decoupled, params: params,
		m: zeroLike(params), v: zeroLike(params), stepT: tensor.New(1, 2)}
	a.SetWorkers(nil)
	return a, nil
}

// Config returns the configuration with the current learning rate.
func (a *Adam) Config() AdamConfig { return a.cfg }

// Decoupled reports whether this is AdamW.
func (a *Adam) Decoupled() bool { return a.decoupled }

// Steps returns t, the number of Step calls so far (restored by LoadState).
func (a *Adam) Steps() int { return a.t }

// LR returns α.
func (a *Adam) LR() float64 { return a.cfg.LR }

// SetLR sets α for the next steps.
func (a *Adam) SetLR(lr float64) { a.cfg.LR = lr }

// ZeroGrad zeroes the gradients of the parameters.
func (a *Adam) ZeroGrad() { nn.ZeroGrad(a.params) }

// Step applies one update from the current gradients.
func (a *Adam) Step() {
	a.t++
	c := a.cfg
	t := float64(a.t)
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2 := 1 - math.Pow(c.Beta2, t)
	stepSize := float32(c.LR / bc1)
	invSqrtBc2 := float32(1 / math.Sqrt(bc2))
	eps := float32(c.Eps)
	b1, b2 := float32(c.Beta1), float32(c.Beta2)
	ob1, ob2 := float32(1-c.Beta1), float32(1-c.Beta2) // rounded once, as PyTorch does
	wd := float32(c.WeightDecay)
	decay := float32(1 - c.LR*c.WeightDecay)
	l2 := wd
	if a.decoupled {
		l2 = 0
	}
	a.task = adamTask{a: a, segs: a.task.segs, l2: l2, b1: b1, ob1: ob1, b2: b2, ob2: ob2,
		stepSize: stepSize, invSqrtBc2: invSqrtBc2, eps: eps, dec: decay, decay: a.decoupled && wd != 0}
	a.w.Run(len(a.task.segs), &a.task)
}

// adamKernel applies the moment updates and the bias-corrected step to one
// parameter tensor; l2 is the coupled weight decay (0 for none).
func adamKernel(th, g, m, v []float32, l2, b1, ob1, b2, ob2, stepSize, invSqrtBc2, eps float32) {
	n := len(th)
	g, m, v = g[:n], m[:n], v[:n]
	j0 := 0
	if l2 == 0 {
		// The vector kernel rounds every operation as the loop below does.
		j0 = adamVec(th, g, m, v, &[7]float32{b1, ob1, b2, ob2, stepSize, invSqrtBc2, eps})
	}
	for j := j0; j < n; j++ {
		gj := g[j]
		if l2 != 0 {
			gj += l2 * th[j]
		}
		mj := b1*m[j] + ob1*gj
		vj := b2*v[j] + ob2*gj*gj
		m[j], v[j] = mj, vj
		th[j] -= stepSize * mj / (float32(math.Sqrt(float64(vj)))*invSqrtBc2 + eps)
	}
}

// State returns "step" (see the package doc for its encoding),
// "exp_avg.<i>" (m) and "exp_avg_sq.<i>" (v) per parameter index i. The
// tensors alias the optimiser's buffers: serialise them before the next
// Step.
func (a *Adam) State() []nn.NamedTensor {
	out := make([]nn.NamedTensor, 0, 1+2*len(a.params))
	out = append(out, nn.NamedTensor{Name: stepKey, Val: stepTensor(a.stepT, a.t)})
	for i := range a.params {
		out = append(out,
			nn.NamedTensor{Name: bufKey("exp_avg", i), Val: a.m[i]},
			nn.NamedTensor{Name: bufKey("exp_avg_sq", i), Val: a.v[i]})
	}
	return out
}

// LoadState restores a State. It returns an error, leaving a unchanged, if
// a key is missing or unexpected or a shape differs.
func (a *Adam) LoadState(state []nn.NamedTensor) error {
	want := map[string]*tensor.Mat{stepKey: tensor.New(1, 2)}
	m, v := zeroLike(a.params), zeroLike(a.params)
	for i := range a.params {
		want[bufKey("exp_avg", i)] = m[i]
		want[bufKey("exp_avg_sq", i)] = v[i]
	}
	if err := loadState(state, want); err != nil {
		return err
	}
	t, err := decodeStep(want[stepKey])
	if err != nil {
		return err
	}
	a.t = t
	for i := range a.params {
		a.m[i].CopyFrom(m[i])
		a.v[i].CopyFrom(v[i])
	}
	return nil
}
