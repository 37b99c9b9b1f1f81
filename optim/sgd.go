package optim

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// SGDConfig configures SGD. The zero value is plain SGD with learning rate 0
// (no update); start from DefaultSGDConfig.
type SGDConfig struct {
	// LR is the step size η ≥ 0 (default 0.01).
	LR float64 `json:"lr"`
	// Momentum is μ ∈ [0, 1) (default 0: no momentum buffer).
	Momentum float64 `json:"momentum"`
	// Dampening is τ ∈ [0, 1]: the buffer adds (1−τ)·g (default 0).
	Dampening float64 `json:"dampening"`
	// WeightDecay is the L2 coefficient λ ≥ 0 added to the gradient as λ·θ
	// (default 0: none).
	WeightDecay float64 `json:"weight_decay"`
	// Nesterov selects Nesterov momentum (needs Momentum > 0 and Dampening 0).
	Nesterov bool `json:"nesterov"`
}

// DefaultSGDConfig returns LR 0.01 and everything else zero.
func DefaultSGDConfig() SGDConfig { return SGDConfig{LR: 0.01} }

// Validate reports the first out-of-range field.
func (c SGDConfig) Validate() error {
	switch {
	case !(c.LR >= 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("optim: SGD lr %v must be finite and ≥ 0", c.LR)
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return fmt.Errorf("optim: SGD momentum %v must be in [0, 1)", c.Momentum)
	case !(c.Dampening >= 0 && c.Dampening <= 1):
		return fmt.Errorf("optim: SGD dampening %v must be in [0, 1]", c.Dampening)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("optim: SGD weight decay %v must be finite and ≥ 0", c.WeightDecay)
	case c.Nesterov && (c.Momentum == 0 || c.Dampening != 0):
		return fmt.Errorf("optim: SGD Nesterov momentum needs momentum > 0 and dampening 0")
	}
	return nil
}

// SGD is stochastic gradient descent with PyTorch's torch.optim.SGD
// semantics. Per parameter θ with gradient g, at step t = 1, 2, …:
//
//	g ← g + λθ                                   (weight decay)
//	b ← g if t = 1, else μb + (1−τ)g             (momentum, when μ ≠ 0)
//	g ← g + μb if Nesterov, else g ← b
//	θ ← θ − η·g
//
// Step does not allocate.
type SGD struct {
	cfg    SGDConfig
	params []*nn.Param
	buf    []*tensor.Mat // momentum buffers b (nil without momentum)
	t      int
	stepT  *tensor.Mat
}

var _ Optimizer = (*SGD)(nil)

// NewSGD returns an SGD optimiser over params. It returns an error if cfg is
// invalid and panics if a parameter's Grad does not match its Val.
func NewSGD(params []*nn.Param, cfg SGDConfig) (*SGD, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	checkParams("NewSGD", params)
	s := &SGD{cfg: cfg, params: params, stepT: tensor.New(1, 2)}
	if cfg.Momentum != 0 {
		s.buf = zeroLike(params)
	}
	return s, nil
}

// Config returns the configuration with the current learning rate.
func (s *SGD) Config() SGDConfig { return s.cfg }

// Steps returns the number of Step calls so far (restored by LoadState).
func (s *SGD) Steps() int { return s.t }

// LR returns η.
func (s *SGD) LR() float64 { return s.cfg.LR }

// SetLR sets η for the next steps.
func (s *SGD) SetLR(lr float64) { s.cfg.LR = lr }

// ZeroGrad zeroes the gradients of the parameters.
func (s *SGD) ZeroGrad() { nn.ZeroGrad(s.params) }

// Step applies one update from the current gradients.
func (s *SGD) Step() {
	s.t++
	lr := float32(s.cfg.LR)
	wd := float32(s.cfg.WeightDecay)
	mu := float32(s.cfg.Momentum)
	damp := float32(1 - s.cfg.Dampening)
	first := s.t == 1
	for i, p := range s.params {
		th, g := p.Val.Data, p.Grad.Data[:len(p.Val.Data)]
		if s.buf == nil {
			for j, gj := range g {
				th[j] -= lr * (gj + wd*th[j])
			}
			continue
		}
		b := s.buf[i].Data[:len(th)]
		for j, gj := range g {
			d := gj + wd*th[j]
			if first {
				b[j] = d
			} else {
				b[j] = mu*b[j] + damp*d
			}
			if s.cfg.Nesterov {
				d += mu * b[j]
			} else {
				d = b[j]
			}
			th[j] -= lr * d
		}
	}
}

// State returns "step" (see the package doc for its encoding) and, with
// momentum, "momentum_buffer.<i>" per parameter. The tensors alias the
// optimiser's buffers: serialise them before the next Step.
func (s *SGD) State() []nn.NamedTensor {
	out := []nn.NamedTensor{{Name: stepKey, Val: stepTensor(s.stepT, s.t)}}
	for i, b := range s.buf {
		out = append(out, nn.NamedTensor{Name: bufKey("momentum_buffer", i), Val: b})
	}
	return out
}

// LoadState restores a State. It returns an error, leaving s unchanged, if
// a key is missing or unexpected or a shape differs.
func (s *SGD) LoadState(state []nn.NamedTensor) error {
	want := map[string]*tensor.Mat{stepKey: tensor.New(1, 2)}
	tmp := make([]*tensor.Mat, len(s.buf))
	for i, b := range s.buf {
		tmp[i] = tensor.New(b.Rows, b.Cols)
		want[bufKey("momentum_buffer", i)] = tmp[i]
	}
	if err := loadState(state, want); err != nil {
		return err
	}
	t, err := decodeStep(want[stepKey])
	if err != nil {
		return err
	}
	s.t = t
	for i, b := range s.buf {
		b.CopyFrom(tmp[i])
	}
	return nil
}
