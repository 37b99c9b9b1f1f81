package pc

import (
	"fmt"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// Dense is the seed's prediction map μ(s) = W·f(s) + b for a batch: row b of
// the output is W f(s_b) + b. W is Out×In (PyTorch layout), b is 1×Out.
//
// Dense implements nn.Layer and nn.InputBackwarder with f and f' computed in
// one fused pass and cached, so the transposed-Jacobian product that
// inference needs costs one GEMM and one element-wise multiply.
type Dense struct {
	Act tensor.Act
	Lin *nn.Linear // W (Out×In) and b (1×Out)

	fx, dfx *tensor.Mat // f(x), f'(x) of the last Forward
	workers int         // row workers of the model's last Init (InferConfig.Workers), for Learn

	// pf and pb hold Wᵀ and W packed for tensor.MulPacked while packed
	// (pfOK, pbOK: the packing applies), so that inference's repeated
	// products f(x)·Wᵀ and dy·W skip the reordering a BLAS call does each
	// time. Model.Init and State.Invalidate clear packed (parameters may
	// have changed).
	pf, pb     tensor.Packed
	pfOK, pbOK bool
	packed     bool
}

// NewDense returns an In→Out Dense map with activation f, zero weights and
// bias. Initialise W with an nn initialiser or InitDense.
func NewDense(in, out int, f tensor.Act) *Dense {
	return &Dense{
		Act: f,
		Lin: nn.NewLinear(in, out, true),
		fx:  tensor.New(0, in),
		dfx: tensor.New(0, in),
	}
}

// OutDim returns Out.
func (d *Dense) OutDim() int { return d.Lin.Out }

// InDim returns In.
func (d *Dense) InDim() int { return d.Lin.In }

// Params returns [W, b].
func (d *Dense) Params() []*nn.Param { return d.Lin.Params() }

// NamedParams names W "weight" and b "bias" under prefix.
func (d *Dense) NamedParams(prefix string) []nn.NamedParam {
	return nn.NamedParams(prefix, d.Lin)
}

// Forward returns dst = f(x)·Wᵀ + 1·bᵀ and caches f(x) and f'(x). x is B×In,
// dst B×Out (nil allocates).
func (d *Dense) Forward(dst, x *tensor.Mat) *tensor.Mat {
	if x.Cols != d.Lin.In {
		panic(fmt.Sprintf("pc: Dense.Forward: input has %d columns, want %d", x.Cols, d.Lin.In))
	}
	d.fx.Resize(x.Rows, x.Cols)
	d.dfx.Resize(x.Rows, x.Cols)
	d.Act.ForwardDeriv(d.fx, d.dfx, x)
	return d.Lin.Forward(dst, d.fx)
}

// Backward accumulates ∂W += dyᵀ·f(x), ∂b += Σ_rows dy and returns
// dx = (dy·W) ⊙ f'(x).
func (d *Dense) Backward(dx, dy *tensor.Mat) *tensor.Mat {
	d.AccumulateParamGrad(dy, 1)
	return d.BackwardInput(dx, dy)
}

// AccumulateParamGrad adds scale·(dyᵀ·f(x)) to ∂W and scale·Σ_rows dy to ∂b
// without computing dx.
func (d *Dense) AccumulateParamGrad(dy *tensor.Mat, scale float32) {
	tensor.Gemm(d.Lin.W.Grad, true, false, scale, dy, d.fx, 1)
	b := d.Lin.B.Grad.Data
	for i := 0; i < dy.Rows; i++ {
		for j, v := range dy.Row(i) {
			b[j] += scale * v
		}
	}
}

// BackwardInput returns dx = (dy·W) ⊙ f'(x) without touching gradients.
func (d *Dense) BackwardInput(dx, dy *tensor.Mat) *tensor.Mat {
	dx = d.Lin.BackwardInput(dx, dy)
	return tensor.Mul(dx, dx, d.dfx)
}

var (
	_ nn.Layer           = (*Dense)(nil)
	_ nn.InputBackwarder = (*Dense)(nil)
	_ nn.NamedParamser   = (*Dense)(nil)
)

// sizeCaches makes the cached f(x) and f'(x) b×In, so that activateRows
// can fill them block by block.
func (d *Dense) sizeCaches(b int) {
	d.fx.Resize(b, d.Lin.In)
	d.dfx.Resize(b, d.Lin.In)
}

// activateRows caches f and f' of rows [r0, r1) of x in the same rows of
// the caches (sized by sizeCaches). Calls on disjoint rows may run
// concurrently.
func (d *Dense) activateRows(x *tensor.Mat, r0, r1 int) {
	xr, fr, dr := rows(x, r0, r1), rows(d.fx, r0, r1), rows(d.dfx, r0, r1)
	d.Act.ForwardDeriv(&fr, &dr, &xr)
}

// linearRows writes rows [r0, r1) of dst = f(x)·Wᵀ + 1·bᵀ from the cached
// f(x) of the same rows. With useWT it multiplies by the packed Wᵀ (call
// packW first), or for a narrow map uses tensor.MulNarrowOut; either may
// round differently from the BLAS product that Forward uses. The model uses
// useWT for every prediction from a free node, so that one such prediction
// has the same bits however it is reached (Init, Infer, Evaluate). Calls on
// disjoint rows may run concurrently.
func (d *Dense) linearRows(dst *tensor.Mat, r0, r1 int, useWT bool) {
	fr, yr := rows(d.fx, r0, r1), rows(dst, r0, r1)
	if useWT && d.narrow() {
		var b []float32
		if d.Lin.B != nil {
			b = d.Lin.B.Val.Data
		}
		if tensor.MulNarrowOut(&yr, &fr, d.Lin.W.Val, b) {
			return
		}
	}
	var beta float32
	if d.Lin.B != nil {
		for i := 0; i < yr.Rows; i++ {
			copy(yr.Row(i), d.Lin.B.Val.Data)
		}
		beta = 1
	}
	if useWT && d.packed && d.pfOK && tensor.MulPacked(&yr, &fr, &d.pf, beta == 1) {
		return
	}
	tensor.Gemm(&yr, false, true, 1, &fr, d.Lin.W.Val, beta)
}

// narrowOut is the widest output for which a Dense map's products in
// inference use tensor's narrow-layer kernels instead of the BLAS.
const narrowOut = 16

// narrow reports whether d's output is at most narrowOut wide.
func (d *Dense) narrow() bool { return d.Lin.Out <= narrowOut }

// backRows writes dx = dy·W (the transposed-Jacobian product before the
// factor f'), by the narrow-layer kernel or the packed W when they apply.
func (d *Dense) backRows(dx, dy *tensor.Mat) {
	if d.narrow() && tensor.MulNarrowInner(dx, dy, d.Lin.W.Val) {
		return
	}
	if d.packed && d.pbOK && tensor.MulPacked(dx, dy, &d.pb, false) {
		return
	}
	tensor.Gemm(dx, false, false, 1, dy, d.Lin.W.Val, 0)
}

// packW makes the packed Wᵀ and W current. A narrow map uses neither, nor
// does a machine without the packed kernel, nor a model run on one
// goroutine with a BLAS given more than one thread (tensor.SetThreads),
// whose threaded products are then faster than the one-thread kernel (with
// row workers, InferConfig.Workers, each worker's products use the kernel).
func (d *Dense) packW() {
	if d.packed {
		return
	}
	d.packed = true
	d.pfOK, d.pbOK = false, false
	if d.narrow() || !tensor.CanMulPacked() || (tensor.Threads() > 1 && d.workers <= 1) {
		return
	}
	_, d.pfOK = tensor.Pack(&d.pf, d.Lin.W.Val, true)
	_, d.pbOK = tensor.Pack(&d.pb, d.Lin.W.Val, false)
}

// accumulateParamGradRows adds scale·(dyᵀ·f(x)) to rows [r0, r1) of ∂W and
// scale·Σ_rows dy to ∂b[r0:r1] (the output units r0 … r1−1), for the f(x)
// of the last forward pass. Calls on disjoint ranges may run concurrently.
func (d *Dense) accumulateParamGradRows(dy *tensor.Mat, scale float32, r0, r1 int) {
	in, out := d.Lin.In, d.Lin.Out
	tensor.GemmStrided(true, false, r1-r0, in, dy.Rows, scale, dy.Data[r0:], out, d.fx.Data, in, 1, d.Lin.W.Grad.Data[r0*in:], in)
	if d.Lin.B == nil {
		return
	}
	b := d.Lin.B.Grad.Data[r0:r1]
	for i := 0; i < dy.Rows; i++ {
		row := dy.Data[i*out+r0 : i*out+r1]
		for j, v := range row {
			b[j] += scale * v
		}
	}
}
