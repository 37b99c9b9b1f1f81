package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/tensor"
)

// Sequential chains layers: y = Layers[n−1](…Layers[1](Layers[0](x))). It
// implements Layer, InputBackwarder and ParamBackwarder.
//
// Sequential owns one output buffer and one gradient buffer per layer and
// reuses them (tensor.Mat.Resize), so after the first call with a given batch
// size Forward and Backward do not allocate when the caller passes dst and dx
// (for layers whose output width is known: Linear, Activation, Sequential
// and any OutDimer; other layers get their buffer from their first call).
// The buffers stay alive between Forward and Backward: a Sequential serves one
// forward/backward pass at a time (clone it with Clone for a second copy, such
// as a target network).
//
// The zero Sequential (no layers) is the identity map.
type Sequential struct {
	Layers []Layer

	x     *tensor.Mat   // input of the last Forward (not copied)
	outs  []*tensor.Mat // outs[i] is the output of Layers[i], i < n−1
	grads []*tensor.Mat // grads[i] is ∂L/∂outs[i]
	dx0   *tensor.Mat   // discarded input gradient in BackwardParams
}

// NewSequential returns a Sequential of the given layers.
func NewSequential(layers ...Layer) *Sequential { return &Sequential{Layers: layers} }

// Params returns the parameters of all layers in order (PyTorch's
// module.parameters() order). It builds a new slice on each call: hot loops
// keep the result.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// OutDim returns the output width when it is fixed by the layers (the last
// layer with a known width, activations preserve width). It returns −1 when
// the width depends on the input.
func (s *Sequential) OutDim() int {
	for i := len(s.Layers) - 1; i >= 0; i-- {
		switch l := s.Layers[i].(type) {
		case *Activation:
			continue
		case OutDimer:
			return l.OutDim()
		default:
			return -1
		}
	}
	return -1
}

// outWidth returns the output width of l for an input of width in, if known.
func outWidth(l Layer, in int) (int, bool) {
	switch l := l.(type) {
	case *Activation:
		return in, true
	case *Sequential:
		w := in
		for _, sub := range l.Layers {
			var ok bool
			if w, ok = outWidth(sub, w); !ok {
				return 0, false
			}
		}
		return w, true
	case OutDimer:
		if d := l.OutDim(); d >= 0 {
			return d, true
		}
	}
	return 0, false
}

// buffer returns a reused matrix of shape rows×width in *slot when the width
// is known, and nil otherwise (the layer then allocates on its first call and
// the result is kept in *slot for later calls with the same shape).
func buffer(slot **tensor.Mat, l Layer, rows, in int) *tensor.Mat {
	w, ok := outWidth(l, in)
	if !ok {
		if *slot != nil && (*slot).Rows == rows {
			return *slot
		}
		return nil
	}
	if *slot == nil {
		*slot = tensor.New(rows, w)
		return *slot
	}
	return (*slot).Resize(rows, w)
}

// Forward returns dst = layers(x) for x of shape B×In; dst is B×Out (nil is
// allocated). x and the internal buffers are kept for Backward: x must not
// change before then. It panics if a layer rejects its input shape.
func (s *Sequential) Forward(dst, x *tensor.Mat) *tensor.Mat {
	s.x = x
	n := len(s.Layers)
	if n == 0 {
		if dst == nil {
			return x.Clone()
		}
		return dst.CopyFrom(x)
	}
	if len(s.outs) != n-1 {
		s.outs = make([]*tensor.Mat, n-1)
		s.grads = make([]*tensor.Mat, n-1)
	}
	in := x
	for i, l := range s.Layers[:n-1] {
		out := l.Forward(buffer(&s.outs[i], l, in.Rows, in.Cols), in)
		s.outs[i] = out
		in = out
	}
	return s.Layers[n-1].Forward(dst, in)
}

// gradBuf returns the reused buffer for ∂L/∂(input of layer i), i ≥ 1.
func (s *Sequential) gradBuf(i int) *tensor.Mat {
	in := s.outs[i-1]
	g := s.grads[i-1]
	if g == nil {
		g = tensor.New(in.Rows, in.Cols)
		s.grads[i-1] = g
		return g
	}
	return g.Resize(in.Rows, in.Cols)
}

// backward runs the chain rule from the last layer down to layer 1 and
// returns ∂L/∂outs[0], the gradient with respect to layer 0's output (dy
// itself for a single layer). paramGrads selects Backward (true) or
// BackwardInput (false) for those layers.
func (s *Sequential) backward(dy *tensor.Mat, paramGrads bool) *tensor.Mat {
	if s.x == nil {
		panic("nn: Sequential.Backward before Forward")
	}
	g := dy
	for i := len(s.Layers) - 1; i >= 1; i-- {
		if paramGrads {
			g = s.Layers[i].Backward(s.gradBuf(i), g)
		} else {
			g = BackwardInput(s.Layers[i], s.gradBuf(i), g)
		}
	}
	return g
}

// Backward takes dy = ∂L/∂y (B×Out) for the last Forward, accumulates every
// layer's parameter gradients and returns dx = ∂L/∂x (B×In; nil is
// allocated).
func (s *Sequential) Backward(dx, dy *tensor.Mat) *tensor.Mat {
	if len(s.Layers) == 0 {
		if dx == nil {
			return dy.Clone()
		}
		return dx.CopyFrom(dy)
	}
	g := s.backward(dy, true)
	return s.Layers[0].Backward(dx, g)
}

// BackwardInput returns dx = ∂L/∂x for the last Forward without touching
// parameter gradients (the predictive-coding inference path).
func (s *Sequential) BackwardInput(dx, dy *tensor.Mat) *tensor.Mat {
	if len(s.Layers) == 0 {
		if dx == nil {
			return dy.Clone()
		}
		return dx.CopyFrom(dy)
	}
	g := s.backward(dy, false)
	return BackwardInput(s.Layers[0], dx, g)
}

// BackwardParams accumulates the parameter gradients for dy = ∂L/∂y without
// computing ∂L/∂x when the first layer allows it (it saves the first layer's
// input-gradient GEMM, the largest one for wide inputs such as images).
func (s *Sequential) BackwardParams(dy *tensor.Mat) {
	if len(s.Layers) == 0 {
		return
	}
	g := s.backward(dy, true)
	if pb, ok := s.Layers[0].(ParamBackwarder); ok {
		pb.BackwardParams(g)
		return
	}
	// Reuse a private buffer for the discarded input gradient.
	if s.dx0 == nil {
		s.dx0 = tensor.New(s.x.Rows, s.x.Cols)
	}
	s.Layers[0].Backward(s.dx0.Resize(s.x.Rows, s.x.Cols), g)
}

// NewMLP returns a multilayer perceptron with widths sizes[0] → sizes[1] →
// … → sizes[n−1]: Linear layers with bias, an Activation(hidden) after every
// Linear but the last, and an Activation(out) after the last unless out is
// tensor.Identity. Its layer indices therefore match PyTorch's
// nn.Sequential(Linear, Act, Linear, Act, …, Linear[, Act]), so NamedParams
// gives "0.weight", "0.bias", "2.weight", …
//
// Weights are initialised with init using the gain rule of Init.Gain: each
// hidden Linear gets init.Gain(hidden, false), the last gets
// init.Gain(out, true). For example sizes {784, 256, 256, 10} gives three
// Linear layers. It panics if len(sizes) < 2, a size is < 1 or rng is nil.
func NewMLP(rng *rand.Rand, sizes []int, hidden, out tensor.Act, init Init) *Sequential {
	if len(sizes) < 2 {
		panic(fmt.Sprintf("nn: NewMLP needs at least 2 sizes, got %v", sizes))
	}
	if rng == nil {
		panic("nn: NewMLP with nil rng")
	}
	s := &Sequential{}
	for i := 0; i+1 < len(sizes); i++ {
		if sizes[i] < 1 || sizes[i+1] < 1 {
			panic(fmt.Sprintf("nn: NewMLP sizes must be ≥ 1, got %v", sizes))
		}
		l := NewLinear(sizes[i], sizes[i+1], true)
		last := i+2 == len(sizes)
		act := hidden
		if last {
			act = out
		}
		init.Apply(rng, l, init.Gain(act, last))
		s.Layers = append(s.Layers, l)
		if !last || out != tensor.Identity {
			s.Layers = append(s.Layers, &Activation{Act: act})
		}
	}
	return s
}

// Linears returns the Linear layers of s in order (for example to
// re-initialise a policy head: nn.InitOrthogonal.Apply(rng, s.Linears()[2], 0.01)).
func (s *Sequential) Linears() []*Linear {
	var ls []*Linear
	for _, l := range s.Layers {
		if lin, ok := l.(*Linear); ok {
			ls = append(ls, lin)
		}
	}
	return ls
}
