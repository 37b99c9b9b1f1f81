package nn

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
)

// Finite-difference settings: the models run in float32, so the step is
// large enough for the rounding error of a float32 sum (~1e-7 relative) to
// stay well below the tolerance after division by 2h.
const (
	fdStep = 1e-3
	fdAtol = 2e-3
	fdRtol = 1e-2
)

// probe is the scalar L = Σ_ij R_ij·y_ij used to test Backward: its
// gradient with respect to y is R, so Backward(dx, R) must return ∂L/∂x and
// accumulate ∂L/∂θ.
func probe(r, y *tensor.Mat) float64 { return tensor.Dot(r.Data, y.Data) }

// checkLayer compares the input and parameter gradients that l.Backward
// produces with central finite differences of probe ∘ l.
func checkLayer(t *testing.T, l Layer, x *tensor.Mat, seed uint64) {
	t.Helper()
	rng := testrand.New(seed)
	y := l.Forward(nil, x)
	r := tensor.New(y.Rows, y.Cols).RandN(rng, 1)
	eval := func() float64 { return probe(r, l.Forward(nil, x)) }

	ZeroGrad(l.Params())
	l.Forward(nil, x)
	dx := l.Backward(nil, r)

	x0 := gradcheck.F32(x.Data)
	num := gradcheck.Numeric(func(v []float64) float64 {
		gradcheck.Set32(x.Data, v)
		return eval()
	}, x0, fdStep)
	gradcheck.Set32(x.Data, x0)
	if err := gradcheck.Compare(gradcheck.F32(dx.Data), num, fdAtol, fdRtol); err != nil {
		t.Errorf("input gradient: %v", err)
	}
	for i, p := range l.Params() {
		p0 := gradcheck.F32(p.Val.Data)
		num := gradcheck.Numeric(func(v []float64) float64 {
			gradcheck.Set32(p.Val.Data, v)
			return eval()
		}, p0, fdStep)
		gradcheck.Set32(p.Val.Data, p0)
		if err := gradcheck.Compare(gradcheck.F32(p.Grad.Data), num, fdAtol, fdRtol); err != nil {
			t.Errorf("parameter %d (%s) gradient: %v", i, p.Name, err)
		}
	}
}

func randMat(seed uint64, r, c int, std float64) *tensor.Mat {
	return tensor.New(r, c).RandN(testrand.New(seed), std)
}

func TestLinear_Backward(t *testing.T) {
	for _, bias := range []bool{true, false} {
		name := "bias"
		if !bias {
			name = "nobias"
		}
		t.Run(name, func(t *testing.T) {
			l := NewLinear(4, 3, bias)
			InitTorch.Apply(testrand.New(1), l, 1)
			checkLayer(t, l, randMat(2, 5, 4, 1), 3)
		})
	}
}

func TestLinear_BackwardParams(t *testing.T) {
	t.Run("matches Backward", func(t *testing.T) {
		l := NewLinear(4, 3, true)
		InitTorch.Apply(testrand.New(1), l, 1)
		x, dy := randMat(2, 5, 4, 1), randMat(3, 5, 3, 1)
		l.Forward(nil, x)
		l.Backward(nil, dy)
		wantW, wantB := l.W.Grad.Clone(), l.B.Grad.Clone()
		ZeroGrad(l.Params())
		l.BackwardParams(dy)
		if !equalBits(l.W.Grad, wantW) || !equalBits(l.B.Grad, wantB) {
			t.Error("BackwardParams gradients differ from Backward's")
		}
	})
	t.Run("before Forward panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		NewLinear(2, 2, true).BackwardParams(tensor.New(1, 2))
	})
}

func TestActivation_Backward(t *testing.T) {
	for _, a := range []tensor.Act{tensor.Identity, tensor.Tanh, tensor.ReLU, tensor.Sigmoid, tensor.GELU, tensor.LeakyReLU} {
		t.Run(a.String(), func(t *testing.T) {
			x := randMat(7, 4, 5, 1)
			// Keep inputs away from the kinks of ReLU and leaky ReLU
			// (|x| ≥ 0.05 ≫ fdStep), where the derivative is undefined.
			for i, v := range x.Data {
				if math.Abs(float64(v)) < 0.05 {
					x.Data[i] = 0.05 + v
				}
			}
			checkLayer(t, &Activation{Act: a}, x, 8)
		})
	}
}

func TestSequential_Backward(t *testing.T) {
	for _, tc := range []struct {
		hidden, out tensor.Act
		init        Init
	}{
		{tensor.Tanh, tensor.Identity, InitXavierUniform},
		{tensor.Tanh, tensor.Sigmoid, InitOrthogonal},
		{tensor.ReLU, tensor.Identity, InitHeNormal},
		{tensor.GELU, tensor.Tanh, InitTorch},
	} {
		t.Run(tc.hidden.String()+"-"+tc.out.String(), func(t *testing.T) {
			m := NewMLP(testrand.New(11), []int{5, 7, 6, 3}, tc.hidden, tc.out, tc.init)
			checkLayer(t, m, randMat(12, 4, 5, 1), 13)
		})
	}
	t.Run("nested", func(t *testing.T) {
		rng := testrand.New(21)
		inner := NewMLP(rng, []int{4, 6, 4}, tensor.Tanh, tensor.Tanh, InitTorch)
		head := NewLinear(4, 2, true)
		InitTorch.Apply(rng, head, 1)
		checkLayer(t, NewSequential(inner, head), randMat(22, 3, 4, 1), 23)
	})
}

func equalBits(a, b *tensor.Mat) bool {
	if !tensor.SameShape(a, b) {
		return false
	}
	for i := range a.Data {
		if math.Float32bits(a.Data[i]) != math.Float32bits(b.Data[i]) {
			return false
		}
	}
	return true
}

func TestSequential_BackwardInput(t *testing.T) {
	m := NewMLP(testrand.New(31), []int{5, 8, 3}, tensor.Tanh, tensor.Identity, InitTorch)
	x, dy := randMat(32, 4, 5, 1), randMat(33, 4, 3, 1)
	m.Forward(nil, x)
	ZeroGrad(m.Params())
	want := m.Backward(nil, dy)
	grads := make([]*tensor.Mat, 0)
	for _, p := range m.Params() {
		grads = append(grads, p.Grad.Clone())
	}
	got := m.BackwardInput(nil, dy)
	if !equalBits(got, want) {
		t.Error("BackwardInput dx differs from Backward's")
	}
	for i, p := range m.Params() {
		if !equalBits(p.Grad, grads[i]) {
			t.Errorf("BackwardInput changed the gradient of parameter %d", i)
		}
	}
	ZeroGrad(m.Params())
	m.BackwardParams(dy)
	for i, p := range m.Params() {
		if !equalBits(p.Grad, grads[i]) {
			t.Errorf("BackwardParams gradient of parameter %d differs from Backward's", i)
		}
	}
}

func TestSequential_Forward(t *testing.T) {
	t.Run("matches manual composition", func(t *testing.T) {
		rng := testrand.New(41)
		l1, l2 := NewLinear(3, 4, true), NewLinear(4, 2, true)
		InitTorch.Apply(rng, l1, 1)
		InitTorch.Apply(rng, l2, 1)
		s := NewSequential(l1, &Activation{Act: tensor.Tanh}, l2)
		x := randMat(42, 5, 3, 1)
		got := s.Forward(nil, x)
		// y = tanh(x·W1ᵀ + b1)·W2ᵀ + b2 evaluated element by element in float64.
		for b := 0; b < x.Rows; b++ {
			h := make([]float64, 4)
			for i := range h {
				s := float64(l1.B.Val.Data[i])
				for j := 0; j < 3; j++ {
					s += float64(l1.W.Val.At(i, j)) * float64(x.At(b, j))
				}
				h[i] = math.Tanh(s)
			}
			for o := 0; o < 2; o++ {
				want := float64(l2.B.Val.Data[o])
				for i := range h {
					want += float64(l2.W.Val.At(o, i)) * h[i]
				}
				if d := math.Abs(float64(got.At(b, o)) - want); d > 1e-5 {
					t.Errorf("y[%d,%d] = %v, want %v", b, o, got.At(b, o), want)
				}
			}
		}
	})
	t.Run("empty is identity", func(t *testing.T) {
		s := NewSequential()
		x := randMat(43, 2, 3, 1)
		if y := s.Forward(nil, x); !equalBits(y, x) {
			t.Error("Forward of an empty Sequential is not the identity")
		}
		dy := randMat(44, 2, 3, 1)
		if dx := s.Backward(nil, dy); !equalBits(dx, dy) {
			t.Error("Backward of an empty Sequential is not the identity")
		}
	})
	t.Run("batch size changes", func(t *testing.T) {
		s := NewMLP(testrand.New(45), []int{3, 5, 2}, tensor.Tanh, tensor.Identity, InitTorch)
		big := randMat(46, 6, 3, 1)
		want := s.Forward(nil, big).RowsView(0, 2).Clone()
		got := s.Forward(nil, big.RowsView(0, 2))
		if !equalBits(got, want) {
			t.Error("rows of a smaller batch differ from the same rows of a larger one")
		}
	})
}

func TestSequential_NoAlloc(t *testing.T) {
	s := NewMLP(testrand.New(51), []int{8, 16, 16, 4}, tensor.Tanh, tensor.Identity, InitTorch)
	x, dy := randMat(52, 10, 8, 1), randMat(53, 10, 4, 1)
	y, dx := tensor.New(10, 4), tensor.New(10, 8)
	small := x.RowsView(0, 3)
	ys, dys, dxs := tensor.New(3, 4), dy.RowsView(0, 3), tensor.New(3, 8)
	s.Forward(y, x)
	s.Backward(dx, dy)
	allocs := testing.AllocsPerRun(20, func() {
		s.Forward(y, x)
		s.Backward(dx, dy)
		s.BackwardInput(dx, dy)
		s.BackwardParams(dy)
		// A smaller batch reuses the larger buffers.
		s.Forward(ys, small)
		s.Backward(dxs, dys)
	})
	if allocs != 0 {
		t.Errorf("Forward+Backward allocate %v times per run, want 0", allocs)
	}
}
