package nn

import (
	"github.com/vfe-go/vfe/tensor"
)

// Linear is y = x·Wᵀ + b with W of shape Out×In (PyTorch's nn.Linear layout,
// so checkpoints load there unchanged) and b of shape 1×Out. A Linear with
// NoBias set has no b.
//
// By default the products go through the BLAS (tensor.Gemm). SetPacked (or
// UsePacked for a whole network) switches a layer to register-tiled AVX2/FMA
// products over packed operands (tensor.MulPacked), with rows split among a
// tensor.Workers pool: faster than a one-thread OpenBLAS for 64-wide layers
// (PPO's and REINFORCE's networks use it) and, split over two cores, for
// DQN's 256-wide layers at batch 64; slower than OpenBLAS's own threads for
// batch-256 products (bench/rl-speed.md). It is bit-identical for any
// number of workers and on any machine with AVX2 and FMA, but rounded
// differently from the BLAS (each element is one fused multiply-add chain
// in order). Without AVX2 and FMA the layer keeps the BLAS.
type Linear struct {
	In, Out int
	W, B    *Param // B is nil when the layer has no bias
	x       *tensor.Mat
	pk      *packedLinear // nil: the BLAS path
}

// packedLinear holds the packed path's pool and its reused buffers.
type packedLinear struct {
	w   *tensor.Workers
	wt  *tensor.Packed // Wᵀ (In×Out) for Forward
	wp  *tensor.Packed // W (Out×In) for BackwardInput
	xp  *tensor.Packed // x (B×In) for BackwardParams
	dyT *tensor.Mat    // dyᵀ (Out×B) for BackwardParams
	xT  *tensor.Mat    // xᵀ (In×B) for BackwardParams with a narrow input
	dyp *tensor.Packed // dy (B×Out) for BackwardParams with a narrow input
	gT  *tensor.Mat    // (dyᵀ·x)ᵀ (In×Out) for BackwardParams with a narrow input
	wT  *tensor.Mat    // Wᵀ (In×Out) for BackwardInput with a narrow input

	pair backwardPair // reused by Backward
}

// SetPacked turns the packed path on (on = true, with the rows of each
// product split among w; nil w runs on the calling goroutine) or off (back
// to the BLAS). The packed path applies where tensor.CanMulPacked reports
// true (elsewhere the layer keeps the BLAS): Forward packs Wᵀ
// (tensor.PackPadded), BackwardInput packs W, BackwardParams transposes dy
// and packs x. Narrow layers have their own forms: fewer than 16 outputs
// or a forward pass of at most two rows (In a multiple of 8) use
// tensor.MulNarrowOut for Forward; fewer than 16
// inputs use tensor.MulNarrowOut over Wᵀ for the input gradient (Out a
// multiple of 8) and the packed product xᵀ·dy, added transposed, for the
// weight gradient (Out ≥ 16). The pool is not
// owned by the layer: the caller closes it.
func (l *Linear) SetPacked(on bool, w *tensor.Workers) {
	if !on {
		l.pk = nil
		return
	}
	if l.pk == nil {
		l.pk = &packedLinear{}
	}
	l.pk.w = w
}

// Packed reports whether the packed path is on (SetPacked) and its pool.
func (l *Linear) Packed() (on bool, w *tensor.Workers) {
	if l.pk == nil {
		return false, nil
	}
	return true, l.pk.w
}

// UsePacked turns the packed path on, with pool w, for every Linear in
// layers, descending into Sequential networks (SetPacked), and gives every
// Activation the pool for its element-wise passes (SetWorkers); other
// layers are left alone.
func UsePacked(w *tensor.Workers, layers ...Layer) {
	for _, l := range layers {
		switch l := l.(type) {
		case *Linear:
			l.SetPacked(true, w)
		case *Activation:
			l.SetWorkers(w)
		case *Sequential:
			UsePacked(w, l.Layers...)
		}
	}
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
	if l.pk != nil && l.forwardPacked(dst, x) {
		return dst
	}
	if l.B != nil {
		// Broadcast the bias into dst, then accumulate the product onto it.
		l.fillBias(dst)
		return tensor.Gemm(dst, false, true, 1, x, l.W.Val, 1)
	}
	return tensor.Gemm(dst, false, true, 1, x, l.W.Val, 0)
}

// Backward accumulates ∂W += dyᵀ·x, ∂b += Σ_rows dy, and returns dx = dy·W.
// On the packed path with two or more workers and products of at least
// pairMinFlops, the two products run side by side, each whole on one
// worker (the input gradient on the calling goroutine), instead of one
// after the other with their rows split: each product's operands then stay
// in one core's caches. The arithmetic is the same either way.
func (l *Linear) Backward(dx, dy *tensor.Mat) *tensor.Mat {
	mustCols("Linear.Backward", dy, l.Out)
	if r, ok := l.backwardSideBySide(dx, dy); ok {
		return r
	}
	l.BackwardParams(dy)
	return l.BackwardInput(dx, dy)
}

// pairMinFlops is the size 2·B·In·Out of each product above which Backward
// runs the two products side by side on a pool of two or more workers.
const pairMinFlops = 1 << 22

// backwardPair is Backward's two products as a tensor.RowTask of two rows:
// row 0 the input gradient, row 1 the parameter gradients, each on one
// goroutine.
type backwardPair struct {
	l      *Linear
	dx, dy *tensor.Mat
}

func (t *backwardPair) RunRows(lo, hi int) {
	for i := lo; i < hi; i++ {
		if i == 0 {
			t.l.inputGrad(t.dx, t.dy, nil)
		} else {
			t.l.paramGrads(t.dy, nil)
		}
	}
}

// backwardSideBySide is Backward's side-by-side form; it reports false,
// doing nothing, where it does not apply.
func (l *Linear) backwardSideBySide(dx, dy *tensor.Mat) (*tensor.Mat, bool) {
	p := l.pk
	if p == nil || p.w.N() < 2 || l.x == nil || !tensor.CanMulPacked() || dy.Rows != l.x.Rows ||
		l.In < 16 || l.Out < 16 || 2*dy.Rows*l.In*l.Out < pairMinFlops {
		return nil, false
	}
	if dx == nil {
		dx = tensor.New(dy.Rows, l.In)
	} else if dx.Rows != dy.Rows || dx.Cols != l.In {
		return nil, false // the sequential form panics with the shapes
	}
	p.pair = backwardPair{l: l, dx: dx, dy: dy}
	p.w.Run(2, &p.pair)
	p.pair = backwardPair{}
	return dx, true
}

// BackwardParams accumulates ∂W += dyᵀ·x and ∂b += Σ_rows dy without
// computing dx.
func (l *Linear) BackwardParams(dy *tensor.Mat) {
	mustCols("Linear.BackwardParams", dy, l.Out)
	if l.x == nil {
		panic("nn: Linear backward before Forward")
	}
	l.paramGrads(dy, l.workers())
}

// BackwardInput returns dx = dy·W without touching gradients.
func (l *Linear) BackwardInput(dx, dy *tensor.Mat) *tensor.Mat {
	return l.inputGrad(dx, dy, l.workers())
}

// workers returns the packed path's pool (nil off the packed path).
func (l *Linear) workers() *tensor.Workers {
	if l.pk == nil {
		return nil
	}
	return l.pk.w
}

// paramGrads accumulates ∂W += dyᵀ·x and ∂b += Σ_rows dy: by the packed
// kernels with rows split among w where they apply, else by the BLAS.
func (l *Linear) paramGrads(dy *tensor.Mat, w *tensor.Workers) {
	if l.pk == nil || !l.paramsPacked(dy, w) {
		tensor.Gemm(l.W.Grad, true, false, 1, dy, l.x, 1)
	}
	if l.B != nil {
		sumRowsAdd(l.B.Grad.Data, dy)
	}
}

// inputGrad returns dx = dy·W: by the packed kernels with rows split among
// w where they apply, else by the BLAS.
func (l *Linear) inputGrad(dx, dy *tensor.Mat, w *tensor.Workers) *tensor.Mat {
	if l.pk != nil {
		if r, ok := l.inputPacked(dx, dy, w); ok {
			return r
		}
	}
	return tensor.Gemm(dx, false, false, 1, dy, l.W.Val, 0)
}

// forwardPacked writes dst = x·Wᵀ + b by the packed kernels and reports
// whether it could.
func (l *Linear) forwardPacked(dst, x *tensor.Mat) bool {
	if !tensor.CanMulPacked() || dst.Rows != x.Rows || dst.Cols != l.Out || x.Rows == 0 {
		return false
	}
	if (l.Out < 16 || x.Rows <= narrowRows) && l.In%8 == 0 {
		// A few outputs (a value or a few action logits), or a row or two
		// (acting in one environment), where packing Wᵀ would cost more
		// than the product: dot products.
		var bias []float32
		if l.B != nil {
			bias = l.B.Val.Data
		}
		return tensor.MulNarrowOut(dst, x, l.W.Val, bias)
	}
	p := l.pk
	var ok bool
	if p.wt, ok = p.w.PackPadded(p.wt, l.W.Val, true); !ok {
		return false
	}
	if l.B != nil {
		l.fillBias(dst)
	}
	return p.w.MulPacked(dst, x, p.wt, l.B != nil)
}

// narrowRows is the batch size up to which Forward on the packed path
// takes dot products over the rows of W instead of packing Wᵀ: for one
// row of 256 inputs and 256 outputs they take 3.6 µs against 11.4 µs for
// packing and the packed product (4 rows: 14.4 against 12.3 µs).
const narrowRows = 2

// fillBias writes b into every row of dst.
func (l *Linear) fillBias(dst *tensor.Mat) {
	for i := 0; i < dst.Rows; i++ {
		copy(dst.Row(i), l.B.Val.Data)
	}
}

// inputPacked returns dx = dy·W by the packed kernels, with rows split
// among w, and whether it could.
func (l *Linear) inputPacked(dx, dy *tensor.Mat, w *tensor.Workers) (*tensor.Mat, bool) {
	if !tensor.CanMulPacked() || dy.Cols != l.Out || dy.Rows == 0 {
		return nil, false
	}
	if dx == nil {
		dx = tensor.New(dy.Rows, l.In)
	} else if dx.Rows != dy.Rows || dx.Cols != l.In {
		return nil, false // Gemm panics with the shapes
	}
	p := l.pk
	if l.In < 16 && l.Out%8 == 0 {
		// A narrow input (such as an observation of a few values): dx =
		// dy·(Wᵀ)ᵀ by dot products over Out.
		p.wT = resize(p.wT, l.In, l.Out)
		tensor.Transpose(p.wT, l.W.Val)
		return dx, tensor.MulNarrowOut(dx, dy, p.wT, nil)
	}
	var ok bool
	if p.wp, ok = w.PackPadded(p.wp, l.W.Val, false); !ok {
		return nil, false
	}
	return dx, w.MulPacked(dx, dy, p.wp, false)
}

// paramsPacked accumulates ∂W += dyᵀ·x by the packed kernel, with rows
// split among w, and reports whether it could.
func (l *Linear) paramsPacked(dy *tensor.Mat, w *tensor.Workers) bool {
	x := l.x
	if !tensor.CanMulPacked() || dy.Rows != x.Rows || dy.Rows == 0 {
		return false
	}
	p := l.pk
	var ok bool
	if l.In < 16 && l.Out >= 16 {
		// A narrow input: (dyᵀ·x)ᵀ = xᵀ·dy, In rows of Out columns,
		// into a buffer, added transposed.
		if p.dyp, ok = w.PackPadded(p.dyp, dy, false); !ok {
			return false
		}
		p.xT = resize(p.xT, l.In, x.Rows)
		tensor.Transpose(p.xT, x)
		p.gT = resize(p.gT, l.In, l.Out)
		if !w.MulPacked(p.gT, p.xT, p.dyp, false) {
			return false
		}
		g := l.W.Grad.Data
		for i := 0; i < l.In; i++ {
			for o, v := range p.gT.Row(i) {
				g[o*l.In+i] += v
			}
		}
		return true
	}
	// dyᵀ (Out×B) times x packed (B×In), accumulated onto ∂W.
	if p.xp, ok = w.PackPadded(p.xp, x, false); !ok {
		return false
	}
	p.dyT = resize(p.dyT, l.Out, dy.Rows)
	tensor.Transpose(p.dyT, dy)
	return w.MulPacked(l.W.Grad, p.dyT, p.xp, true)
}

// Activation applies an element-wise tensor.Act as a Layer (no parameters).
// Forward computes f(x) and f'(x) in one fused pass and keeps f'(x) in a
// buffer reused across calls, so Backward is a single product and neither
// allocates in the steady state.
//
// With a pool of workers (SetWorkers), ReLU's forward pass and every
// activation's backward product are split by rows among them for inputs of
// at least minEltSplit values, in the blocks of four rows that the packed
// products split (tensor.Workers gives a worker the same block every
// time), so the rows a worker's product wrote stay in its core's caches.
type Activation struct {
	Act tensor.Act
	df  *tensor.Mat // f'(x) of the last Forward
	w   *tensor.Workers
	elt eltTask // reused by the split passes
}

// minEltSplit is the number of values from which an Activation splits its
// element-wise passes among its workers (64 × 256: about 3 µs of ReLU).
const minEltSplit = 1 << 14

// SetWorkers gives the layer a pool for its element-wise passes (nil: the
// calling goroutine). The results do not depend on it.
func (a *Activation) SetWorkers(w *tensor.Workers) { a.w = w }

// eltTask is an element-wise pass over blocks of four rows of cols values:
// ReLU's forward (out = max(x, 0), d = f′) or a product (out = x ⊙ d).
type eltTask struct {
	relu       bool
	out, d, x  []float32
	rows, cols int
}

func (t *eltTask) RunRows(lo, hi int) {
	a, b := 4*lo*t.cols, min(4*hi, t.rows)*t.cols
	if t.relu {
		reluSlices(t.out[a:b], t.d[a:b], t.x[a:b])
	} else {
		mulSlices(t.out[a:b], t.x[a:b], t.d[a:b])
	}
}

// split runs t over the workers when they are worth it and reports whether
// it did.
func (a *Activation) split(t eltTask) bool {
	if a.w.N() < 2 || t.rows*t.cols < minEltSplit {
		return false
	}
	a.elt = t
	a.w.Run((t.rows+3)/4, &a.elt)
	a.elt = eltTask{}
	return true
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
		if !tensor.SameShape(dst, x) || !a.split(eltTask{relu: true, out: dst.Data, d: a.df.Data, x: x.Data, rows: x.Rows, cols: x.Cols}) {
			reluForwardDeriv(dst, a.df, x)
		}
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
	if dx != nil && tensor.SameShape(dx, dy) && tensor.SameShape(dy, a.df) &&
		a.split(eltTask{out: dx.Data, d: a.df.Data, x: dy.Data, rows: dy.Rows, cols: dy.Cols}) {
		return dx
	}
	return mulInto(dx, dy, a.df)
}

// BackwardInput is Backward (there are no parameters).
func (a *Activation) BackwardInput(dx, dy *tensor.Mat) *tensor.Mat { return a.Backward(dx, dy) }

// BackwardParams does nothing (there are no parameters).
func (a *Activation) BackwardParams(dy *tensor.Mat) {}

// Params returns nil.
func (a *Activation) Params() []*Param { return nil }

// resize returns m resized to r×c, allocating it when nil.
func resize(m *tensor.Mat, r, c int) *tensor.Mat {
	if m == nil {
		return tensor.New(r, c)
	}
	return m.Resize(r, c)
}
