package nn

import (
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
)

// twoParams is a layer outside this package's types, named by Param.Name.
type twoParams struct{ a, b *Param }

func (l *twoParams) Forward(dst, x *tensor.Mat) *tensor.Mat  { return x }
func (l *twoParams) Backward(dx, dy *tensor.Mat) *tensor.Mat { return dy }
func (l *twoParams) Params() []*Param                        { return []*Param{l.a, l.b} }

func TestNamedParams(t *testing.T) {
	m := NewMLP(testrand.New(1), []int{2, 3, 1}, tensor.Tanh, tensor.Identity, InitTorch)
	t.Run("prefix", func(t *testing.T) {
		got := NamedParams("actor", m)
		want := []string{"actor.0.weight", "actor.0.bias", "actor.2.weight", "actor.2.bias"}
		ps := m.Params()
		if len(got) != len(want) {
			t.Fatalf("%d names, want %d", len(got), len(want))
		}
		for i, np := range got {
			if np.Name != want[i] || np.Param != ps[i] {
				t.Errorf("entry %d = %q (%p), want %q (%p)", i, np.Name, np.Param, want[i], ps[i])
			}
		}
	})
	t.Run("nested and generic", func(t *testing.T) {
		g := &twoParams{a: NewParam("scale", 1, 1), b: NewParam("", 1, 1)}
		s := NewSequential(m, g)
		got := NamedParams("", s)
		want := []string{"0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias", "1.scale", "1.1"}
		for i, np := range got {
			if np.Name != want[i] {
				t.Errorf("entry %d = %q, want %q", i, np.Name, want[i])
			}
		}
	})
}

func TestCopyParams(t *testing.T) {
	a := NewMLP(testrand.New(1), []int{3, 4, 2}, tensor.Tanh, tensor.Identity, InitTorch)
	b := NewMLP(testrand.New(2), []int{3, 4, 2}, tensor.Tanh, tensor.Identity, InitTorch)
	CopyParams(b.Params(), a.Params())
	for i, p := range b.Params() {
		if !equalBits(p.Val, a.Params()[i].Val) {
			t.Errorf("parameter %d not copied", i)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("mismatched shapes did not panic")
		}
	}()
	c := NewMLP(testrand.New(2), []int{3, 5, 2}, tensor.Tanh, tensor.Identity, InitTorch)
	CopyParams(c.Params(), a.Params())
}

func TestClone(t *testing.T) {
	m := NewMLP(testrand.New(1), []int{3, 4, 2}, tensor.Tanh, tensor.Sigmoid, InitOrthogonal)
	x := randMat(2, 5, 3, 1)
	c := Clone(m).(*Sequential)
	if !equalBits(c.Forward(nil, x), m.Forward(nil, x)) {
		t.Fatal("clone computes a different function")
	}
	// Deep copy: changing the clone leaves the original alone.
	c.Linears()[0].W.Val.Data[0] += 1
	if m.Linears()[0].W.Val.Data[0] == c.Linears()[0].W.Val.Data[0] {
		t.Error("clone shares weights with the original")
	}
	if len(NamedParams("", c)) != len(NamedParams("", m)) {
		t.Error("clone has different parameter names")
	}
	defer func() {
		if recover() == nil {
			t.Error("Clone of an unsupported layer did not panic")
		}
	}()
	Clone(&twoParams{})
}
