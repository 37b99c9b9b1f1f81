package nn

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
)

// moments returns the mean, the variance and the largest |w| of m.
func moments(m *tensor.Mat) (mean, variance, maxAbs float64) {
	n := float64(m.Len())
	mean = tensor.Sum(m.Data) / n
	for _, v := range m.Data {
		d := float64(v) - mean
		variance += d * d
		maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
	}
	return mean, variance / n, maxAbs
}

func TestInit_Apply(t *testing.T) {
	const in, out = 400, 300 // 120000 weights: the sample variance is within ~1% of the truth
	fanIn, fanOut := float64(in), float64(out)
	for _, tc := range []struct {
		init  Init
		gain  float64
		std   float64 // expected standard deviation of W
		bound float64 // expected max |W| for uniform schemes, 0 otherwise
		bias  bool    // bias is drawn (PyTorch default) rather than zero
	}{
		// U(−a, a) has variance a²/3.
		{InitTorch, 1, 1 / math.Sqrt(fanIn) / math.Sqrt(3), 1 / math.Sqrt(fanIn), true},
		{InitXavierUniform, 1, math.Sqrt(6/(fanIn+fanOut)) / math.Sqrt(3), math.Sqrt(6 / (fanIn + fanOut)), false},
		{InitXavierNormal, 2, 2 * math.Sqrt(2/(fanIn+fanOut)), 0, false},
		{InitHeUniform, math.Sqrt2, math.Sqrt2 * math.Sqrt(3/fanIn) / math.Sqrt(3), math.Sqrt2 * math.Sqrt(3/fanIn), false},
		{InitHeNormal, 5.0 / 3, 5.0 / 3 / math.Sqrt(fanIn), 0, false},
		// An out×in matrix with orthonormal rows has Σ W² = out, so the
		// mean square is gain²·out/(out·in) = gain²/in.
		{InitOrthogonal, math.Sqrt2, math.Sqrt2 / math.Sqrt(fanIn), 0, false},
		{InitZero, 1, 0, 0, false},
	} {
		t.Run(tc.init.String(), func(t *testing.T) {
			l := NewLinear(in, out, true)
			l.B.Val.Fill(7)
			tc.init.Apply(testrand.New(3), l, tc.gain)
			mean, v, maxAbs := moments(l.W.Val)
			if math.Abs(mean) > 0.02*tc.std+1e-12 {
				t.Errorf("mean %v, want ≈ 0", mean)
			}
			if got := math.Sqrt(v); math.Abs(got-tc.std) > 0.02*tc.std+1e-12 {
				t.Errorf("std %v, want %v", got, tc.std)
			}
			if tc.bound > 0 && (maxAbs > tc.bound || maxAbs < 0.99*tc.bound) {
				t.Errorf("max |W| = %v, want just below %v", maxAbs, tc.bound)
			}
			_, _, bmax := moments(l.B.Val)
			switch {
			case tc.bias && (bmax > 1/math.Sqrt(fanIn) || bmax == 0):
				t.Errorf("max |b| = %v, want in (0, %v]", bmax, 1/math.Sqrt(fanIn))
			case !tc.bias && bmax != 0:
				t.Errorf("bias not zeroed: max |b| = %v", bmax)
			}
		})
	}
	t.Run("deterministic", func(t *testing.T) {
		for i := InitTorch; i <= InitZero; i++ {
			a, b := NewLinear(5, 4, true), NewLinear(5, 4, true)
			i.Apply(testrand.New(9), a, 1)
			i.Apply(testrand.New(9), b, 1)
			if !equalBits(a.W.Val, b.W.Val) || !equalBits(a.B.Val, b.B.Val) {
				t.Errorf("%v: same seed gave different weights", i)
			}
		}
	})
}

func TestOrthogonal(t *testing.T) {
	for _, sh := range [][2]int{{3, 7}, {7, 3}, {5, 5}, {1, 4}} {
		r, c := sh[0], sh[1]
		t.Run("", func(t *testing.T) {
			const gain = 0.5
			w := Orthogonal(testrand.New(uint64(r*10+c)), tensor.New(r, c), gain)
			// W·Wᵀ = gain²·I for r ≤ c; Wᵀ·W = gain²·I for r ≥ c.
			var g *tensor.Mat
			if r <= c {
				g = tensor.Gemm(nil, false, true, 1, w, w, 0)
			} else {
				g = tensor.Gemm(nil, true, false, 1, w, w, 0)
			}
			for i := 0; i < g.Rows; i++ {
				for j := 0; j < g.Cols; j++ {
					want := 0.0
					if i == j {
						want = gain * gain
					}
					if math.Abs(float64(g.At(i, j))-want) > 1e-6 {
						t.Fatalf("%d×%d: Gram[%d,%d] = %v, want %v", r, c, i, j, g.At(i, j), want)
					}
				}
			}
		})
	}
}

func TestTorchGain(t *testing.T) {
	// torch.nn.init.calculate_gain documentation table.
	for _, tc := range []struct {
		a    tensor.Act
		want float64
	}{
		{tensor.Identity, 1},
		{tensor.Sigmoid, 1},
		{tensor.Tanh, 5.0 / 3},
		{tensor.ReLU, math.Sqrt(2)},
		{tensor.LeakyReLU, math.Sqrt(2 / (1 + 0.01*0.01))},
	} {
		if got := TorchGain(tc.a); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("TorchGain(%v) = %v, want %v", tc.a, got, tc.want)
		}
	}
}

func TestInit_Gain(t *testing.T) {
	if g := InitOrthogonal.Gain(tensor.Tanh, false); g != math.Sqrt2 {
		t.Errorf("orthogonal hidden gain %v, want √2 (SB3/CleanRL)", g)
	}
	if g := InitOrthogonal.Gain(tensor.Identity, true); g != 1 {
		t.Errorf("orthogonal output gain %v, want 1", g)
	}
	if g := InitHeNormal.Gain(tensor.ReLU, false); g != math.Sqrt2 {
		t.Errorf("he hidden gain for relu %v, want √2", g)
	}
	if g := InitXavierUniform.Gain(tensor.Tanh, false); g != 1 {
		t.Errorf("xavier gain %v, want 1", g)
	}
}

func TestInit_UnmarshalText(t *testing.T) {
	t.Run("round trip", func(t *testing.T) {
		for i := InitTorch; i <= InitZero; i++ {
			b, err := json.Marshal(struct{ I Init }{i})
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ I Init }
			if err := json.Unmarshal(b, &got); err != nil || got.I != i {
				t.Errorf("%v: round trip gave %v, %v (json %s)", i, got.I, err, b)
			}
		}
	})
	t.Run("aliases", func(t *testing.T) {
		for s, want := range map[string]Init{"": InitTorch, "default": InitTorch, "glorot_uniform": InitXavierUniform,
			"glorot_normal": InitXavierNormal, "kaiming_uniform": InitHeUniform, "kaiming_normal": InitHeNormal} {
			if got, err := ParseInit(s); err != nil || got != want {
				t.Errorf("ParseInit(%q) = %v, %v, want %v", s, got, err, want)
			}
		}
	})
	t.Run("unknown", func(t *testing.T) {
		var i Init
		if err := i.Set("lecun"); err == nil {
			t.Error("no error for an unknown name")
		}
		if _, err := Init(99).MarshalText(); err == nil {
			t.Error("no error marshalling an unknown value")
		}
	})
}

func TestNewMLP(t *testing.T) {
	t.Run("structure", func(t *testing.T) {
		m := NewMLP(testrand.New(1), []int{784, 256, 256, 10}, tensor.Tanh, tensor.Identity, InitTorch)
		if len(m.Layers) != 5 {
			t.Fatalf("%d layers, want 5 (Linear, Tanh, Linear, Tanh, Linear)", len(m.Layers))
		}
		if m.OutDim() != 10 {
			t.Errorf("OutDim %d, want 10", m.OutDim())
		}
		var names []string
		for _, np := range NamedParams("", m) {
			names = append(names, np.Name)
		}
		want := []string{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"}
		if len(names) != len(want) {
			t.Fatalf("names %v, want %v", names, want)
		}
		for i := range want {
			if names[i] != want[i] {
				t.Errorf("names %v, want %v", names, want)
				break
			}
		}
		if w := m.Linears()[0].W.Val; w.Rows != 256 || w.Cols != 784 {
			t.Errorf("first weight %d×%d, want 256×784 (Out×In)", w.Rows, w.Cols)
		}
	})
	t.Run("output activation", func(t *testing.T) {
		m := NewMLP(testrand.New(1), []int{2, 3, 1}, tensor.ReLU, tensor.Sigmoid, InitTorch)
		if len(m.Layers) != 4 {
			t.Fatalf("%d layers, want 4", len(m.Layers))
		}
		if a, ok := m.Layers[3].(*Activation); !ok || a.Act != tensor.Sigmoid {
			t.Errorf("last layer %#v, want a Sigmoid activation", m.Layers[3])
		}
	})
	t.Run("bad sizes panic", func(t *testing.T) {
		for _, sizes := range [][]int{{3}, {3, 0, 2}} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("NewMLP(%v) did not panic", sizes)
					}
				}()
				NewMLP(testrand.New(1), sizes, tensor.Tanh, tensor.Identity, InitTorch)
			}()
		}
	})
}

func TestOrthoInit_GainsAndZeroBiases(t *testing.T) {
	rng := testrand.New(4)
	m := NewMLP(rng, []int{6, 8, 8, 3}, tensor.Tanh, tensor.Identity, InitTorch)
	OrthoInit(rng, m, 0.01)
	for k, l := range m.Linears() {
		g := math.Sqrt2
		if k == 2 {
			g = 0.01
		}
		for _, b := range l.B.Val.Data {
			if b != 0 {
				t.Fatalf("layer %d has bias %v, want 0", k, b)
			}
		}
		// Orthogonal up to the gain: W·Wᵀ = g²·I when W has no more rows
		// than columns, Wᵀ·W = g²·I otherwise.
		w := l.W.Val
		r, c := w.Rows, w.Cols
		small := min(r, c)
		for i := 0; i < small; i++ {
			for j := 0; j < small; j++ {
				var s float64
				if r <= c {
					for k2 := 0; k2 < c; k2++ {
						s += float64(w.At(i, k2)) * float64(w.At(j, k2))
					}
				} else {
					for k2 := 0; k2 < r; k2++ {
						s += float64(w.At(k2, i)) * float64(w.At(k2, j))
					}
				}
				want := 0.0
				if i == j {
					want = g * g
				}
				if math.Abs(s-want) > 1e-5*math.Max(1, g*g) {
					t.Fatalf("layer %d: (W Wᵀ)[%d][%d] = %v, want %v", k, i, j, s, want)
				}
			}
		}
	}
}
