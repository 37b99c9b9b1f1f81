package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/tensor"
)

func TestReluForwardDeriv_MatchesTensor(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32, -1, 1}
	for _, shape := range [][2]int{{1, 1}, {3, 7}, {17, 33}, {256, 256}} {
		x := tensor.New(shape[0], shape[1]).RandN(rng, 1)
		for i := range special {
			if i < len(x.Data) {
				x.Data[i] = special[i]
			}
		}
		f, df := tensor.New(shape[0], shape[1]), tensor.New(shape[0], shape[1])
		wf, wdf := tensor.New(shape[0], shape[1]), tensor.New(shape[0], shape[1])
		reluForwardDeriv(f, df, x)
		tensor.ReLU.ForwardDeriv(wf, wdf, x)
		for i := range x.Data {
			if math.Float32bits(f.Data[i]) != math.Float32bits(wf.Data[i]) || math.Float32bits(df.Data[i]) != math.Float32bits(wdf.Data[i]) {
				t.Fatalf("%v: x=%v: got (%v, %v), tensor.ReLU gives (%v, %v)", shape, x.Data[i], f.Data[i], df.Data[i], wf.Data[i], wdf.Data[i])
			}
		}
		// In place (dst aliases x), as Activation.Forward allows.
		reluForwardDeriv(x, df, x)
		for i := range x.Data {
			if math.Float32bits(x.Data[i]) != math.Float32bits(wf.Data[i]) {
				t.Fatalf("%v in place: element %d is %v, want %v", shape, i, x.Data[i], wf.Data[i])
			}
		}
	}
}

func TestSumRowsAdd_MatchesTensor(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, shape := range [][2]int{{0, 5}, {1, 1}, {5, 7}, {9, 8}, {256, 64}, {13, 259}} {
		a := tensor.New(shape[0], shape[1]).RandN(rng, 3)
		got, want := make([]float32, shape[1]), make([]float32, shape[1])
		for j := range got {
			got[j] = float32(rng.NormFloat64())
			want[j] = got[j]
		}
		sumRowsAdd(got, a)
		tensor.SumRowsInto(want, a, 1)
		for j := range got {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("%v column %d: got %v, tensor.SumRowsInto gives %v", shape, j, got[j], want[j])
			}
		}
	}
}

func TestMulInto_MatchesTensor(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, shape := range [][2]int{{1, 1}, {3, 7}, {16, 16}, {33, 65}} {
		a, b := tensor.New(shape[0], shape[1]).RandN(rng, 1), tensor.New(shape[0], shape[1]).RandN(rng, 1)
		a.Data[0], b.Data[0] = -3, 0 // −0
		if len(a.Data) > 1 {
			a.Data[1] = float32(math.NaN())
		}
		got, want := mulInto(tensor.New(shape[0], shape[1]), a, b), tensor.Mul(nil, a, b)
		for i := range got.Data {
			if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
				t.Fatalf("%v element %d: got %v, tensor.Mul gives %v", shape, i, got.Data[i], want.Data[i])
			}
		}
		if mulInto(a, a, b); math.Float32bits(a.Data[len(a.Data)-1]) != math.Float32bits(want.Data[len(a.Data)-1]) {
			t.Fatalf("%v in place: got %v, want %v", shape, a.Data[len(a.Data)-1], want.Data[len(a.Data)-1])
		}
	}
}

func BenchmarkReluForwardDeriv(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := tensor.New(256, 256).RandN(rng, 1)
	f, df := tensor.New(256, 256), tensor.New(256, 256)
	b.Run("branchless", func(b *testing.B) {
		for range b.N {
			reluForwardDeriv(f, df, x)
		}
	})
	b.Run("tensor", func(b *testing.B) {
		for range b.N {
			tensor.ReLU.ForwardDeriv(f, df, x)
		}
	})
}

func BenchmarkSumRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	a := tensor.New(256, 256).RandN(rng, 1)
	dst := make([]float32, 256)
	b.Run("sumRowsAdd", func(b *testing.B) {
		for range b.N {
			sumRowsAdd(dst, a)
		}
	})
	b.Run("tensor", func(b *testing.B) {
		for range b.N {
			tensor.SumRowsInto(dst, a, 1)
		}
	})
}
