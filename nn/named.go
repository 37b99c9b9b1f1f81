package nn

import (
	"fmt"
	"strconv"

	"github.com/vfe-go/vfe/tensor"
)

// NamedParam is a parameter with its checkpoint key, such as "0.weight".
type NamedParam struct {
	Name  string
	Param *Param
}

// NamedTensor is a tensor with a checkpoint key (optimiser state, buffers).
type NamedTensor struct {
	Name string
	Val  *tensor.Mat
}

// NamedParamser is implemented by layers that name their own parameters;
// NamedParams uses it in preference to the default naming.
type NamedParamser interface {
	NamedParams(prefix string) []NamedParam
}

// NamedParams returns the parameters of l with keys that match PyTorch's
// state_dict for the equivalent module, so a safetensors file written from
// them loads into torch with load_state_dict:
//
//   - a Sequential names its layers by index: "0.weight", "0.bias",
//     "2.weight", … (activations take indices but have no parameters);
//   - a Linear gives "weight" and "bias";
//   - a NamedParamser names its own; any other layer uses Param.Name, or
//     the parameter's index when the name is empty.
//
// A non-empty prefix is joined with a dot: prefix "actor" gives
// "actor.0.weight". The order is that of l.Params().
func NamedParams(prefix string, l Layer) []NamedParam {
	switch l := l.(type) {
	case NamedParamser:
		return l.NamedParams(prefix)
	case *Sequential:
		var out []NamedParam
		for i, sub := range l.Layers {
			out = append(out, NamedParams(joinName(prefix, strconv.Itoa(i)), sub)...)
		}
		return out
	}
	ps := l.Params()
	out := make([]NamedParam, len(ps))
	for i, p := range ps {
		name := p.Name
		if name == "" {
			name = strconv.Itoa(i)
		}
		out[i] = NamedParam{Name: joinName(prefix, name), Param: p}
	}
	return out
}

func joinName(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// CopyParams copies the values (not the gradients) of src into dst, pairwise.
// It panics if the lengths or any shapes differ.
func CopyParams(dst, src []*Param) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("nn: CopyParams: %d destination vs %d source parameters", len(dst), len(src)))
	}
	for i, p := range dst {
		if !tensor.SameShape(p.Val, src[i].Val) {
			panic(fmt.Sprintf("nn: CopyParams: parameter %d is %d×%d, source is %d×%d",
				i, p.Val.Rows, p.Val.Cols, src[i].Val.Rows, src[i].Val.Cols))
		}
		copy(p.Val.Data, src[i].Val.Data)
	}
}

// Cloner is implemented by layers that can deep-copy themselves.
type Cloner interface {
	Clone() Layer
}

// Clone returns a deep copy of l with the same parameter values, zeroed
// gradients and no cached forward state (a target network); a Linear's
// clone keeps its packed-path setting (Linear.SetPacked). It handles
// *Linear, *Activation, *Sequential and any Cloner, and panics on other
// layer types.
func Clone(l Layer) Layer {
	switch l := l.(type) {
	case Cloner:
		return l.Clone()
	case *Linear:
		c := NewLinear(l.In, l.Out, l.B != nil)
		c.W.Name = l.W.Name
		c.W.Val.CopyFrom(l.W.Val)
		if l.B != nil {
			c.B.Name = l.B.Name
			c.B.Val.CopyFrom(l.B.Val)
		}
		if on, w := l.Packed(); on {
			c.SetPacked(true, w)
		}
		return c
	case *Activation:
		return &Activation{Act: l.Act, w: l.w}
	case *Sequential:
		c := &Sequential{Layers: make([]Layer, len(l.Layers))}
		for i, sub := range l.Layers {
			c.Layers[i] = Clone(sub)
		}
		return c
	}
	panic(fmt.Sprintf("nn: Clone: unsupported layer type %T (implement nn.Cloner)", l))
}
