package nn

import (
	"fmt"

	"github.com/vfe-go/vfe/tensor"
)

// Param is a trainable tensor and its gradient accumulator. Grad always has
// Val's shape. Name is the checkpoint key suffix (e.g. "weight", "bias").
type Param struct {
	Name string
	Val  *tensor.Mat
	Grad *tensor.Mat
}

// NewParam returns a zeroed r×c parameter and gradient.
func NewParam(name string, r, c int) *Param {
	return &Param{Name: name, Val: tensor.New(r, c), Grad: tensor.New(r, c)}
}

// ZeroGrad zeroes the gradients of ps.
func ZeroGrad(ps []*Param) {
	for _, p := range ps {
		p.Grad.Zero()
	}
}

// Layer is a differentiable map on a batch (one sample per row).
//
// Forward computes dst = layer(x) and caches what Backward needs; a nil dst
// is allocated (callers on a hot path pass a reused one). Backward takes dy =
// ∂L/∂y for the last Forward, accumulates ∂L/∂θ into Params()[i].Grad, and
// returns dx = ∂L/∂x (a nil dx is allocated).
type Layer interface {
	Forward(dst, x *tensor.Mat) *tensor.Mat
	Backward(dx, dy *tensor.Mat) *tensor.Mat
	Params() []*Param
}

// InputBackwarder is implemented by layers that can return dx without
// touching parameter gradients. Predictive-coding inference needs only
// ∂μ/∂z, so skipping ∂μ/∂θ saves one GEMM per layer per iteration.
type InputBackwarder interface {
	BackwardInput(dx, dy *tensor.Mat) *tensor.Mat
}

// ParamBackwarder is implemented by layers that can accumulate parameter
// gradients without computing dx. Training the first layer of a network
// needs no input gradient, so skipping it saves one GEMM per step.
type ParamBackwarder interface {
	BackwardParams(dy *tensor.Mat)
}

// BackwardInput returns dx for the last Forward of l without accumulating
// parameter gradients when l implements InputBackwarder. Otherwise it calls
// Backward and restores the gradients (slow path, allocates).
func BackwardInput(l Layer, dx, dy *tensor.Mat) *tensor.Mat {
	if ib, ok := l.(InputBackwarder); ok {
		return ib.BackwardInput(dx, dy)
	}
	ps := l.Params()
	saved := make([]*tensor.Mat, len(ps))
	for i, p := range ps {
		saved[i] = p.Grad.Clone()
	}
	dx = l.Backward(dx, dy)
	for i, p := range ps {
		p.Grad.CopyFrom(saved[i])
	}
	return dx
}

// OutDimer is implemented by layers with a fixed output width.
type OutDimer interface{ OutDim() int }

func mustCols(op string, m *tensor.Mat, c int) {
	if m.Cols != c {
		panic(fmt.Sprintf("nn: %s: input has %d columns, want %d", op, m.Cols, c))
	}
}
