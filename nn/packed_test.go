package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
)

// packedShapes are (batch, In, Out) shapes that exercise every branch of
// the packed path: multiples of 16, narrow outputs, inputs that are not
// multiples of 16, batch 1 and odd batches.
var packedShapes = [][3]int{
	{1, 16, 16}, {3, 32, 48}, {7, 4, 256}, {64, 256, 256}, {256, 64, 64},
	{257, 256, 1}, {5, 256, 2}, {9, 24, 16}, {13, 3, 5}, {256, 256, 4}, {33, 17, 32},
	{256, 400, 300}, {31, 300, 1}, {6, 3, 400}, {10, 20, 12},
}

func closeMat(t *testing.T, what string, got, want *tensor.Mat) {
	t.Helper()
	if !tensor.SameShape(got, want) {
		t.Fatalf("%s: shape %d×%d, want %d×%d", what, got.Rows, got.Cols, want.Rows, want.Cols)
	}
	for i := range want.Data {
		g, w := float64(got.Data[i]), float64(want.Data[i])
		if math.Abs(g-w) > 1e-4*(1+math.Abs(w)) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, g, w)
		}
	}
}

// runLinear does one forward and backward pass and returns y, dx, ∂W, ∂b.
func runLinear(l *Linear, x, dy *tensor.Mat) (y, dx, gw, gb *tensor.Mat) {
	ZeroGrad(l.Params())
	y = l.Forward(tensor.New(x.Rows, l.Out), x)
	dx = l.Backward(tensor.New(x.Rows, l.In), dy)
	return y, dx, l.W.Grad.Clone(), l.B.Grad.Clone()
}

// TestLinearPacked compares the packed path with the BLAS path (within
// float32 rounding) and the packed path with one, two and three workers
// with each other (bit for bit), which covers Backward's side-by-side form
// (two or more workers, products of at least pairMinFlops).
func TestLinearPacked(t *testing.T) {
	w2, w3 := tensor.NewWorkers(2), tensor.NewWorkers(3)
	w2.SetMinFLOPs(0)
	w3.SetMinFLOPs(0)
	defer w2.Close()
	defer w3.Close()
	for si, s := range packedShapes {
		b, in, out := s[0], s[1], s[2]
		t.Run(fmt.Sprintf("%dx%dx%d", b, in, out), func(t *testing.T) {
			seed := uint64(100 + si)
			l := NewLinear(in, out, true)
			l.W.Val.Data = randMat(seed, out, in, 0.3).Data
			l.B.Val.Data = randMat(seed+1, 1, out, 0.3).Data
			x, dy := randMat(seed+2, b, in, 1), randMat(seed+3, b, out, 1)
			y0, dx0, gw0, gb0 := runLinear(l, x, dy)

			var ref [4]*tensor.Mat
			for i, w := range []*tensor.Workers{nil, w2, w3} {
				l.SetPacked(true, w)
				y, dx, gw, gb := runLinear(l, x, dy)
				closeMat(t, "y", y, y0)
				closeMat(t, "dx", dx, dx0)
				closeMat(t, "dW", gw, gw0)
				closeMat(t, "db", gb, gb0)
				got := [4]*tensor.Mat{y, dx, gw, gb}
				if i == 0 {
					ref = got
					continue
				}
				for j := range got {
					if !equalBits(got[j], ref[j]) {
						t.Fatalf("workers=%d: result %d differs from one worker", w.N(), j)
					}
				}
			}
			l.SetPacked(false, nil)
			y, dx, gw, gb := runLinear(l, x, dy)
			for j, m := range [][2]*tensor.Mat{{y, y0}, {dx, dx0}, {gw, gw0}, {gb, gb0}} {
				if !equalBits(m[0], m[1]) {
					t.Fatalf("SetPacked(false): result %d differs from the BLAS path", j)
				}
			}
		})
	}
}

// TestLinearPacked_Gradients is the finite-difference test with the packed
// path on (no bias and bias, widths on and off the kernels' multiples).
func TestLinearPacked_Gradients(t *testing.T) {
	w := tensor.NewWorkers(2)
	w.SetMinFLOPs(0)
	defer w.Close()
	for i, s := range [][3]int{{5, 16, 32}, {4, 3, 16}, {6, 32, 1}, {3, 20, 5}} {
		for _, bias := range []bool{true, false} {
			l := NewLinear(s[1], s[2], bias)
			l.W.Val.Data = randMat(uint64(30+i), s[2], s[1], 0.5).Data
			if bias {
				l.B.Val.Data = randMat(uint64(40+i), 1, s[2], 0.5).Data
			}
			l.SetPacked(true, w)
			checkLayer(t, l, randMat(uint64(50+i), s[0], s[1], 1), uint64(60+i))
		}
	}
}

// TestLinearPacked_MLP checks a packed MLP's input and parameter gradients
// by finite differences, and that Clone keeps the setting.
func TestLinearPacked_MLP(t *testing.T) {
	w := tensor.NewWorkers(2)
	w.SetMinFLOPs(0)
	defer w.Close()
	net := NewMLP(testrand.New(7), []int{4, 32, 32, 1}, tensor.Tanh, tensor.Identity, InitTorch)
	UsePacked(w, net)
	for _, l := range net.Layers {
		if lin, ok := l.(*Linear); ok {
			if on, pw := lin.Packed(); !on || pw != w {
				t.Fatal("UsePacked did not reach every Linear")
			}
		}
	}
	c := Clone(net).(*Sequential)
	if on, pw := c.Layers[0].(*Linear).Packed(); !on || pw != w {
		t.Fatal("Clone dropped the packed setting")
	}
	checkLayer(t, net, randMat(8, 6, 4, 1), 9)
}

// TestLinearPacked_NoAlloc checks that the packed forward and backward
// passes allocate nothing in the steady state, for an MLP whose narrow input
// and output layers take the narrow forms, not the BLAS.
func TestLinearPacked_NoAlloc(t *testing.T) {
	if !tensor.CanMulPacked() {
		t.Skip("no packed kernels: the BLAS path (the pure-Go one allocates)")
	}
	w := tensor.NewWorkers(2)
	w.SetMinFLOPs(0)
	defer w.Close()
	for _, sizes := range [][]int{{4, 256, 256, 1}, {3, 400, 300, 1}} {
		net := NewMLP(testrand.New(3), sizes, tensor.ReLU, tensor.Identity, InitTorch)
		UsePacked(w, net)
		x, dy := randMat(1, 256, sizes[0], 1), randMat(2, 256, 1, 1)
		y, dx := tensor.New(256, 1), tensor.New(256, sizes[0])
		step := func() {
			net.Forward(y, x)
			net.Backward(dx, dy)
		}
		step()
		if n := testing.AllocsPerRun(20, step); n != 0 {
			t.Fatalf("%v: %v allocations per step", sizes, n)
		}
	}
}

// TestActivationWorkers checks that an Activation splitting its passes
// among workers (ReLU forward, backward products of ReLU and tanh) gives
// the same bits as one goroutine, for row counts on and off the four-row
// blocks and in place.
func TestActivationWorkers(t *testing.T) {
	w := tensor.NewWorkers(2)
	defer w.Close()
	for _, act := range []tensor.Act{tensor.ReLU, tensor.Tanh} {
		for _, rows := range []int{64, 67, 600} {
			x, dy := randMat(uint64(rows), rows, 256, 1), randMat(uint64(rows)+1, rows, 256, 1)
			one, split := &Activation{Act: act}, &Activation{Act: act}
			split.SetWorkers(w)
			y1, y2 := one.Forward(nil, x), split.Forward(nil, x)
			d1, d2 := one.Backward(tensor.New(rows, 256), dy), split.Backward(tensor.New(rows, 256), dy)
			in := dy.Clone()
			split.Backward(in, in)
			for j, m := range [][2]*tensor.Mat{{y1, y2}, {d1, d2}, {d1, in}} {
				if !equalBits(m[0], m[1]) {
					t.Fatalf("%v, %d rows: result %d differs with workers", act, rows, j)
				}
			}
		}
	}
}
