package nn

import (
	"github.com/vfe-go/vfe/tensor"
)

// Linear is y = x·Wᵀ + b with W of shape Out×In (PyTorch's nn.Linear layout,
// so checkpoints load there unchanged) and b of shape 1×Out. A Linear with
// NoBias set has no b.
type Linear struct {
	In, Out int
	W, B    *Param // B is nil when the layer has no bias
	x       *tensor.Mat
}

// NewLinear returns an In×Out layer with zero weights; initialise it with an
// Init function. bias=false leaves B nil.
func NewLinear(in, out int, bias bool) *Linear {
	l := &Linear{In: in, Out: out, W: NewParam("weight", out, in)}
	if bias {
		l.B = NewParam("bias", 1, out)
	}
	return l
}

// OutDim returns Out.
func (l *Linear) OutDim() int { return l.Out }

// Params returns [W, B] (or [W] without bias).
func (l *Linear) Params() []*Param {
	if l.B == nil {
		return []*Param{l.W}
	}
	return []*Param{l.W, l.B}
}

// Forward returns dst = x·Wᵀ + b for x of shape B×In; dst is B×Out. It keeps
// a reference to x (not a copy) for Backward: x must not change before then.
func (l *Linear) Forward(dst, x *tensor.Mat) *tensor.Mat {
	mustCols("Linear.Forward", x, l.In)
	l.x = x
	if dst == nil {
		dst = tensor.New(x.Rows, l.Out)
	}
	if l.B != nil {
		// Broadcast the bias into dst, then accumulate the product onto it.
		for i := 0; i < dst.Rows; i++ {
			copy(dst.Row(i), l.B.Val.Data)
		}
		return tensor.Gemm(dst, false, true, 1, x, l.W.Val, 1)
	}
	return tensor.Gemm(dst, false, true, 1, x, l.W.Val, 0)
}

// Backward accumulates ∂W += dyᵀ·x, ∂b += Σ_rows dy, and returns dx = dy·W.
func (l *Linear) Backward(dx, dy *tensor.Mat) *tensor.Mat {
	mustCols("Linear.Backward", dy, l.Out)
	l.BackwardParams(dy)
	return l.BackwardInput(dx, dy)
}

// BackwardParams accumulates ∂W += dyᵀ·x and ∂b += Σ_rows dy without
// computing dx.
func (l *Linear) BackwardParams(dy *tensor.Mat) {
	mustCols("Linear.BackwardParams", dy, l.Out)
	if l.x == nil {
		panic("nn: Linear backward before Forward")
	}
	tensor.Gemm(l.W.Grad, true, false, 1, dy, l.x, 1)
	if l.B != nil {
		sumRowsAdd(l.B.Grad.Data, dy)
	}
}

// BackwardInput returns dx = dy·W without touching gradients.
func (l *Linear) BackwardInput(dx, dy *tensor.Mat) *tensor.Mat {
	return tensor.Gemm(dx, false, false, 1, dy, l.W.Val, 0)
}

// Activation applies an element-wise tensor.Act as a Layer (no parameters).
// Forward computes f(x) and f'(x) in one fused pass and keeps f'(x) in a
// buffer reused across calls, so Backward is a single product and neither
// allocates in the steady state.
type Activation struct {
	Act tensor.Act
	df  *tensor.Mat // f'(x) of the last Forward
}

// Forward returns dst = f(x) (dst may alias x; nil is allocated) and keeps
// f'(x) for Backward. It panics if dst's shape differs from x's.
func (a *Activation) Forward(dst, x *tensor.Mat) *tensor.Mat {
	if dst == nil {
		dst = tensor.New(x.Rows, x.Cols)
	}
	if a.df == nil {
		a.df = tensor.New(x.Rows, x.Cols)
	} else {
		a.df.Resize(x.Rows, x.Cols)
	}
	if a.Act == tensor.ReLU {
		reluForwardDeriv(dst, a.df, x)
	} else {
		a.Act.ForwardDeriv(dst, a.df, x)
	}
	return dst
}

// Backward returns dx = dy ⊙ f'(x) for the x of the last Forward (dx may
// alias dy; nil is allocated). It panics if called before Forward or if dy's
// shape differs from x's.
func (a *Activation) Backward(dx, dy *tensor.Mat) *tensor.Mat {
	if a.df == nil {
		panic("nn: Activation backward before Forward")
	}
	return mulInto(dx, dy, a.df)
}

// BackwardInput is Backward (there are no parameters).
func (a *Activation) BackwardInput(dx, dy *tensor.Mat) *tensor.Mat { return a.Backward(dx, dy) }

// BackwardParams does nothing (there are no parameters).
func (a *Activation) BackwardParams(dy *tensor.Mat) {}

// Params returns nil.
func (a *Activation) Params() []*Param { return nil }
