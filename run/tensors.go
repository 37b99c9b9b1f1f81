package run

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/nlpodyssey/safetensors"
	"github.com/vfe-go/vfe/tensor"
)

// Tensor is a named array stored in a checkpoint: exactly one of F32 and F64
// holds the row-major values, and Shape their dimensions (1 or 2 of them,
// product = number of values). F32 is for weights and activities, F64 for
// statistics that need the precision (observation normalisation).
type Tensor struct {
	Name  string
	Shape []int
	F32   []float32
	F64   []float64
}

// MatTensor returns m as a 2-D F32 tensor [Rows, Cols] sharing m's storage.
func MatTensor(name string, m *tensor.Mat) Tensor {
	return Tensor{Name: name, Shape: []int{m.Rows, m.Cols}, F32: m.Data}
}

// VecTensor returns v as a 1-D F32 tensor sharing v's storage.
func VecTensor(name string, v []float32) Tensor {
	return Tensor{Name: name, Shape: []int{len(v)}, F32: v}
}

// F64Tensor returns v as a 1-D F64 tensor sharing v's storage.
func F64Tensor(name string, v []float64) Tensor {
	return Tensor{Name: name, Shape: []int{len(v)}, F64: v}
}

// Mat returns an F32 tensor as a tensor.Mat sharing its storage: a 2-D
// [r, c] tensor as r×c, a 1-D [n] tensor as 1×n. It is an error for F64 or
// other ranks.
func (t Tensor) Mat() (*tensor.Mat, error) {
	if t.F32 == nil || t.F64 != nil {
		return nil, fmt.Errorf("run: tensor %q is not F32", t.Name)
	}
	switch len(t.Shape) {
	case 1:
		return tensor.FromSlice(1, t.Shape[0], t.F32), nil
	case 2:
		return tensor.FromSlice(t.Shape[0], t.Shape[1], t.F32), nil
	}
	return nil, fmt.Errorf("run: tensor %q has shape %v, want 1 or 2 dimensions", t.Name, t.Shape)
}

func (t Tensor) numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// view adapts a Tensor to safetensors.View with its little-endian bytes.
type view struct {
	dtype safetensors.DType
	shape []uint64
	data  []byte
}

func (v view) DType() safetensors.DType { return v.dtype }
func (v view) Shape() []uint64          { return v.shape }
func (v view) Data() []byte             { return v.data }
func (v view) DataLen() uint64          { return uint64(len(v.data)) }

// SaveTensors atomically writes tensors and string metadata (may be nil) to
// path in the safetensors format. Names must be unique and non-empty; each
// tensor needs 1 or 2 non-negative dimensions matching its number of values
// and exactly one of F32, F64. (The file orders tensors by dtype and name, as
// the format's reference writer does; LoadTensors returns them in file
// order.)
func SaveTensors(path string, tensors []Tensor, metadata map[string]string) error {
	views := make(map[string]view, len(tensors))
	for _, t := range tensors {
		if t.Name == "" || strings.HasPrefix(t.Name, "__") {
			return fmt.Errorf("run: checkpoint %s: tensor name %q is empty or reserved", path, t.Name)
		}
		if _, dup := views[t.Name]; dup {
			return fmt.Errorf("run: checkpoint %s: tensor name %q repeated", path, t.Name)
		}
		if len(t.Shape) < 1 || len(t.Shape) > 2 || slices.ContainsFunc(t.Shape, func(d int) bool { return d < 0 }) {
			return fmt.Errorf("run: checkpoint %s: tensor %q has shape %v, want 1 or 2 non-negative dimensions", path, t.Name, t.Shape)
		}
		shape := make([]uint64, len(t.Shape))
		for i, d := range t.Shape {
			shape[i] = uint64(d)
		}
		var v view
		switch {
		case t.F32 != nil && t.F64 == nil && len(t.F32) == t.numel():
			v = view{safetensors.F32, shape, make([]byte, 4*len(t.F32))}
			for i, x := range t.F32 {
				binary.LittleEndian.PutUint32(v.data[4*i:], math.Float32bits(x))
			}
		case t.F64 != nil && t.F32 == nil && len(t.F64) == t.numel():
			v = view{safetensors.F64, shape, make([]byte, 8*len(t.F64))}
			for i, x := range t.F64 {
				binary.LittleEndian.PutUint64(v.data[8*i:], math.Float64bits(x))
			}
		default:
			return fmt.Errorf("run: checkpoint %s: tensor %q needs exactly one of F32, F64 with %d values for shape %v", path, t.Name, t.numel(), t.Shape)
		}
		views[t.Name] = v
	}
	if metadata == nil {
		metadata = map[string]string{}
	}
	return AtomicWrite(path, func(w io.Writer) error {
		return safetensors.SerializeToWriter(views, metadata, w)
	})
}

// LoadTensors reads a safetensors file written by SaveTensors or by Python's
// safetensors library. It accepts F32 and F64 tensors of rank 1 or 2 (a
// rank-0 scalar is returned with Shape [1]) and returns them in file order
// with the file's metadata (an empty map when it has none).
func LoadTensors(path string) ([]Tensor, map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("run: %w", err)
	}
	ts, meta, err := decodeTensors(b)
	if err != nil {
		return nil, nil, fmt.Errorf("run: checkpoint %s: %v", path, err)
	}
	return ts, meta, nil
}

// decodeTensors parses the bytes of a safetensors file; its errors are
// completed by LoadTensors with the file's path.
func decodeTensors(b []byte) ([]Tensor, map[string]string, error) {
	st, err := safetensors.Deserialize(b)
	if err != nil {
		return nil, nil, fmt.Errorf("corrupt: %v", err)
	}
	_, md, _ := safetensors.ReadMetadata(b)
	meta := map[string]string{}
	for k, v := range md.Metadata() {
		meta[k] = v
	}
	var out []Tensor
	for _, nt := range st.Tensors() {
		tv := nt.TensorView
		shape := make([]int, len(tv.Shape()))
		for i, d := range tv.Shape() {
			if d > math.MaxInt32 {
				return nil, nil, fmt.Errorf("corrupt: tensor %q has dimension %d", nt.Name, d)
			}
			shape[i] = int(d)
		}
		if len(shape) == 0 {
			shape = []int{1}
		}
		if len(shape) > 2 {
			return nil, nil, fmt.Errorf("tensor %q has %d dimensions, want 1 or 2", nt.Name, len(shape))
		}
		t := Tensor{Name: nt.Name, Shape: shape}
		data := tv.Data()
		switch tv.DType() {
		case safetensors.F32:
			t.F32 = make([]float32, len(data)/4)
			for i := range t.F32 {
				t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			}
		case safetensors.F64:
			t.F64 = make([]float64, len(data)/8)
			for i := range t.F64 {
				t.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
			}
		default:
			return nil, nil, fmt.Errorf("tensor %q has dtype %v, want F32 or F64", nt.Name, tv.DType())
		}
		out = append(out, t)
	}
	return out, meta, nil
}

// Find returns the tensor named name in ts.
func Find(ts []Tensor, name string) (Tensor, bool) {
	for _, t := range ts {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}
